import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import TestSupport

/// Runs the BUILT `aegrid` binary (the one next to this test bundle in the build's products directory), as a user
/// would: arguments, environment, stdout, stderr, exit status.
struct AEGridProcess {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        /// True when the process ended by a signal (then `status` is the signal number).
        var signalled: Bool
    }

    /// The products directory holding the test bundle and `aegrid`.
    static var productsDirectory: URL {
        for bundle in Bundle.allBundles where bundle.bundlePath.hasSuffix(".xctest") {
            return bundle.bundleURL.deletingLastPathComponent()
        }
        return Bundle.main.bundleURL
    }

    static var executable: URL { productsDirectory.appendingPathComponent("aegrid") }

    /// The repository's root, found from this source file.
    static var repository: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static func example(_ path: String) -> String { repository.appendingPathComponent("examples/\(path)").path }

    let process = Process()
    private let stdoutPipe = Pipe()
    private let stderrPipe = Pipe()
    private let stdoutData = LockedData()
    private let stderrData = LockedData()

    init(_ arguments: [String], environment: [String: String] = [:]) {
        process.executableURL = AEGridProcess.executable
        process.arguments = arguments
        var env = ProcessInfo.processInfo.environment
        for (key, value) in environment { env[key] = value }
        // Keep shard detection out of tests unless a test sets it.
        for key in ["SLURM_ARRAY_TASK_ID", "SLURM_ARRAY_TASK_COUNT", "SLURM_ARRAY_TASK_MIN", "SLURM_ARRAY_TASK_MAX",
                    "JOB_COMPLETION_INDEX", "AEGRID_SHARDS"] where environment[key] == nil {
            env.removeValue(forKey: key)
        }
        process.environment = env
        process.standardOutput = stdoutPipe
        process.standardError = stderrPipe
        let out = stdoutData, err = stderrData
        stdoutPipe.fileHandleForReading.readabilityHandler = { out.append($0.availableData) }
        stderrPipe.fileHandleForReading.readabilityHandler = { err.append($0.availableData) }
    }

    func start() throws {
        XCTAssertTrue(FileManager.default.isExecutableFile(atPath: AEGridProcess.executable.path),
                      "build aegrid first: \(AEGridProcess.executable.path) is missing")
        try process.run()
    }

    func wait() -> Result {
        process.waitUntilExit()
        stdoutPipe.fileHandleForReading.readabilityHandler = nil
        stderrPipe.fileHandleForReading.readabilityHandler = nil
        stdoutData.append(stdoutPipe.fileHandleForReading.readDataToEndOfFile())
        stderrData.append(stderrPipe.fileHandleForReading.readDataToEndOfFile())
        return Result(status: process.terminationStatus, stdout: stdoutData.string, stderr: stderrData.string,
                      signalled: process.terminationReason == .uncaughtSignal)
    }

    func signal(_ number: Int32) { kill(process.processIdentifier, number) }

    /// Everything written to stderr so far.
    var stderrSoFar: String { stderrData.string }

    /// Runs `aegrid arguments…` to completion.
    @discardableResult
    static func run(_ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = AEGridProcess(arguments, environment: environment)
        try process.start()
        return process.wait()
    }
}

/// Bytes appended from a pipe's reader thread.
final class LockedData: Sendable {
    private let data = Locked(Data())
    func append(_ more: Data) { data.withLock { $0.append(more) } }
    var string: String { String(decoding: data.value, as: UTF8.self) }
}

/// A fresh temporary directory per test.
func temporaryDirectory(_ name: String = #function) throws -> URL {
    let clean = name.filter { $0.isLetter || $0.isNumber }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("aegrid-e2e-\(clean)-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes text to a file in `directory` and returns its path.
@discardableResult
func writeFile(_ directory: URL, _ name: String, _ text: String) throws -> String {
    let url = directory.appendingPathComponent(name)
    try text.write(to: url, atomically: true, encoding: .utf8)
    return url.path
}
