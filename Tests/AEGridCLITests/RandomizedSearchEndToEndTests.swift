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
}
