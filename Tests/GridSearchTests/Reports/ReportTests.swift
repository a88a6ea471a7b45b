import XCTest
import Foundation
@testable import GridSearch
@testable import DurableFiles
import TestSupport

/// Ranking, the cv_results_-style CSV and the leaderboard, on hand-made records.
final class ReportTests: XCTestCase {
    func record(_ id: String, _ index: Int, score: Double?, status: TrialRecord.Status = .ok, latent: Int = 2,
                folds: [Double]? = nil) -> TrialRecord {
        TrialRecord(trialID: id, index: index, parameters: ["latent_dim": .int(latent), "epochs": .int(5)],
                    status: status, reason: status == .ok ? nil : "epoch 1, batch 1: the training loss became nan",
                    trainLoss: score, testScore: score, testScoreStd: folds == nil ? nil : 0.5, foldScores: folds,
                    epochsRun: 5, fitSeconds: 0.25, seed: 1)
    }

    func testRanksFollowScikitLearnMinMethodAndPutDivergedLast() {
        let report = Report(records: [
            record("d", 0, score: nil, status: .diverged), record("b", 1, score: 0.2), record("a", 2, score: 0.1),
            record("c", 3, score: 0.2), record("f", 4, score: nil, status: .failed),
        ])
        XCTAssertEqual(report.ranked.map(\.trialID), ["a", "b", "c", "d", "f"])
        XCTAssertEqual(report.ranks, [1, 2, 2, 4, 4])
        XCTAssertEqual(report.best?.trialID, "a")
    }

    func testCSVHasCvResultsColumnsWithNegatedScores() {
        let report = Report(records: [record("a", 0, score: 0.25, folds: [0.5, 0.0]), record("b", 1, score: nil, status: .diverged, latent: 3)],
                            baseline: PCABaseline(rows: [.init(components: 2, testMSE: 0.3, trainMSE: 0.2, explainedVariance: 0.5)]),
                            latentSizes: ["a": 2, "b": 3])
        let lines = report.csv().split(separator: "\n").map(String.init)
        XCTAssertEqual(lines[0], "mean_fit_time,std_fit_time,param_epochs,param_latent_dim,params,split0_test_score,split1_test_score,mean_test_score,std_test_score,rank_test_score,mean_test_mse,trial_id,status,reason,mean_train_loss,epochs_run,best_epoch,pca_test_mse")
        XCTAssertEqual(lines[1], #"0.25,0.0,5,2,"{""epochs"": 5, ""latent_dim"": 2}",-0.5,-0.0,-0.25,0.5,1,0.25,a,ok,,0.25,5,,0.3"#)
        XCTAssertEqual(lines[2], #"0.25,0.0,5,3,"{""epochs"": 5, ""latent_dim"": 3}",,,,,2,,b,diverged,"epoch 1, batch 1: the training loss became nan",,5,,"#)
    }

    /// RFC 4180: a field with a comma, a quote or a line break (CR, LF or both, which Swift counts as one Character)
    /// is quoted and its quotes doubled, every one of them, also a quote that starts a cluster with a combining mark.
    func testCSVFieldsAreQuotedScalarByScalar() {
        XCTAssertEqual(Report.csvField("relu"), "relu")
        XCTAssertEqual(Report.csvField(""), "")
        XCTAssertEqual(Report.csvField("a,b"), "\"a,b\"")
        XCTAssertEqual(Report.csvField(#"{"k": 1, "l": "x"}"#), #""{""k"": 1, ""l"": ""x""}""#)
        XCTAssertEqual(Report.csvField("line\r\nbreak"), "\"line\r\nbreak\"")
        XCTAssertEqual(Report.csvField("cr\ronly"), "\"cr\ronly\"")
        XCTAssertEqual(Report.csvField("\"\u{301}é"), "\"\"\"\u{301}é\"")
    }

    func testLeaderboardShowsVaryingParametersAndCounts() {
        let report = Report(records: [record("a", 0, score: 0.25, latent: 2), record("b", 1, score: 0.125, latent: 4),
                                      record("c", 2, score: nil, status: .diverged)])
        XCTAssertEqual(report.leaderboard(top: 5), """
            3 trials: 2 finished, 1 diverged; by test MSE (lower is better):
            rank  test MSE  epochs run  fit s  latent_dim
            1     0.125     5           0.250  4
            2     0.25      5           0.250  2

            """)
    }

    /// The report files are rebuilt from the durable log (`aegrid results DIR`): written atomically (whole, no
    /// temporary left behind) but not fsynced, and so is the PCA baseline, which every search computes again.
    func testReportFilesAndTheBaselineAreWrittenWithoutFsync() throws {
        let directory = makeTemporaryDirectory(name)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let report = Report(records: [record("a", 0, score: 0.25), record("b", 1, score: 0.125)])
        let before = DurableFile.syncCount
        let written = try report.write(directory: directory, top: 5)
        try ResultsDirectory.writeBaseline(PCABaseline(rows: [.init(components: 2, testMSE: 0.3, trainMSE: 0.2,
                                                                    explainedVariance: 0.5)]), directory: directory)
        XCTAssertEqual(DurableFile.syncCount - before, 0)
        XCTAssertEqual(written.map { ($0 as NSString).lastPathComponent }, ["results.csv", "leaderboard.txt", "best.json"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(),
                       ["best.json", "leaderboard.txt", "pca_baseline.json", "results.csv"])
        XCTAssertEqual(try String(contentsOfFile: directory + "/leaderboard.txt", encoding: .utf8), report.leaderboard(top: 5))
        XCTAssertEqual(ResultsDirectory.baseline(directory: directory)?.rows.map(\.components), [2])
    }
}
