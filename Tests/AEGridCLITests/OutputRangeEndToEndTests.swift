import Foundation
import XCTest

/// The output range check as a user meets it: the warning before training, under the leaderboard, in best.json and
/// in `aegrid results`; and the refusal of binary cross-entropy on data outside [0, 1].
final class OutputRangeEndToEndTests: XCTestCase {
    let breastCancer = AEGridProcess.example("breast_cancer/breast_cancer_X.csv")
    let warning = "output_activation sigmoid (all 2 trials) can only produce values in (0, 1), but 74 % of the "
        + "training values (scaled: standard) lie outside it (they range from -3.1 to 9.77): those trials cannot "
        + "reconstruct them and usually score far worse than PCA. To fix: add \"output_activation\": [\"linear\"] "
        + "to the grid, or use --scale minmax."

    func testSigmoidOnStandardizedDataWarnsBeforeTrainingAndUnderTheLeaderboard() throws {
        let out = try temporaryDirectory()
        let result = try AEGridProcess.run([
            "search", "--train", breastCancer, "--cv", "2", "--scale", "standard", "--refit", "none",
            "--grid", #"{"latent_dim": [2], "learning_rate": [0.01, 0.001], "epochs": [2]}"#, "--out", out.path,
        ])
        XCTAssertEqual(result.status, 0, result.stderr)
        let stderrLines = result.stderr.split(separator: "\n").map(String.init)
        XCTAssertEqual(stderrLines[1], "aegrid: warning: " + warning, "the warning follows the plan line")
        let stdoutLines = result.stdout.split(separator: "\n").map(String.init)
        XCTAssertEqual(stdoutLines[stdoutLines.count - 2], "warning: " + warning)
        XCTAssertTrue(stdoutLines[stdoutLines.count - 3].hasPrefix("hint: at latent size 2 the best trial is "),
                      result.stdout)
        XCTAssertTrue(stdoutLines[stdoutLines.count - 3].hasSuffix("(see the warning below), too few epochs, a learning rate too low or too high."))

        let best = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("best.json")))
        XCTAssertEqual((best as? [String: Any])?["warnings"] as? [String], [warning])
        let results = try AEGridProcess.run(["results", out.path])
        XCTAssertEqual(results.status, 0, results.stderr)
        XCTAssertTrue(results.stdout.contains("\nwarning: " + warning + "\n"), results.stdout)

        // A linear output reaches the data: no warning.
        let linear = try AEGridProcess.run([
            "search", "--train", breastCancer, "--cv", "2", "--scale", "standard", "--refit", "none", "--grid",
            #"{"latent_dim": [2], "output_activation": ["linear"], "epochs": [2]}"#, "--out", try temporaryDirectory("linear").path,
        ])
        XCTAssertEqual(linear.status, 0, linear.stderr)
        XCTAssertFalse(linear.stderr.contains("warning"), linear.stderr)
        XCTAssertFalse(linear.stdout.contains("warning"), linear.stdout)
    }

    /// Each shard checks the whole grid's output range, so every shard warns as the single run does and the merged
    /// directory keeps the single run's warnings.json, best.json warnings and leaderboard line.
    func testShardsWarnAsTheSingleRunAndTheMergeKeepsTheWarning() throws {
        let grid = #"{"latent_dim": [2, 3], "output_activation": ["linear", "sigmoid"], "epochs": [1]}"#
        func search(_ out: URL, _ extra: [String] = []) -> [String] {
            ["search", "--train", breastCancer, "--scale", "standard", "--refit", "none", "--jobs", "1", "--grid", grid,
             "--out", out.path] + extra
        }
        let partial = "output_activation sigmoid (2 of 4 trials) can only produce values in (0, 1), but 74 % of the "
        let single = try temporaryDirectory("single"), sharded = try temporaryDirectory("sharded")
        let reference = try AEGridProcess.run(search(single))
        XCTAssertEqual(reference.status, 0, reference.stderr)
        XCTAssertTrue(reference.stderr.contains("aegrid: warning: " + partial), reference.stderr)
        for k in 0 ..< 2 {
            let shard = try AEGridProcess.run(search(sharded, ["--shard", "\(k)/2"]))
            XCTAssertEqual(shard.status, 0, shard.stderr)
            XCTAssertTrue(shard.stderr.contains("aegrid: warning: " + partial), "shard \(k): \(shard.stderr)")
        }
        let merged = try AEGridProcess.run(["merge", sharded.path])
        XCTAssertEqual(merged.status, 0, merged.stderr)
        func warnings(_ directory: URL, _ file: String) throws -> [String]? {
            let object = try JSONSerialization.jsonObject(with: Data(contentsOf: directory.appendingPathComponent(file)))
            return file == "best.json" ? (object as? [String: Any])?["warnings"] as? [String] : object as? [String]
        }
        let expected = try XCTUnwrap(warnings(single, "warnings.json"))
        XCTAssertEqual(expected.count, 1)
        XCTAssertTrue(expected[0].hasPrefix(partial), expected[0])
        XCTAssertEqual(try warnings(sharded, "warnings.json"), expected)
        XCTAssertEqual(try warnings(sharded, "best.json"), expected)
        let leaderboard = try String(contentsOf: sharded.appendingPathComponent("leaderboard.txt"), encoding: .utf8)
        XCTAssertTrue(leaderboard.contains("warning: " + expected[0]), leaderboard)
    }

    func testBinaryCrossentropyOnStandardizedDataIsRefusedBeforeAnythingIsWritten() throws {
        let out = try temporaryDirectory().appendingPathComponent("never")
        let result = try AEGridProcess.run([
            "search", "--train", breastCancer, "--scale", "standard",
            "--grid", #"{"latent_dim": [2], "loss": ["binary_crossentropy"], "epochs": [2]}"#, "--out", out.path,
        ])
        XCTAssertEqual(result.status, 1)
        XCTAssertEqual(result.stderr, "aegrid: error: loss binary_crossentropy (1 trial, the first at grid index 0) "
            + "needs targets in [0, 1], but 74 % of the training values (scaled: standard) lie outside it (they "
            + "range from -3.08 to 11.8); binary cross-entropy is undefined there. Use --scale minmax, or "
            + "\"loss\": [\"mse\"]\n")
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "refused before the directory is made")
    }
}
