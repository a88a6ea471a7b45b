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
let command: ParsableCommand
do {
    command = try searchFastPath() ?? AEGridCommand.parseAsRoot()
} catch {
    if AEGridCommand.exitCode(for: error) == .success { AEGridCommand.exit(withError: error) }
    Terminal.fail(usageMessage(for: error), status: 64)
}
do {
    // A variable set to something it cannot take is an error, not a silent fallback to the default.
    try GEMM.validateEnvironment()
    try ResultsLog.validateEnvironment()
    var runnable = command
    try runnable.run()
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

/// `aegrid search …` parsed as `SearchCommand` alone, or nil to take the full parse. The full parse builds the
/// argument sets of every subcommand (ArgumentParser walks the whole tree for completion scripts and passthrough
/// arguments), and each of their property types costs a protocol-conformance scan of the whole static binary on first
/// use: about a third of a search's start-up in perf. Only a parse that succeeds is taken, so help, completion
/// requests and every usage error still come from the full parse, with its exact text.
func searchFastPath() -> ParsableCommand? {
    let arguments = CommandLine.arguments.dropFirst()
    guard arguments.first == SearchCommand.configuration.commandName else { return nil }
    return try? SearchCommand.parse(Array(arguments.dropFirst()))
}
