import Foundation
import XCTest
@testable import GridSearch
import TestSupport
import SearchSpace

/// Successive halving over epochs: scikit-learn's rung arithmetic, the promotion rule, and the exactness AEGrid adds:
/// every halving record, promoted trials included, is bitwise the plain grid's trial at the same epoch count.
final class HalvingTests: XCTestCase {
    func rungs(_ candidates: Int, factor: Int = 3, min: Int?, max: Int, aggressive: Bool = false) throws -> [[Int]] {
        try HalvingSchedule(candidates: candidates, settings: HalvingSettings(
            factor: factor, minEpochs: min, maxEpochs: max, aggressiveElimination: aggressive)).rungs.map { [$0.epochs, $0.candidates] }
    }

    /// The cases worked by hand from scikit-learn's `_run_search` (n_required = 1 + ⌊log_f n⌋, n_possible =
    /// 1 + ⌊log_f(max // min)⌋), with AEGrid's one change: the last rung is raised to max-epochs.
    func testRungsFollowScikitLearn() throws {
        // "exhaust": min = max // 3^(4-1) = 1; four rungs 1, 3, 9, 27.
        XCTAssertEqual(try rungs(48, min: nil, max: 27), [[1, 48], [3, 16], [9, 6], [27, 2]])
        // "exhaust" with 30: min = 30 // 27 = 1; scikit-learn's last iteration would use 27, AEGrid's uses 30.
        XCTAssertEqual(try rungs(48, min: nil, max: 30), [[1, 48], [3, 16], [9, 6], [30, 2]])
        // Too few epochs for the candidates: min(n_possible = 2, n_required = 4) rungs.
        XCTAssertEqual(try rungs(48, min: 9, max: 27), [[9, 48], [27, 16]])
        // aggressive_elimination: n_required rungs, the first ones repeating min (power = max(0, i − 4 + 2)).
        XCTAssertEqual(try rungs(48, min: 9, max: 27, aggressive: true), [[9, 48], [9, 16], [9, 6], [27, 2]])
        // Candidates run out first: 2 rungs (6 → 2), the second raised from 30 to 90.
        XCTAssertEqual(try rungs(6, min: 10, max: 90), [[10, 6], [90, 2]])
        // Exact powers of the factor count exactly (floating log(9, 3) is not trusted).
        XCTAssertEqual(try rungs(9, min: 1, max: 9), [[1, 9], [3, 3], [9, 1]])
        XCTAssertEqual(try rungs(1, min: nil, max: 50), [[50, 1]])
        XCTAssertEqual(try rungs(100, factor: 2, min: 4, max: 64), [[4, 100], [8, 50], [16, 25], [32, 13], [64, 7]])
    }

    /// `--factor`, `--min-epochs` and `--max-epochs` take any Int the command line parses: the schedule's arithmetic
    /// must not overflow at the ends (⌈n / factor⌉ was `(n + factor − 1) / factor`, which trapped at factor 2⁶³ − 1).
    func testLargestFactorsAndEpochCountsDoNotOverflow() throws {
        XCTAssertEqual(try rungs(2, factor: .max, min: 1, max: 5), [[5, 2]])
        XCTAssertEqual(try rungs(.max, factor: .max, min: 1, max: .max), [[1, .max], [.max, 1]])
        XCTAssertEqual(try rungs(.max, factor: .max, min: 1, max: .max, aggressive: true), [[1, .max], [.max, 1]])
        XCTAssertEqual(try rungs(.max, factor: 2, min: .max - 1, max: .max).count, 1)
    }

    func testInvalidSettingsAreRefusedWithTheValues() {
        XCTAssertThrowsError(try rungs(10, factor: 1, min: 1, max: 9)) { XCTAssertTrue("\($0)".contains("--factor must be at least 2 (got 1)")) }
        XCTAssertThrowsError(try rungs(10, min: 20, max: 9)) { XCTAssertTrue("\($0)".contains("--min-epochs 20 is greater than --max-epochs 9")) }
        XCTAssertThrowsError(try rungs(10, min: 0, max: 9)) { XCTAssertTrue("\($0)".contains("--min-epochs must be at least 1")) }
    }

    /// After a rung, the best ⌈n / factor⌉ finished trials continue: lowest score first, ties by grid order; diverged
    /// and failed trials are out even when fewer than ⌈n / factor⌉ finished.
    func testPromotionRanksByScoreTiesByGridOrderAndDropsDivergedTrials() throws {
        let grid = try ParameterGrid.load(argument: #"{"latent_dim": [1, 2, 3, 4, 5, 6, 7], "epochs": [9]}"#)
        let plan = try HalvingPlan(grid: grid, settings: HalvingSettings(factor: 3, minEpochs: 1, maxEpochs: 9),
                                   inputSize: 10, baseSeed: 0)
        XCTAssertEqual(plan.schedule.rungs.map(\.epochs), [1, 9])
        // Scores at rung 0: candidates 1 and 4 tie for best, 0 diverged (with the best "score"), 6 failed.
        let scores: [Double?] = [nil, 0.5, 0.7, 0.9, 0.5, 0.6, nil]
        var records: [String: TrialRecord] = [:]
        for (c, score) in scores.enumerated() {
            var record = TrialRecord(trial: plan.trial(c, epochs: 1), status: score == nil ? (c == 0 ? .diverged : .failed) : .ok,
                                     epochsRun: 1, fitSeconds: 0)
            record.testScore = score ?? 0.1
            records[record.trialID] = record
        }
        var replay = plan.replay(records)
        XCTAssertEqual(replay.current, 1)
        XCTAssertEqual(replay.rungs[1].map(\.candidate), [1, 4, 5], "⌈7 / 3⌉ = 3 continue, in grid order")
        // Only two finished trials: only they continue.
        for c in [2, 3, 5] { records[plan.trial(c, epochs: 1).trialID]!.status = .diverged }
        replay = plan.replay(records)
        XCTAssertEqual(replay.rungs[1].map(\.candidate), [1, 4])
        XCTAssertEqual(plan.trial(4, epochs: 9).trialID,
                       try TrialConfiguration.make(grid: ParameterGrid.load(argument: #"{"latent_dim": [5], "epochs": [9]}"#),
                                                   index: 0, inputSize: 10, baseSeed: 0).trialID,
                       "a rung's trial id is the plain grid's id of that point at that epoch count")
    }

    func search(_ grid: String, halving: HalvingSettings?, evaluation: SearchSettings.Evaluation, name: String) throws -> [String: TrialRecord] {
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("aegrid-halving-\(name)-\(getpid())").path
        try? FileManager.default.removeItem(atPath: out)
        defer { try? FileManager.default.removeItem(atPath: out) }
        var settings = SearchSettings(trainPath: exampleDataPath("seed", "X_train.npy"), evaluation: evaluation, grid: grid,
                                      outputDirectory: out, jobs: 2, seed: 3, refit: .none)
        settings.halving = halving
        let outcome = try Search(settings: settings).run()
        XCTAssertFalse(outcome.interrupted)
        let records = try ResultsLog.read(path: out + "/results.jsonl").records
        return Dictionary(records.map { ($0.trialID, $0) }, uniquingKeysWith: { first, _ in XCTFail("a trial recorded twice"); return first })
    }

    /// The exactness test: every record of a halving search (each rung, promoted trials continued from their kept
    /// trainers) equals, bit for bit, the plain search's trial of the same point at the same epoch count. Run with
    /// early stopping (its state must carry across rungs) and on CV folds (one kept trainer per fold).
    func assertHalvingRecordsEqualPlainSearch(_ candidates: String, evaluation: SearchSettings.Evaluation, name: String,
                                              file: StaticString = #filePath, line: UInt = #line) throws {
        let settings = HalvingSettings(factor: 2, minEpochs: 3, maxEpochs: 24)
        let halving = try search(#"{"epochs": [24], "# + candidates, halving: settings, evaluation: evaluation, name: name + "-halving")
        let plain = try search(#"{"epochs": [3, 6, 12, 24], "# + candidates, halving: nil, evaluation: evaluation, name: name + "-plain")
        // 8 candidates, factor 2: rungs of 8, 4, 2 and 1 trials at 3, 6, 12 and 24 epochs.
        XCTAssertEqual(halving.count, 8 + 4 + 2 + 1, file: file, line: line)
        for (id, record) in halving {
            let reference = try XCTUnwrap(plain[id], "a plain grid trial", file: file, line: line)
            XCTAssertEqual(record.status, reference.status, file: file, line: line)
            XCTAssertEqual(record.testScore?.bitPattern, reference.testScore?.bitPattern, "test score of \(record.parameters)", file: file, line: line)
            XCTAssertEqual(record.testScoreStd?.bitPattern, reference.testScoreStd?.bitPattern, file: file, line: line)
            XCTAssertEqual(record.foldScores?.map(\.bitPattern), reference.foldScores?.map(\.bitPattern), file: file, line: line)
            XCTAssertEqual(record.trainLoss?.bitPattern, reference.trainLoss?.bitPattern, file: file, line: line)
            XCTAssertEqual(record.history.map(\.loss.bitPattern), reference.history.map(\.loss.bitPattern), file: file, line: line)
            XCTAssertEqual(record.history.map { $0.validationLoss?.bitPattern }, reference.history.map { $0.validationLoss?.bitPattern }, file: file, line: line)
            XCTAssertEqual(record.epochsRun, reference.epochsRun, file: file, line: line)
            XCTAssertEqual(record.bestEpoch, reference.bestEpoch, file: file, line: line)
            XCTAssertEqual(record.seed, reference.seed, file: file, line: line)
        }
    }

    func testPromotedTrialsAreBitwiseThePlainGridsTrials() throws {
        try assertHalvingRecordsEqualPlainSearch(#""latent_dim": [2, 3, 4, 5], "learning_rate": [0.01, 0.003], "batch_size": [32]}"#,
                                                 evaluation: .testFile(exampleDataPath("seed", "X_test.npy")), name: "split")
    }

    func testPromotedTrialsWithEarlyStoppingAndFoldsAreBitwiseThePlainGridsTrials() throws {
        try assertHalvingRecordsEqualPlainSearch(#""latent_dim": [2, 3], "learning_rate": [0.05, 0.01], "patience": [1, 3], "batch_size": [64]}"#,
                                                 evaluation: .crossValidation(folds: 2), name: "cv")
    }

    /// Without kept trainers (the memory budget at 0, as after a restart) promoted trials retrain their prefix:
    /// the same bits.
    func testRetrainingThePrefixGivesTheSameRecords() throws {
        let grid = try ParameterGrid.load(argument: #"{"latent_dim": [2, 3, 4, 5], "learning_rate": [0.02], "epochs": [8], "batch_size": [32]}"#)
        let data = try EvaluationData.prepare(trainPath: exampleDataPath("seed", "X_train.npy"), evaluation: .holdout(fraction: 0.2),
                                              seed: 1, scaling: .none)
        let plan = try HalvingPlan(grid: grid, settings: HalvingSettings(factor: 2, minEpochs: 2, maxEpochs: 8),
                                   inputSize: data.inputSize, baseSeed: 1)
        func records(budget: Int) -> [String: TrialRecord] {
            let collected = Locked([String: TrialRecord]())
            var run = HalvingRun(plan: plan, folds: data.folds, runner: Runner(jobs: 2))
            run.memoryBudget = budget
            run.run(existing: [], keepIfBest: { _, _, _ in }, deliver: { record in collected.withLock { $0[record.trialID] = record } })
            return collected.withLock { $0 }
        }
        let kept = records(budget: HalvingRun.defaultMemoryBudget), retrained = records(budget: 0)
        XCTAssertEqual(kept.count, 4 + 2 + 1)
        XCTAssertEqual(Set(kept.keys), Set(retrained.keys))
        for (id, record) in kept {
            XCTAssertEqual(record.testScore?.bitPattern, retrained[id]?.testScore?.bitPattern)
            XCTAssertEqual(record.history.map(\.loss.bitPattern), retrained[id]?.history.map(\.loss.bitPattern))
        }
    }
}
