import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Killing, interrupting and racing `aegrid search`: no finished trial is lost or duplicated, a resumed run ends
/// with exactly the results of an uninterrupted one, and a directory has one writer at a time.
final class InterruptionEndToEndTests: XCTestCase {
    let train = AEGridProcess.example("seed/X_train.npy")
    /// Families of two epoch counts, so records land while longer trials still run.
    let grid = #"{"latent_dim": [2, 3, 4, 5, 6, 7], "learning_rate": [0.01, 0.003], "epochs": [100, 200], "batch_size": [16]}"#
    let gridCount = 24
    /// Trials that take long enough to be interrupted: the epoch-1 members are recorded at once, the others run on.
    // Long enough that no run can finish before the test signals it (a fast build trains 100000 epochs of this
    // data in under a second); every run using it is ended by a signal.
    let slowGrid = #"{"latent_dim": [2, 3, 4, 5], "epochs": [1, 100000000], "batch_size": [8]}"#

    func arguments(_ out: URL, grid: String? = nil) -> [String] {
        ["search", "--train", train, "--grid", grid ?? self.grid, "--out", out.path, "--jobs", "2", "--refit", "none"]
    }

    func testResumeAfterRepeatedSIGKILLEndsWithTheUninterruptedResults() throws {
        let reference = try temporaryDirectory()
        let started = Date()
        let uninterrupted = try AEGridProcess.run(arguments(reference) + ["--quiet"])
        let wall = Date().timeIntervalSince(started)
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.stderr)
        XCTAssertEqual(ResultsFiles.lineCount(reference), gridCount)

        let resumed = try temporaryDirectory()
        var delays: [Double] = []
        var partialLogs = 0
        // The first kill lands just after the run's first record (the log polled every 0.5 ms): the window between
        // the first and the last record is a third of a run or less, between a fixed ~25 ms of start-up and set-up
        // and the reports, so kills at random moments alone can all miss it, or one can complete the directory
        // and leave nothing to interrupt. Then at least three more kills at random moments early in each run
        // (later runs have less left to do), up to ten in all until one has landed mid-search.
        for attempt in 0 ..< 10 where attempt < 4 || partialLogs == 0 {
            let process = AEGridProcess(arguments(resumed) + ["--quiet"])
            let start = Date()
            try process.start()
            if attempt == 0 {
                let deadline = start.addingTimeInterval(60)
                while ResultsFiles.lineCount(resumed) < 1 && process.process.isRunning && Date() < deadline {
                    usleep(500)
                }
            } else {
                usleep(useconds_t(Double.random(in: 0.1 ... 0.5) * wall / Double(1 + attempt / 4) * 1e6))
            }
            delays.append(Date().timeIntervalSince(start))
            process.signal(SIGKILL)
            _ = process.wait()
            // Whatever survived is whole records, each trial once (records() fails on a duplicate), plus at most a
            // torn last line that the next run cuts off.
            let survived = try ResultsFiles.records(resumed, tornTail: true).count
            if survived > 0 && survived < gridCount { partialLogs += 1 }
        }
        XCTAssertGreaterThan(partialLogs, 0, "no kill landed mid-search (kills at \(delays) s of a \(wall) s run)")
        let final = try AEGridProcess.run(arguments(resumed) + ["--quiet"])
        XCTAssertEqual(final.status, 0, "after kills at \(delays) s: \(final.stderr)")
        try ResultsFiles.assertIdentical(reference, resumed, expectedCount: gridCount)
        XCTAssertEqual(ResultsFiles.lineCount(resumed), gridCount, "no trial recorded twice (kills at \(delays) s)")
    }

    func testSIGINTStopsWithASummaryAndTheRunResumes() throws {
        let out = try temporaryDirectory()
        let process = AEGridProcess(arguments(out, grid: slowGrid))
        try process.start()
        try waitForRecords(out, atLeast: 1, process: process)
        process.signal(SIGINT)
        let result = process.wait()
        XCTAssertEqual(result.status, 130, result.stderr)
        XCTAssertFalse(result.signalled)
        XCTAssertTrue(result.stderr.contains("aegrid: interrupted by SIGINT: "), result.stderr)
        XCTAssertTrue(result.stderr.contains("Rerun the same command to resume."), result.stderr)
        XCTAssertFalse(result.stderr.contains("Fatal error"), result.stderr)
        let recorded = try ResultsFiles.records(out)
        XCTAssertTrue(recorded.count >= 1 && recorded.count < 8, "\(recorded.count) records")
        for record in recorded.values {
            XCTAssertEqual((record["parameters"] as? [String: Any])?["epochs"] as? Int, 1,
                           "interrupted trials are not recorded")
        }

        // The same command resumes: it skips what is recorded.
        let again = AEGridProcess(arguments(out, grid: slowGrid))
        try again.start()
        try waitForStderr(again, containing: "already done (resuming)")
        again.signal(SIGTERM)
        let second = again.wait()
        XCTAssertEqual(second.status, 143, second.stderr)
        XCTAssertTrue(second.stderr.contains("aegrid: interrupted by SIGTERM: "), second.stderr)
    }

    func testASecondRunOnTheSameDirectoryIsRefused() throws {
        let out = try temporaryDirectory()
        let first = AEGridProcess(arguments(out, grid: slowGrid))
        try first.start()
        try waitForRecords(out, atLeast: 1, process: first)
        let second = try AEGridProcess.run(arguments(out, grid: slowGrid))
        first.signal(SIGINT)
        _ = first.wait()
        XCTAssertEqual(second.status, 1)
        XCTAssertTrue(second.stderr.hasPrefix("aegrid: error: "), second.stderr)
        XCTAssertTrue(second.stderr.contains("another aegrid"), second.stderr)
        XCTAssertEqual(second.stderr.split(separator: "\n").count, 1, "one line: \(second.stderr)")
    }

    // MARK: - Helpers

    func waitForRecords(_ out: URL, atLeast count: Int, process: AEGridProcess, timeout: Double = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while ResultsFiles.lineCount(out) < count {
            if !process.process.isRunning { XCTFail("aegrid ended early: \(process.stderrSoFar)"); return }
            if Date() > deadline { XCTFail("no record after \(timeout) s"); return }
            usleep(10_000)
        }
    }

    func waitForStderr(_ process: AEGridProcess, containing text: String, timeout: Double = 60) throws {
        let deadline = Date().addingTimeInterval(timeout)
        while !process.stderrSoFar.contains(text) {
            if !process.process.isRunning { XCTFail("aegrid ended early: \(process.stderrSoFar)"); return }
            if Date() > deadline { XCTFail("'\(text)' not printed after \(timeout) s: \(process.stderrSoFar)"); return }
            usleep(10_000)
        }
    }
}
