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
