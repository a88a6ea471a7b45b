import ArgumentParser
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where the CLI writes: results to stdout, progress and errors to stderr.
enum Terminal {
    /// Whether stderr is a terminal (progress is then redrawn in place).
    static var standardErrorIsTerminal: Bool { isatty(STDERR_FILENO) == 1 }

    /// Writes `text` to stderr as is (no newline added).
    static func writeError(_ text: String) {
        FileHandle.standardError.write(Data(text.utf8))
    }

    /// Prints `aegrid: error: <message>` on one line and exits with `status`.
    static func fail(_ message: String, status: Int32) -> Never {
        let oneLine = message.split(whereSeparator: \.isNewline).joined(separator: " ")
        writeError("aegrid: error: \(oneLine)\n")
        exit(status)
    }
}

/// A user-facing description of any error: typed AEGrid errors describe themselves (`description`); Foundation's
/// file errors give their localized description rather than their debug form.
func describe(_ error: Error) -> String {
    if let localized = error as? LocalizedError, let text = localized.errorDescription { return text }
    if error is CocoaError || (error as NSError).domain == NSCocoaErrorDomain || (error as NSError).domain == NSPOSIXErrorDomain {
        return (error as NSError).localizedDescription
    }
    return String(describing: error)
}

/// ArgumentParser's message for a usage error, in lower case after our `aegrid: error:` prefix, with a pointer to
/// `--help`.
func usageMessage(for error: Error) -> String {
    var message = AEGridCommand.message(for: error).trimmingCharacters(in: .whitespacesAndNewlines)
    if message.hasPrefix("Error: ") { message.removeFirst("Error: ".count) }
    if let first = message.first { message.replaceSubrange(message.startIndex ... message.startIndex, with: first.lowercased()) }
    let names = AEGridCommand.configuration.subcommands.map { $0._commandName }
    let arguments = CommandLine.arguments.dropFirst()
    let help = arguments.first.flatMap { names.contains($0) ? "aegrid \($0) --help" : nil } ?? "aegrid --help"
    return message + " (see '\(help)')"
}

/// A failure the CLI itself detects while running (not a usage error): printed as one line, exit status 1.
struct CLIError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
