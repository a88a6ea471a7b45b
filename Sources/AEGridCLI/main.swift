import ArgumentParser
import Foundation
import GridSearch
import LinearAlgebra

// First of all: OpenBLAS's worker threads, started before `main`, would busy-wait on the cores for the first 0.1 s
// of every process; the phases that use them start them again.
BLASThreads.stopIdleThreads()

// The entry point: parse, run, and turn every failure into one line on stderr and a non-zero status. Usage mistakes
// (a missing or malformed flag) exit with 64 (EX_USAGE), failures while running with 1, interrupted searches with
// 130 (SIGINT) or 143 (SIGTERM). `--help` and `--version` print and exit 0.
let run: () throws -> Void
do {
    if let request = quickSearchRequest() {
        run = request.run
    } else {
        let command = try AEGridCommand.parseAsRoot()
        run = { var runnable = command; try runnable.run() }
    }
} catch {
    if AEGridCommand.exitCode(for: error) == .success { AEGridCommand.exit(withError: error) }
    Terminal.fail(usageMessage(for: error), status: 64)
}
do {
    // A variable set to something it cannot take is an error, not a silent fallback to the default.
    try GEMM.validateEnvironment()
    try ResultsLog.validateEnvironment()
    try run()
} catch let exit as ExitCode {
    Foundation.exit(exit.rawValue)
} catch let exit as CleanExit {
    AEGridCommand.exit(withError: exit)
} catch {
    // ArgumentParser classifies what it knows: a help request that reaches `run` (a subcommand's `--help`) is a
    // success, a ValidationError or parser error a usage mistake; everything else is a failure of ours.
    switch AEGridCommand.exitCode(for: error) {
    case .success: AEGridCommand.exit(withError: error)
    case .validationFailure: Terminal.fail(usageMessage(for: error), status: 64)
    default: Terminal.fail(describe(error), status: 1)
    }
}

/// `aegrid search …` read by `SearchRequest(quickParsing:)`, or nil to take ArgumentParser's full parse. The full
/// parse reflects over every option of the command (and of the completion-script generator): each option type costs a
/// protocol-conformance scan of the whole static binary on first use, 2–3 ms of every process. Only a command line
/// that is plainly valid is read here; help, completion requests and every usage error come from the full parse, with
/// its exact text.
func quickSearchRequest() -> SearchRequest? {
    let arguments = CommandLine.arguments.dropFirst()
    guard arguments.first == SearchCommand.configuration.commandName else { return nil }
    return SearchRequest(quickParsing: Array(arguments.dropFirst()))
}
