import Foundation
import XCTest

/// `aegrid search --n-iter`: the sampled points depend on --seed only, not on --jobs or the shard split, and the
/// directory resumes and merges as a grid's does.
final class RandomizedSearchEndToEndTests: XCTestCase {
    let train = AEGridProcess.example("seed/X_train.npy")
    let grid = #"{"latent_dim": [2, 3, 4, 5, 6], "learning_rate": [0.03, 0.01, 0.003], "batch_size": [32, 64], "epochs": [10, 20]}"#

    func arguments(_ out: URL, _ more: [String]) -> [String] {
        ["search", "--train", train, "--grid", grid, "--out", out.path, "--n-iter", "9", "--seed", "4", "--refit", "none",
         "--quiet"] + more
    }

    func testTheSameSeedSamplesTheSamePointsOnAnyJobsAndShardSplit() throws {
        let one = try temporaryDirectory()
        XCTAssertEqual(try AEGridProcess.run(arguments(one, ["--jobs", "1"])).status, 0)
        let two = try temporaryDirectory()
        XCTAssertEqual(try AEGridProcess.run(arguments(two, ["--jobs", "2"])).status, 0)
        try ResultsFiles.assertIdentical(one, two, expectedCount: 9)

        let sharded = try temporaryDirectory()
        for index in 0 ..< 3 {
            let result = try AEGridProcess.run(arguments(sharded, ["--shard", "\(index)/3"]))
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let merge = try AEGridProcess.run(["merge", sharded.path])
        XCTAssertEqual(merge.status, 0, merge.stderr)
        try ResultsFiles.assertIdentical(one, sharded, expectedCount: 9)

        // Another seed samples other points; the manifest records the sampled points.
        let other = try temporaryDirectory()
        XCTAssertEqual(try AEGridProcess.run(["search", "--train", train, "--grid", grid, "--out", other.path, "--n-iter", "9",
                                              "--seed", "5", "--refit", "none", "--quiet"]).status, 0)
        XCTAssertNotEqual(Set(try ResultsFiles.records(one).keys), Set(try ResultsFiles.records(other).keys))
        let manifest = try String(contentsOf: one.appendingPathComponent("manifest.json"), encoding: .utf8)
        XCTAssertTrue(manifest.contains("\"n_iter\" : \"9\""), manifest)
        XCTAssertTrue(manifest.contains("\"grid_points\" : 9"), manifest)
    }

    func testMoreIterationsThanPointsAreClampedWithAWarning() throws {
        let out = try temporaryDirectory()
        let result = try AEGridProcess.run(["search", "--train", train, "--grid", #"{"latent_dim": [2, 3], "epochs": [3]}"#,
                                            "--out", out.path, "--n-iter", "5", "--refit", "none"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("aegrid: warning: the grid has 2 points, fewer than --n-iter 5: running all 2"), result.stderr)
        XCTAssertEqual(ResultsFiles.lineCount(out), 2)
    }

    func testDistributionsSampleTheSamePointsOnAnyJobsAndShardSplit() throws {
        let grid = #"[{"latent_dim": {"randint": [2, 7]}, "learning_rate": {"loguniform": [0.001, 0.05]}, "epochs": [8]}, {"latent_dim": [3], "l2": {"uniform": [0, 0.001]}, "epochs": [8]}]"#
        func run(_ out: URL, _ more: [String]) throws {
            let result = try AEGridProcess.run(["search", "--train", train, "--grid", grid, "--out", out.path, "--n-iter", "7",
                                                "--seed", "11", "--refit", "none", "--quiet"] + more)
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let one = try temporaryDirectory()
        try run(one, ["--jobs", "1"])
        let sharded = try temporaryDirectory()
        try run(sharded, ["--shard", "0/2", "--jobs", "2"])
        try run(sharded, ["--shard", "1/2", "--jobs", "2"])
        XCTAssertEqual(try AEGridProcess.run(["merge", sharded.path]).status, 0)
        // 7 draws with replacement: duplicates would be one trial, so at most 7.
        let count = try ResultsFiles.records(one).count
        XCTAssertTrue(count >= 5 && count <= 7, "\(count)")
        try ResultsFiles.assertIdentical(one, sharded, expectedCount: count)

        let refused = try AEGridProcess.run(["search", "--train", train, "--out", one.path + "-bad", "--n-iter", "3", "--grid",
                                             #"{"latent_dim": [2], "learning_rate": {"loguniform": [0, 1]}, "epochs": [5]}"#])
        XCTAssertEqual(refused.stderr, "aegrid: error: inline grid line 1: 'learning_rate' value loguniform: [0, 1] is out of range: loguniform's low must be > 0 (its logarithm is taken)\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: one.path + "-bad/results.jsonl"), "nothing trained")
    }
}
