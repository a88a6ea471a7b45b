import LinearAlgebra
import XCTest
@testable import GridSearch
import DataFiles
import SearchSpace

/// Shared epoch prefixes (issue 5): a family trained once records, for every member, exactly what training that
/// member alone gives: bitwise, with and without early stopping, on one split and on CV folds.
final class FamilyTrainingTests: XCTestCase {
    func fold(rows: Int, columns: Int, seed: UInt64) -> EvaluationFold {
        var rng = SeededGenerator(seed: seed)
        let train = Matrix(rows: rows, columns: columns, elements: (0 ..< rows * columns).map { _ in rng.nextUnitFloat() })
        let test = Matrix(rows: rows / 4, columns: columns, elements: (0 ..< rows / 4 * columns).map { _ in rng.nextUnitFloat() })
        return EvaluationFold(training: train, test: test, scaler: FittedScaler.fit(train, kind: .none))
    }

    func records(_ members: [TrialConfiguration], folds: [EvaluationFold]) -> [String: TrialRecord] {
        var out: [String: TrialRecord] = [:]
        for family in TrialPlan.split(members) {
            FamilyTraining(family: family, folds: folds).run(shouldCancel: { false }) { out[$0.trialID] = $0 }
        }
        return out
    }

    func assertFamilyEqualsSeparateRuns(_ gridJSON: String, folds: [EvaluationFold], file: StaticString = #filePath,
                                        line: UInt = #line) throws {
        let grid = try ParameterGrid.load(argument: gridJSON)
        let trials = try (0 ..< grid.count).map {
            try TrialConfiguration.make(grid: grid, index: $0, inputSize: folds[0].training.columns, baseSeed: 7)
        }
        let together = records(trials, folds: folds)
        var alone: [String: TrialRecord] = [:]
        for trial in trials { alone.merge(records([trial], folds: folds)) { a, _ in a } }
        XCTAssertEqual(together.count, trials.count, file: file, line: line)
        XCTAssertTrue(TrialPlan.split(trials).count < trials.count, "the grid has families", file: file, line: line)
        for trial in trials {
            let a = try XCTUnwrap(together[trial.trialID], file: file, line: line)
            let b = try XCTUnwrap(alone[trial.trialID], file: file, line: line)
            XCTAssertEqual(a.status, b.status, file: file, line: line)
            XCTAssertEqual(a.testScore?.bitPattern, b.testScore?.bitPattern, "test score of \(trial.canonicalParameters)", file: file, line: line)
            XCTAssertEqual(a.trainLoss?.bitPattern, b.trainLoss?.bitPattern, file: file, line: line)
            XCTAssertEqual(a.foldScores?.map(\.bitPattern), b.foldScores?.map(\.bitPattern), file: file, line: line)
            XCTAssertEqual(a.history.map(\.loss.bitPattern), b.history.map(\.loss.bitPattern), file: file, line: line)
            XCTAssertEqual(a.epochsRun, b.epochsRun, file: file, line: line)
            XCTAssertEqual(a.bestEpoch, b.bestEpoch, file: file, line: line)
        }
    }

    func testFamilyMatchesSeparateRunsOnOneSplit() throws {
        try assertFamilyEqualsSeparateRuns(#"{"latent_dim": [3, 4], "learning_rate": [0.01], "epochs": [1, 2, 5], "batch_size": [16]}"#,
                                           folds: [fold(rows: 96, columns: 6, seed: 1)])
    }

    func testFamilyMatchesSeparateRunsWithEarlyStoppingAndFolds() throws {
        try assertFamilyEqualsSeparateRuns(#"{"latent_dim": [2], "learning_rate": [0.05], "patience": [1], "epochs": [2, 4, 30], "batch_size": [8]}"#,
                                           folds: [fold(rows: 64, columns: 5, seed: 2), fold(rows: 64, columns: 5, seed: 3)])
    }

    func testCancelledFamilyRecordsOnlyFinishedMembers() throws {
        let grid = try ParameterGrid.load(argument: #"{"latent_dim": [2], "epochs": [1, 1000000]}"#)
        let trials = try (0 ..< grid.count).map { try TrialConfiguration.make(grid: grid, index: $0, inputSize: 4, baseSeed: 0) }
        var delivered: [TrialRecord] = []
        var polls = 0
        FamilyTraining(family: TrialPlan.split(trials)[0], folds: [fold(rows: 32, columns: 4, seed: 4)])
            .run(shouldCancel: { polls += 1; return polls > 3 }) { delivered.append($0) }
        XCTAssertEqual(delivered.map(\.epochsRun), [1], "the 1-epoch member is recorded, the cancelled one is not")
    }
}
