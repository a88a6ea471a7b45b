import XCTest
@testable import GridSearch

/// The "worse than the linear baseline" hint and the warnings under the leaderboard and in best.json.
final class BaselineHintTests: XCTestCase {
    func record(_ id: String, _ index: Int, score: Double, latent: Int) -> TrialRecord {
        TrialRecord(trialID: id, index: index, parameters: ["latent_dim": .int(latent)], status: .ok,
                    trainLoss: score, testScore: score, epochsRun: 5, fitSeconds: 0.25, seed: 1)
    }

    let baseline = PCABaseline(rows: [.init(components: 2, testMSE: 0.1, trainMSE: 0.1, explainedVariance: 0.5),
                                      .init(components: 8, testMSE: 0.01, trainMSE: 0.01, explainedVariance: 0.9)])

    func report(warnings: [String] = [], latent8: Double = 0.07) -> Report {
        Report(records: [record("a", 0, score: 0.15, latent: 2), record("b", 1, score: latent8, latent: 8),
                         record("c", 2, score: 0.5, latent: 8)],
               baseline: baseline, latentSizes: ["a": 2, "b": 8, "c": 8], warnings: warnings)
    }

    func testHintNamesTheLatentSizesMoreThanTwiceWorseThanPCA() {
        // Latent 2: 0.15 vs 0.1 is 1.5×, no hint; latent 8: its best, 0.07, is 7× PCA's 0.01.
        XCTAssertEqual(report().baselineHint,
                       "hint: at latent size 8 the best trial is 7.0× worse than PCA with as many components (a linear "
                           + "autoencoder's optimum); usual causes: an output activation that cannot reach the data's "
                           + "range, too few epochs, a learning rate too low or too high.")
        XCTAssertNil(report(latent8: 0.02).baselineHint)  // exactly 2×: not "more than 2×"
        XCTAssertNil(Report(records: [record("a", 0, score: 1, latent: 2)]).baselineHint)  // no baseline
    }

    /// At a latent size where PCA keeps all of the data's variance its error is rounding (3.5e-15 on the digits at
    /// 64 components), and the ratio hint said "21745501383310.8× worse than PCA"; that size gets its own hint.
    func testALatentSizeAsWideAsTheDataGetsTheNoCompressionHintInsteadOfARatio() {
        let baseline = PCABaseline(rows: [
            .init(components: 8, testMSE: 0.01, trainMSE: 0.01, explainedVariance: 0.9),
            .init(components: 62, testMSE: 1e-9, trainMSE: 1e-9, explainedVariance: 0.9999999),
            .init(components: 64, testMSE: 3.54e-15, trainMSE: 2e-15, explainedVariance: 1),
        ])
        let wide = Report(records: [record("a", 0, score: 0.077, latent: 64), record("b", 1, score: 0.05, latent: 62)],
                          baseline: baseline, latentSizes: ["a": 64, "b": 62])
        XCTAssertNil(wide.baselineHint)
        XCTAssertEqual(wide.wideLatentHint,
                       "hint: at latent sizes 62, 64 PCA with as many components keeps all of the training data's "
                           + "variance, so the bottleneck need not compress anything; for an encoding that reduces the "
                           + "data, try latent sizes whose PCA MSE is well above 0 (`aegrid pca` lists them).")
        // Beside a narrower size that is more than twice worse than PCA, both hints follow the leaderboard.
        let both = Report(records: [record("a", 0, score: 0.077, latent: 64), record("c", 2, score: 0.07, latent: 8)],
                          baseline: baseline, latentSizes: ["a": 64, "c": 8])
        let lines = both.leaderboard(top: 10).split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[lines.count - 2].hasPrefix("hint: at latent size 8 the best trial is 7.0× worse"),
                      lines[lines.count - 2])
        XCTAssertTrue(lines[lines.count - 1].hasPrefix("hint: at latent size 64 PCA with as many components keeps all"),
                      lines[lines.count - 1])
        // Sizes whose PCA leaves variance out get no such hint.
        XCTAssertNil(report().wideLatentHint)
    }

    func testHintPointsAtTheWarningAndBothFollowTheLeaderboard() throws {
        let report = self.report(warnings: ["output_activation sigmoid (all 3 trials) can only produce …"])
        let lines = report.leaderboard(top: 10).split(separator: "\n").map(String.init)
        XCTAssertTrue(lines[lines.count - 2].hasPrefix("hint: at latent size 8 "), lines[lines.count - 2])
        XCTAssertTrue(lines[lines.count - 2].contains("cannot reach the data's range (see the warning below)"))
        XCTAssertEqual(lines[lines.count - 1], "warning: output_activation sigmoid (all 3 trials) can only produce …")
        let best = try XCTUnwrap(try report.bestJSON())
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: best) as? [String: Any])
        XCTAssertEqual(json["warnings"] as? [String], ["output_activation sigmoid (all 3 trials) can only produce …"])
        // Without warnings best.json has no such key.
        let plain = try XCTUnwrap(try JSONSerialization.jsonObject(with: XCTUnwrap(try self.report().bestJSON())) as? [String: Any])
        XCTAssertNil(plain["warnings"])
    }
}
