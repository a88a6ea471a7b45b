import LinearAlgebra
import XCTest
@testable import GridSearch
import DataFiles
import NeuralNet
import SearchSpace
import TestSupport

/// Trials trained side by side (issue 17): the plan groups compatible families automatically, and a member's record
/// is bitwise the same alone (its family as a group of one) and in any group, on one split and on CV folds, with
/// early stopping; a cancelled group records only finished members.
final class GroupTrainingTests: XCTestCase {
    func fold(rows: Int, columns: Int, seed: UInt64) -> EvaluationFold {
        var rng = SeededGenerator(seed: seed)
        let train = Matrix(rows: rows, columns: columns, elements: (0 ..< rows * columns).map { _ in rng.nextUnitFloat() })
        let test = Matrix(rows: rows / 4, columns: columns, elements: (0 ..< rows / 4 * columns).map { _ in rng.nextUnitFloat() })
        return EvaluationFold(training: train, test: test, scaler: FittedScaler.fit(train, kind: .none))
    }

    func trials(_ gridJSON: String, columns: Int) throws -> [TrialConfiguration] {
        let grid = try ParameterGrid.load(argument: gridJSON)
        return try (0 ..< grid.count).map {
            try TrialConfiguration.make(grid: grid, index: $0, inputSize: columns, baseSeed: 7)
        }
    }

    /// The plan's work items for `trials`, in order.
    func plan(_ gridJSON: String, columns: Int, samples: Int = 64) throws -> [PlannedWork] {
        let grid = try ParameterGrid.load(argument: gridJSON)
        var next = 0
        let plan = TrialPlan(grid: grid, nextIndex: {
            defer { next += 1 }
            return next < grid.count ? next : nil
        }, isDone: { _ in false }, inputSize: columns, sampleCount: samples, baseSeed: 7)
        var items: [PlannedWork] = []
        while let item = plan.next() { items.append(item) }
        return items
    }

    func assertSameRecords(_ a: TrialRecord?, _ b: TrialRecord?, _ label: String, file: StaticString = #filePath,
                           line: UInt = #line) throws {
        let a = try XCTUnwrap(a, label, file: file, line: line), b = try XCTUnwrap(b, label, file: file, line: line)
        XCTAssertEqual(a.status, b.status, label, file: file, line: line)
        XCTAssertEqual(a.reason, b.reason, label, file: file, line: line)
        XCTAssertEqual(a.testScore?.bitPattern, b.testScore?.bitPattern, "\(label): test score", file: file, line: line)
        XCTAssertEqual(a.trainLoss?.bitPattern, b.trainLoss?.bitPattern, "\(label): train loss", file: file, line: line)
        XCTAssertEqual(a.foldScores?.map(\.bitPattern), b.foldScores?.map(\.bitPattern), label, file: file, line: line)
        XCTAssertEqual(a.history.map(\.loss.bitPattern), b.history.map(\.loss.bitPattern), label, file: file, line: line)
        XCTAssertEqual(a.history.map { $0.validationLoss?.bitPattern }, b.history.map { $0.validationLoss?.bitPattern },
                       label, file: file, line: line)
        XCTAssertEqual(a.epochsRun, b.epochsRun, label, file: file, line: line)
        XCTAssertEqual(a.bestEpoch, b.bestEpoch, label, file: file, line: line)
    }

    func assertGroupEqualsAlone(_ gridJSON: String, folds: [EvaluationFold], file: StaticString = #filePath,
                                line: UInt = #line) throws {
        let families = TrialPlan.split(try trials(gridJSON, columns: folds[0].training.columns))
        XCTAssertTrue(families.allSatisfy { GroupTraining.routes($0.largest) }, file: file, line: line)
        XCTAssertTrue(Set(families.map(GroupTraining.key)).count == 1, "one group key", file: file, line: line)
        XCTAssertGreaterThan(families.count, 2, file: file, line: line)
        var together: [String: TrialRecord] = [:], reversed: [String: TrialRecord] = [:], alone: [String: TrialRecord] = [:]
        GroupTraining(families: families, folds: folds).run(shouldCancel: { false }) { together[$0.trialID] = $0 }
        GroupTraining(families: families.reversed(), folds: folds).run(shouldCancel: { false }) { reversed[$0.trialID] = $0 }
        for family in families {
            FamilyTraining(family: family, folds: folds).run(shouldCancel: { false }) { alone[$0.trialID] = $0 }
        }
        let members = families.flatMap(\.members)
        XCTAssertEqual(together.count, members.count, file: file, line: line)
        for trial in members {
            try assertSameRecords(together[trial.trialID], alone[trial.trialID],
                                  "\(trial.canonicalParameters) grouped vs alone", file: file, line: line)
            try assertSameRecords(reversed[trial.trialID], alone[trial.trialID],
                                  "\(trial.canonicalParameters) other position vs alone", file: file, line: line)
        }
        XCTAssertGreaterThan(Set(together.values.compactMap { $0.testScore }).count, 1, "the members differ",
                             file: file, line: line)
    }

    func testGroupedMembersMatchTheirFamiliesAloneOnOneSplit() throws {
        try assertGroupEqualsAlone(
            #"{"latent_dim": [3], "learning_rate": [0.01, 0.003, 0.001], "l2_reg": [0, 0.01], "epochs": [1, 3], "batch_size": [16]}"#,
            folds: [fold(rows: 96, columns: 6, seed: 1)])
    }

    func testGroupedMembersMatchWithEarlyStoppingAndFolds() throws {
        try assertGroupEqualsAlone(
            #"{"latent_dim": [2], "learning_rate": [0.05, 0.01, 0.2], "patience": [1], "epochs": [2, 4, 30], "batch_size": [8]}"#,
            folds: [fold(rows: 64, columns: 5, seed: 2), fold(rows: 64, columns: 5, seed: 3)])
    }

    func testThePlanGroupsCompatibleFamiliesEightAtMost() throws {
        // 3 latent sizes × 6 learning rates = 18 routed families in 3 keys (6 each: one group each), plus dropout
        // trials, which stay on Trainer one family at a time.
        let items = try plan(#"[{"latent_dim": [1, 2, 3], "learning_rate": [0.1, 0.05, 0.02, 0.01, 0.005, 0.001], "epochs": [2, 3]},"#
                             + #" {"latent_dim": [2], "dropout": [0.1, 0.2], "epochs": [2]}]"#, columns: 4)
        var grouped: [[TrialFamily]] = [], alone: [TrialFamily] = []
        for item in items {
            switch item {
            case let .group(families): grouped.append(families)
            case let .family(family): alone.append(family)
            case .invalid: XCTFail("no invalid points")
            }
        }
        XCTAssertEqual(grouped.count, 3)
        XCTAssertTrue(grouped.allSatisfy { $0.count == 6 && Set($0.map(GroupTraining.key)).count == 1 })
        XCTAssertEqual(alone.count, 2)
        XCTAssertTrue(alone.allSatisfy { !GroupTraining.routes($0.largest) })
        // More than eight compatible families: a full group of eight, and the two left over alone (a lane pass costs
        // more than four solo steps, TrainingGroup.laneStepCost).
        let many = try plan(#"{"latent_dim": [2], "learning_rate": [0.1, 0.09, 0.08, 0.07, 0.06, 0.05, 0.04, 0.03, 0.02, 0.01], "epochs": [2]}"#,
                            columns: 4)
        let sizes = many.compactMap { if case let .group(g) = $0 { return g.count } else { return nil } }
        XCTAssertEqual(sizes.sorted(), [1, 1, 8])
    }

    /// The sizes of the groups `TrialPlan.grouped` makes of `count` families of one key and equal cost on `workers`.
    func groupSizes(families count: Int, workers: Int) throws -> [Int] {
        let rates = (1 ... count).map { "\(Double($0) / 1000)" }.joined(separator: ", ")
        let families = TrialPlan.split(try trials(#"{"latent_dim": [2], "epochs": [5], "learning_rate": ["# + rates + "]}",
                                                  columns: 4))
        XCTAssertEqual(families.count, count)
        return TrialPlan.grouped(families, workers: workers).map { work -> Int in
            guard case let .group(members) = work else { XCTFail("every family routes to the grouped engine"); return 0 }
            return members.count
        }.sorted()
    }

    func testTheCostModelSaysWhenAGroupPays() throws {
        let laneCost = TrainingGroup.laneStepCost(Architecture(inputSize: 4, encoderUnits: [2]))
        XCTAssertGreaterThan(laneCost, 3)
        XCTAssertLessThan(laneCost, 8)
        // One worker: a group pays when it holds more members than its lane pass costs solo steps.
        XCTAssertEqual(try groupSizes(families: 3, workers: 1), [1, 1, 1])
        XCTAssertEqual(try groupSizes(families: 4, workers: 1), [1, 1, 1, 1])
        XCTAssertEqual(try groupSizes(families: 5, workers: 1), [5])
        XCTAssertEqual(try groupSizes(families: 8, workers: 1), [8])
        // Two workers: one group of eight would leave the other worker idle, eight lone trials fill both (4 solo
        // steps each against 4.25 for the group); sixteen make two groups, one per worker.
        XCTAssertEqual(try groupSizes(families: 8, workers: 2), [1, 1, 1, 1, 1, 1, 1, 1])
        XCTAssertEqual(try groupSizes(families: 16, workers: 2), [8, 8])
        // The estimate the balance uses: longest first, each to the least loaded worker.
        XCTAssertEqual(TrialPlan.estimatedFinish([5, 4, 3, 3, 3], workers: 2), 10)
        XCTAssertEqual(TrialPlan.estimatedFinish([5, 4, 3], workers: 1), 12)
    }

    /// The sizes of the groups of `count` equal families with `laneCost` as the plan's cost model.
    func groupSizes(families count: Int, laneCost: TrialPlan.LaneCostModel) throws -> [Int] {
        let rates = (1 ... count).map { "\(Double($0) / 1000)" }.joined(separator: ", ")
        let families = TrialPlan.split(try trials(#"{"latent_dim": [2], "epochs": [5], "learning_rate": ["# + rates + "]}",
                                                  columns: 4))
        return TrialPlan.grouped(families, workers: 1, laneCost: laneCost).map { work -> Int in
            guard case let .group(members) = work else { XCTFail("every family routes to the grouped engine"); return 0 }
            return members.count
        }.sorted()
    }

    func testAKeyWithEnoughWorkIsPricedByThisMachinesMeasurement() throws {
        var asked = 0
        func model(_ cost: Double, minimumWork: Double) -> TrialPlan.LaneCostModel {
            TrialPlan.LaneCostModel(measure: { _ in asked += 1; return cost }, minimumWork: minimumWork)
        }
        // A measured lane pass of 2 solo steps: three members pay; of 9: not even eight do.
        XCTAssertEqual(try groupSizes(families: 3, laneCost: model(2, minimumWork: 0)), [3])
        XCTAssertEqual(try groupSizes(families: 8, laneCost: model(9, minimumWork: 0)), [1, 1, 1, 1, 1, 1, 1, 1])
        XCTAssertEqual(asked, 2, "one measurement per key")
        // Below the work that pays for a measurement, or with a lone family, the table decides and nothing is
        // measured: five families group (the table's 4.25), three do not.
        XCTAssertEqual(try groupSizes(families: 5, laneCost: model(9, minimumWork: 1e30)), [5])
        XCTAssertEqual(try groupSizes(families: 1, laneCost: model(9, minimumWork: 0)), [1])
        XCTAssertEqual(try groupSizes(families: 3, laneCost: .table), [1, 1, 1])
        XCTAssertEqual(asked, 2)
        // A measurement that fails (nil) keeps the table.
        let failing = TrialPlan.LaneCostModel(measure: { _ in nil }, minimumWork: 0)
        XCTAssertEqual(try groupSizes(families: 5, laneCost: failing), [5])
        // The real model measures from 10⁹ units of work: the seed's grids and these tests stay on the table.
        XCTAssertEqual(TrialPlan.LaneCostModel.machine.minimumWork, 1e9)
    }

    func testACancelledGroupRecordsOnlyFinishedMembers() throws {
        let families = TrialPlan.split(try trials(#"{"latent_dim": [2], "learning_rate": [0.01, 0.02], "epochs": [1, 1000000]}"#,
                                                  columns: 4))
        var records: [TrialRecord] = []
        var epochs = 0
        GroupTraining(families: families, folds: [fold(rows: 32, columns: 4, seed: 4)]).run(
            shouldCancel: { epochs >= 6 }, onEpoch: { _, _, _ in epochs += 1 }) { records.append($0) }
        XCTAssertEqual(records.count, 2, "the two one-epoch members")
        XCTAssertTrue(records.allSatisfy { $0.epochsRun == 1 && $0.status == .ok })
    }

    /// Every trial of the seed's three grids (10 features) trains on the grouped engine.
    func testTheSeedGridsTrainOnTheGroupedEngine() throws {
        for name in ["grid1.json", "grid2.json", "grid3.json"] {
            let grid = try ParameterGrid.load(argument: exampleDataPath("seed", name))
            XCTAssertGreaterThan(grid.count, 0)
            for index in 0 ..< grid.count {
                let trial = try TrialConfiguration.make(grid: grid, index: index, inputSize: 10, baseSeed: 0)
                XCTAssertTrue(GroupTraining.routes(trial), "\(name) trial \(index): \(trial.architecture.summary)")
            }
        }
    }
}
