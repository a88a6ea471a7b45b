import XCTest
@testable import GridSearch

/// A minimal RFC 4180 reader (what pandas.read_csv does with default settings) to check the CSV's quoting.
func parseCSV(_ text: String) -> [[String]] {
    var rows: [[String]] = [], row: [String] = [], field = ""
    var quoted = false, atFieldStart = true
    var iterator = Array(text).makeIterator()
    var pending: Character? = nil
    while let c = pending ?? iterator.next() {
        pending = nil
        if quoted {
            if c == "\"" {
                if let next = iterator.next() {
                    if next == "\"" { field.append("\"") } else { quoted = false; pending = next }
                } else { quoted = false }
            } else { field.append(c) }
        } else if c == "\"" && atFieldStart {
            quoted = true; atFieldStart = false
        } else if c == "," {
            row.append(field); field = ""; atFieldStart = true
        } else if c == "\n" {
            row.append(field); rows.append(row); row = []; field = ""; atFieldStart = true
        } else {
            field.append(c); atFieldStart = false
        }
    }
    if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
    return rows
}

final class ReportTests: XCTestCase {
    private func record(_ index: Int, score: Double?, status: TrialRecord.Status = .ok, folds: [Double]? = nil,
                        parameters: [String: ParameterValue]? = nil) -> TrialRecord {
        TrialRecord(trialID: String(format: "%016x", index + 0xA0), index: index,
                    parameters: parameters ?? ["latent_dim": .int(2 + index % 3), "learning_rate": .double(0.01), "epochs": .int(50)],
                    status: status, reason: status == .ok ? nil : "loss is NaN at epoch 2, batch 5",
                    trainLoss: score.map { $0 * 0.9 }, testScore: score,
                    testScoreStd: folds.flatMap { Report.populationStd($0) }, foldScores: folds, epochsRun: 50,
                    bestEpoch: 48, fitSeconds: 1.5, foldFitSeconds: folds.map { $0.map { _ in 1.5 } }, seed: 7)
    }

    func testRankingLowestMSEFirstTiesByIndexUnscoredLast() {
        let records = [record(0, score: 0.5), record(1, score: 0.2), record(2, score: nil, status: .diverged),
                       record(3, score: 0.2), record(4, score: 0.1), record(5, score: nil, status: .failed)]
        let report = Report(records: records.shuffled())
        XCTAssertEqual(report.ranked.map(\.index), [4, 1, 3, 0])
        XCTAssertEqual(report.best?.index, 4)
        XCTAssertEqual(Report.ranks(report.records), [4, 2, 5, 2, 1, 5], "method='min' ties, unscored after the last")
        XCTAssertEqual(report.statusLine(totalTrials: 8), "6 of 8 trials done: 4 ok, 1 diverged, 1 failed")
        XCTAssertEqual(report.statusLine(), "6 trials: 4 ok, 1 diverged, 1 failed")
    }

    func testLeaderboardText() {
        let records = [record(0, score: 0.05), record(1, score: 0.0331), record(2, score: nil, status: .diverged)]
        let text = Report(records: records, pcaBaseline: [2: 0.07, 3: 0.0412]).leaderboard(top: 5, totalTrials: 3)
        XCTAssertEqual(text, """
            3 trials: 2 ok, 1 diverged
            top 2 by test MSE (lower is better):
            rank  test MSE  fit s  epochs        trial             parameters                                 PCA MSE (same latent)
               1  0.0331     1.50  50 (best 48)  00000000000000a1  epochs=50 latent_dim=3 learning_rate=0.01  0.0412
               2  0.05       1.50  50 (best 48)  00000000000000a0  epochs=50 latent_dim=2 learning_rate=0.01  0.07

            """)
        XCTAssertEqual(Report(records: [record(0, score: nil, status: .failed)]).leaderboard(),
                       "1 trials: 0 ok, 1 failed\nno trial has a test score yet\n")
        let cv = Report(records: [record(0, score: 0.25, folds: [0.2, 0.3])]).leaderboard()
        XCTAssertTrue(cv.contains("0.25 ± 0.05"), cv)
    }

    func testCSVFollowsCVResultsAndParsesBack() {
        let records = [
            record(0, score: 0.25, folds: [0.2, 0.3]),
            record(1, score: nil, status: .diverged),
            record(2, score: 0.125, folds: [0.125, 0.125],
                   parameters: ["encoder_units": .intList([64, 32]), "activation": .string("say \"hi\", ok"), "epochs": .int(5)]),
        ]
        let text = Report(records: records, pcaBaseline: [2: 0.3]).csv()
        let rows = parseCSV(text)
        XCTAssertEqual(rows.count, 4)
        XCTAssertEqual(rows[0], ["mean_fit_time", "std_fit_time", "param_activation", "param_encoder_units", "param_epochs",
                                 "param_latent_dim", "param_learning_rate", "params", "split0_test_score",
                                 "split1_test_score", "mean_test_score", "std_test_score", "rank_test_score", "mean_test_mse",
                                 "status", "reason", "train_loss", "epochs_run", "best_epoch", "trial_id", "index", "seed",
                                 "pca_mse_same_latent"])
        for row in rows { XCTAssertEqual(row.count, rows[0].count) }
        XCTAssertEqual(rows[1], ["1.5", "0.0", "", "", "50", "2", "0.01", #"{"epochs":50,"latent_dim":2,"learning_rate":0.01}"#,
                                 "-0.2", "-0.3", "-0.25", "0.04999999999999999", "2", "0.25", "ok", "", "0.225", "50", "48",
                                 "00000000000000a0", "0", "7", "0.3"])
        XCTAssertEqual(rows[2][8...14], ["", "", "", "", "3", "", "diverged"])
        XCTAssertEqual(rows[2][15], "loss is NaN at epoch 2, batch 5")
        XCTAssertEqual(rows[3][2], #"say "hi", ok"#)
        XCTAssertEqual(rows[3][3], "[64,32]")
        XCTAssertEqual(rows[3][12], "1")
        XCTAssertEqual(rows[3][22], "", "latent size 32 has no baseline")
        XCTAssertTrue(text.contains(#""say ""hi"", ok""#), "inner quotes doubled, field quoted")
    }

    func testSingleSplitIsOneSplitWithZeroStd() {
        let rows = parseCSV(Report(records: [record(0, score: 0.5)]).csv())
        let header = rows[0]
        XCTAssertFalse(header.contains("split1_test_score"))
        XCTAssertEqual(rows[1][header.firstIndex(of: "split0_test_score")!], "-0.5")
        XCTAssertEqual(rows[1][header.firstIndex(of: "std_test_score")!], "0.0")
    }

    func testLatentSizeFollowsTheArchitectureRule() {
        XCTAssertEqual(Report.latentSize(of: record(0, score: 1, parameters: ["encoder_units": .intList([8, 4]), "epochs": .int(1)])), 4)
        XCTAssertEqual(Report.latentSize(of: record(0, score: 1, parameters: ["encoder_layer1_size": .int(8), "latent_dim": .int(3),
                                                                              "epochs": .int(1)])), 3)
        XCTAssertNil(Report.latentSize(of: record(0, score: 1, parameters: ["epochs": .int(1)])))
    }

    func testWriteProducesCSVAndBestJSON() throws {
        let directory = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        try Report(records: [record(0, score: 0.5), record(1, score: 0.25)]).write(to: directory)
        let best = try TrialRecord.decoder.decode(TrialRecord.self, from: Data(contentsOf: URL(fileURLWithPath: directory + "/best.json")))
        XCTAssertEqual(best.index, 1)
        XCTAssertEqual(parseCSV(try String(contentsOfFile: directory + "/results.csv", encoding: .utf8)).count, 3)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory).sorted(), ["best.json", "results.csv"])
    }
}
