import Foundation
import Synchronization
import XCTest
@testable import SearchReport
@testable import GridSearch
import TestSupport

/// A search draws its page from what it holds (`FinishedRun`) instead of reading back the files it has just written.
/// The page must be the one `HTMLReport.load(directory:)` (`aegrid report`) draws from those files, for every kind
/// of run: plain, with failed trials and parameters whose JSON reads back as another case, resumed, randomized, and
/// halving (which hands no status, so the page reads the directory).
final class FinishedRunPageTests: ScratchDirectoryTestCase {
    func settings(_ grid: String, name: String) -> SearchSettings {
        SearchSettings(trainPath: exampleDataPath("seed", "X_train.npy"),
                       evaluation: .testFile(exampleDataPath("seed", "X_test.npy")), grid: grid,
                       outputDirectory: scratch.appendingPathComponent(name).path, jobs: 2, seed: 6, refit: .none)
    }

    /// Runs the search, drawing its page from the `FinishedRun` it hands over, and compares that page with the one
    /// drawn from the directory afterwards (same sessions, same timestamp). Returns the run it was handed.
    @discardableResult
    func assertPageFromMemoryIsThePageFromFiles(_ settings: SearchSettings, file: StaticString = #filePath,
                                                line: UInt = #line) throws -> FinishedRun {
        let directory = settings.outputDirectory
        let handed = Mutex<FinishedRun?>(nil)
        _ = try Search(settings: settings).run(page: { run in
            handed.withLock { $0 = run }
            return try HTMLReport.load(directory: directory, finished: run).write(to: directory + "/report.html")
        })
        let run = try XCTUnwrap(handed.withLock { $0 }, file: file, line: line)
        var fromMemory = try HTMLReport.load(directory: directory, finished: run)
        var fromFiles = try HTMLReport.load(directory: directory, sessions: run.sessions)
        fromMemory.generated = "2026-12-03T00:00:00Z"
        fromFiles.generated = fromMemory.generated
        XCTAssertEqual(fromMemory.html(), fromFiles.html(), file: file, line: line)
        XCTAssertEqual(fromMemory.missing, fromFiles.missing, file: file, line: line)
        return run
    }

    func testPlainRunWithFailedTrialsAndIntegralDoubles() throws {
        var settings = settings(#"{"encoder_units": [[4], [600]], "latent_dim": [2, 3], "learning_rate": [1.0, 0.01], "epochs": [2, 3]}"#,
                                name: "plain")
        settings.memoryBudget = MemoryBudget(bytes: 1 << 20, origin: "a test's budget")
        let run = try assertPageFromMemoryIsThePageFromFiles(settings)
        let status = try XCTUnwrap(run.status, "a plain single run hands its status")
        XCTAssertEqual(status.parts.first?.failed, 8)
        XCTAssertFalse(run.latentSizes.isEmpty)
        XCTAssertEqual(run.histories.count, 8, "every finished trial's curve is kept (fewer than BestCurves holds)")
    }

    /// A trial retried after failing has two lines in the log, the failed one first: its curve is the second's.
    func testTheCurveOfARetriedTrialIsItsFinishedLines() throws {
        let directory = scratch.path
        let epochs = [TrialRecord.Epoch(epoch: 1, loss: 0.5, validationLoss: nil, seconds: 0.01),
                      TrialRecord.Epoch(epoch: 2, loss: 0.25, validationLoss: nil, seconds: 0.01)]
        let failed = TrialRecord(trialID: "t1", index: 0, parameters: [:], status: .failed, reason: "memory",
                                 epochsRun: 0, fitSeconds: 0, seed: 1)
        var finished = failed
        finished.status = .ok
        finished.reason = nil
        finished.testScore = 0.1
        finished.epochsRun = 2
        finished.history = epochs
        let lines = try [failed, finished].map { String(decoding: try $0.jsonLine(), as: UTF8.self) + "\n" }
        try lines.joined().write(toFile: directory + "/results.jsonl", atomically: true, encoding: .utf8)
        XCTAssertEqual(try HTMLReport.histories(of: ["t1"], directory: directory)["t1"], epochs)
    }

    func testResumedAndRandomizedRuns() throws {
        var settings = settings(#"{"latent_dim": [2, 3, 4, 5], "learning_rate": [0.01, 0.002], "epochs": [2]}"#,
                                name: "randomized")
        settings.sampleCount = 5
        XCTAssertNotNil(try assertPageFromMemoryIsThePageFromFiles(settings).status)
        let log = settings.outputDirectory + "/results.jsonl"
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(2).joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        XCTAssertNotNil(try assertPageFromMemoryIsThePageFromFiles(settings).status)
    }

    func testHalvingRunLeavesThePageToReadTheDirectory() throws {
        var settings = settings(#"{"latent_dim": [2, 3, 4, 5], "learning_rate": [0.01], "epochs": [4]}"#,
                                name: "halving")
        settings.halving = HalvingSettings(factor: 2, minEpochs: 1, maxEpochs: 4)
        XCTAssertNil(try assertPageFromMemoryIsThePageFromFiles(settings).status)
    }
}
