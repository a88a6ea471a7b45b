import Foundation
import XCTest
@testable import GridSearch
import TestSupport

/// A finished search writes its report (results.csv, leaderboard.txt, best.json) from the records it holds, not by
/// reading its log back. Those files must be byte for byte what `ResultsDirectory.report` (`aegrid results`) builds
/// from the directory: on a fresh run, on a run that resumes a partial log, with parameters whose JSON reads back
/// as another case (an integral `.double`), with invalid points recorded as failed, and for a halving search.
final class SearchOwnReportTests: ScratchDirectoryTestCase {
    func settings(_ grid: String, name: String) -> SearchSettings {
        SearchSettings(trainPath: exampleDataPath("seed", "X_train.npy"),
                       evaluation: .testFile(exampleDataPath("seed", "X_test.npy")), grid: grid,
                       outputDirectory: scratch.appendingPathComponent(name).path, jobs: 2, seed: 5, refit: .none,
                       top: 4)
    }

    /// The report files in the directory against the directory's report built from its files.
    func assertReportIsTheDirectorysOwn(_ settings: SearchSettings, outcome: SearchOutcome,
                                        file: StaticString = #filePath, line: UInt = #line) throws {
        let directory = settings.outputDirectory
        let fromFiles = try ResultsDirectory.report(directory: directory)
        XCTAssertEqual(outcome.leaderboard, fromFiles.leaderboard(top: settings.top), file: file, line: line)
        let expected = try fromFiles.files(directory: directory, top: settings.top)
        XCTAssertGreaterThanOrEqual(expected.count, 2, file: file, line: line)
        for report in expected {
            let written = try Data(contentsOf: URL(fileURLWithPath: report.path))
            XCTAssertEqual(String(decoding: written, as: UTF8.self), String(decoding: report.contents, as: UTF8.self),
                           (report.path as NSString).lastPathComponent, file: file, line: line)
        }
    }

    func testFreshRunWithIntegralDoublesFailuresAndWarnings() throws {
        // learning_rate 1.0 is written as a Double and reads back as an Int; the 600-unit layer does not fit in a
        // job's share of a 1 MB budget (recorded as failed); the sigmoid output warns on the seed's data.
        var settings = settings(#"{"encoder_units": [[4], [600]], "latent_dim": [2], "learning_rate": [1.0, 0.01], "epochs": [2, 3]}"#,
                                name: "fresh")
        settings.memoryBudget = MemoryBudget(bytes: 1 << 20, origin: "a test's budget")
        let outcome = try Search(settings: settings).run()
        XCTAssertEqual(outcome.failures.count, 4, "the 600-unit points are recorded as failed")
        try assertReportIsTheDirectorysOwn(settings, outcome: outcome)
    }

    func testResumedRunReportsTheEarlierRecordsToo() throws {
        let settings = settings(#"{"latent_dim": [2, 3, 4], "learning_rate": [0.01, 0.002], "epochs": [2]}"#,
                                name: "resumed")
        _ = try Search(settings: settings).run()
        // Keep the first two records: the rerun trains the other four after them.
        let log = settings.outputDirectory + "/results.jsonl"
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 6)
        try (lines.prefix(2).joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let outcome = try Search(settings: settings).run()
        XCTAssertEqual(outcome.progress.resumed, 2)
        try assertReportIsTheDirectorysOwn(settings, outcome: outcome)
        // And a rerun with nothing left to train reports the same.
        try assertReportIsTheDirectorysOwn(settings, outcome: try Search(settings: settings).run())
    }

    /// Past its limit a search lets its records go and reads the log for its report: the report is still the
    /// directory's own, with every record, on a fresh run and on a resumed one whose earlier records alone are too many.
    func testRunWithMoreRecordsThanItHoldsReadsTheLog() throws {
        let settings = settings(#"{"latent_dim": [2, 3, 4], "learning_rate": [0.01, 0.002], "epochs": [2]}"#,
                                name: "over-limit")
        try assertReportIsTheDirectorysOwn(settings, outcome: try Search(settings: settings).run(
            onProgress: { _ in }, page: nil, recordsHeld: 4))
        let log = settings.outputDirectory + "/results.jsonl"
        let lines = try String(contentsOfFile: log, encoding: .utf8).split(separator: "\n")
        try (lines.prefix(3).joined(separator: "\n") + "\n").write(toFile: log, atomically: true, encoding: .utf8)
        let resumed = try Search(settings: settings).run(onProgress: { _ in }, page: nil, recordsHeld: 2)
        XCTAssertEqual(resumed.progress.resumed, 3)
        try assertReportIsTheDirectorysOwn(settings, outcome: resumed)
    }

    func testLogRecordsRefuseNewTrialsPastTheirLimit() throws {
        func record(_ id: String, _ status: TrialRecord.Status) -> TrialRecord {
            TrialRecord(trialID: id, index: 0, parameters: [:], status: status, epochsRun: 1, fitSeconds: 0, seed: 0)
        }
        var held = LogRecords(limit: 2)
        XCTAssertEqual(held.add(record("a", .ok)), true)
        XCTAssertEqual(held.add(record("b", .failed)), true)
        XCTAssertNil(held.add(record("c", .ok)), "a third trial id is past the limit")
        XCTAssertEqual(held.add(record("a", .ok)), false, "a repeated id is ignored, full or not")
        XCTAssertEqual(held.add(record("b", .ok)), true, "a failed record's retry replaces it, full or not")
        XCTAssertEqual(held.records.map(\.trialID), ["a", "b"])
        XCTAssertEqual(held.records.map(\.status), [.ok, .ok])
        XCTAssertNil(LogRecords([record("a", .ok), record("b", .ok), record("c", .ok)], limit: 2))
        XCTAssertEqual(LogRecords([record("a", .ok), record("a", .ok), record("b", .ok)], limit: 2)?.records.count, 2)
    }

    func testHalvingRunReportsItsRungs() throws {
        var settings = settings(#"{"latent_dim": [2, 3, 4, 5], "learning_rate": [0.01], "epochs": [4]}"#,
                                name: "halving")
        settings.halving = HalvingSettings(factor: 2, minEpochs: 1, maxEpochs: 4)
        let outcome = try Search(settings: settings).run()
        XCTAssertNotNil(try ResultsDirectory.report(directory: settings.outputDirectory).halving)
        try assertReportIsTheDirectorysOwn(settings, outcome: outcome)
    }
}
