import Foundation
import XCTest

/// Trials trained side by side (issue 17): the plan trains compatible small trials in groups of up to eight, and a
/// trial's record is bitwise the same in whatever group it lands: alone in a grid of its own, in a full grid, with
/// `--jobs 1` and `--jobs 2`, and split into shards and merged.
final class GroupingEndToEndTests: XCTestCase {
    let train = AEGridProcess.example("seed/X_train.npy")
    let test = AEGridProcess.example("seed/X_test.npy")
    /// 36 trials, 18 families of one architecture: three groups of six on one machine, other groups in each shard.
    let grid = #"{"latent_dim": [3], "learning_rate": [0.02, 0.015, 0.01, 0.007, 0.005, 0.003, 0.002, 0.001, 0.0005], "l2": [0, 0.001], "epochs": [2, 4]}"#
    let gridCount = 36

    func search(_ grid: String, _ out: URL, _ extra: [String]) throws {
        let result = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid", grid,
                                            "--out", out.path, "--seed", "7", "--refit", "none", "--quiet"] + extra)
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func testAGroupedTrialHasItsBitsAloneOnAnyJobCountAndInShards() throws {
        let one = try temporaryDirectory("jobs1"), two = try temporaryDirectory("jobs2")
        try search(grid, one, ["--jobs", "1"])
        try search(grid, two, ["--jobs", "2"])
        try ResultsFiles.assertIdentical(one, two, expectedCount: gridCount)

        let sharded = try temporaryDirectory("sharded")
        for k in 0 ..< 3 { try search(grid, sharded, ["--jobs", "2", "--shard", "\(k)/3"]) }
        let merged = try AEGridProcess.run(["merge", sharded.path])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        try ResultsFiles.assertIdentical(one, sharded, expectedCount: gridCount)

        // Three trials, each alone in a grid of its own (a group of one): the same record but for its grid index.
        let everything = try ResultsFiles.records(one)
        for (rate, l2, epochs) in [("0.02", "0", "4"), ("0.005", "0.001", "2"), ("0.0005", "0.001", "4")] {
            let alone = try temporaryDirectory("alone")
            try search(#"{"latent_dim": [3], "learning_rate": [\#(rate)], "l2": [\#(l2)], "epochs": [\#(epochs)]}"#,
                       alone, ["--jobs", "1"])
            let records = try ResultsFiles.records(alone)
            XCTAssertEqual(records.count, 1)
            let (id, record) = try XCTUnwrap(records.first)
            let grouped = try XCTUnwrap(everything[id], "trial \(id) (lr \(rate), l2 \(l2), \(epochs) epochs) in the grid")
            func withoutIndex(_ r: [String: Any]) throws -> String {
                var copy = r
                copy.removeValue(forKey: "index")
                return try ResultsFiles.deterministicPart(copy)
            }
            XCTAssertEqual(try withoutIndex(record), try withoutIndex(grouped), "lr \(rate), l2 \(l2), \(epochs) epochs")
        }
    }
}
