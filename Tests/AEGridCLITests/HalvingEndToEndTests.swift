import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `aegrid search --halving` as a user runs it: killed with SIGKILL at moments spread over every rung and resumed, it
/// ends with exactly the records of an uninterrupted run; `status` shows the rungs; shards are refused.
final class HalvingEndToEndTests: XCTestCase {
    let train = AEGridProcess.example("seed/X_train.npy")
    let test = AEGridProcess.example("seed/X_test.npy")
    /// 12 candidates, factor 3, 30 → 270 epochs: rungs of 12, 4 and 2 trials at 30, 90 and 270 epochs (18 records).
    let grid = #"{"latent_dim": [2, 3, 4, 5, 6, 7], "learning_rate": [0.01, 0.003], "batch_size": [16], "epochs": [270]}"#
    let records = 18

    func arguments(_ out: URL) -> [String] {
        ["search", "--train", train, "--test", test, "--grid", grid, "--out", out.path, "--jobs", "2",
         "--halving", "--min-epochs", "30", "--quiet"]
    }

    func testResumeAfterSIGKILLInEveryRungEndsWithTheUninterruptedResults() throws {
        let reference = try temporaryDirectory()
        let uninterrupted = try AEGridProcess.run(arguments(reference))
        XCTAssertEqual(uninterrupted.status, 0, uninterrupted.stderr)
        XCTAssertEqual(ResultsFiles.lineCount(reference), records)
        XCTAssertTrue(uninterrupted.stdout.contains("rung 0: 12 trials at 30 epochs, rung 1: 4 trials at 90 epochs, rung 2: 2 trials at 270 epochs"),
                      uninterrupted.stdout)

        // Kill once the log holds this many records: mid rung 0, at the first barrier, mid rung 1, at the second
        // barrier, in the last rung. Each run resumes the previous one's log.
        let resumed = try temporaryDirectory()
        var killedMidSearch: [Int] = []
        for threshold in [3, 12, 14, 16, 17] {
            let process = AEGridProcess(arguments(resumed))
            try process.start()
            while ResultsFiles.lineCount(resumed) < threshold && process.process.isRunning { usleep(500) }
            process.signal(SIGKILL)
            _ = process.wait()
            let survived = try ResultsFiles.records(resumed, tornTail: true).count
            if survived < records { killedMidSearch.append(survived) }
        }
        XCTAssertFalse(killedMidSearch.isEmpty, "no kill landed before the end")
        let final = try AEGridProcess.run(arguments(resumed))
        XCTAssertEqual(final.status, 0, final.stderr)
        try ResultsFiles.assertIdentical(reference, resumed, expectedCount: records)
        XCTAssertEqual(ResultsFiles.lineCount(resumed), records, "no record written twice (killed with \(killedMidSearch) records)")
        XCTAssertEqual(try String(contentsOf: reference.appendingPathComponent("best.json"), encoding: .utf8).count > 0, true)

        let status = try AEGridProcess.run(["status", resumed.path])
        XCTAssertEqual(status.status, 0, status.stderr)
        XCTAssertTrue(status.stdout.contains("successive halving (factor 3): rung 0: 12 trials at 30 epochs, rung 1: 4 trials at 90 epochs, rung 2: 2 trials at 270 epochs"), status.stdout)
        XCTAssertTrue(status.stdout.contains("complete: every rung has its results"), status.stdout)

        // The CSV has scikit-learn's iter and n_resources.
        let csv = try String(contentsOf: resumed.appendingPathComponent("results.csv"), encoding: .utf8)
        XCTAssertTrue(csv.split(separator: "\n")[0].hasSuffix(",iter,n_resources"), csv)
        XCTAssertEqual(csv.split(separator: "\n").filter { $0.hasSuffix(",2,270") }.count, 2)
    }

    func testAStoppedHalvingShowsItsRungsInStatus() throws {
        let out = try temporaryDirectory()
        let process = AEGridProcess(arguments(out))
        try process.start()
        while ResultsFiles.lineCount(out) < 13 && process.process.isRunning { usleep(500) }
        process.signal(SIGKILL)
        _ = process.wait()
        let count = try ResultsFiles.records(out, tornTail: true).count
        try XCTSkipIf(count >= records, "the search finished before the kill")
        let status = try AEGridProcess.run(["status", out.path])
        XCTAssertTrue(status.stdout.contains("rung 0: 12 trials at 30 epochs"), status.stdout)
        XCTAssertEqual(status.status, 3, "missing trials: \(status.stdout)")
    }

    func testShardsAreRefused() throws {
        let out = try temporaryDirectory()
        let result = try AEGridProcess.run(arguments(out) + ["--shard", "0/2"])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("--halving cannot run in shards: every rung waits for the whole previous rung"), result.stderr)
    }

    func testHelpDescribesHalvingAndRandomizedSearch() throws {
        let help = try AEGridProcess.run(["search", "--help"])
        for text in ["--halving", "--factor", "--min-epochs", "--max-epochs", "--aggressive-elimination", "--n-iter",
                     "HalvingGridSearchCV", "RandomizedSearchCV", "--halving --min-epochs 3 --max-epochs 27", "--n-iter 20"] {
            XCTAssertTrue(help.stdout.contains(text), "help lacks \(text): \(help.stdout)")
        }
    }
}
