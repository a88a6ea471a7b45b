@testable import NeuralNet
import XCTest
import LinearAlgebra

/// `TrainingGroup`, the lane-per-trial engine: a member's bits do not depend on its group (size, neighbours,
/// position), checkpoints and stages give what separate runs give, a diverging lane leaves the others alone, and its
/// arithmetic agrees with `Trainer` and the Double oracle (close, not bitwise: the sums run in another order).
final class TrainingGroupTests: XCTestCase {
    let architecture = Architecture(inputSize: 7, encoderUnits: [5, 3], hiddenActivation: .relu,
                                    outputActivation: .sigmoid)
    let training = TrainerTests.data(rows: 45, columns: 7, seed: 11)
    let validation = TrainerTests.data(rows: 13, columns: 7, seed: 12)

    /// Eight members that differ in everything a lane may own: seed, learning rate, betas, penalties, shuffling,
    /// epochs and early stopping.
    func members(epochs: Int = 6) -> [TrainingConfiguration] {
        (0 ..< 8).map { m in
            TrainingConfiguration(
                optimizer: .adam(learningRate: Float(m + 1) * 2e-3, beta1: m % 2 == 0 ? 0.9 : 0.8,
                                 beta2: m % 3 == 0 ? 0.999 : 0.99),
                batchSize: 8, epochs: epochs - m % 3, l1: m % 4 == 1 ? 1e-3 : 0, l2: m % 4 == 2 ? 1e-2 : 0,
                shuffle: m != 5, seed: UInt64(100 + m),
                earlyStopping: m % 4 == 3 ? EarlyStopping(patience: 1, minDelta: 1e-3) : nil)
        }
    }

    func models(_ configurations: [TrainingConfiguration], _ architecture: Architecture? = nil) -> [Autoencoder] {
        configurations.map { Autoencoder(architecture: architecture ?? self.architecture, seed: $0.seed) }
    }

    /// Results (without timings) and final weights of a group of `configurations`.
    func train(_ configurations: [TrainingConfiguration],
               _ architecture: Architecture? = nil) throws -> [(TrainingResult, [Float])] {
        let group = try TrainingGroup(models: models(configurations, architecture), configurations: configurations,
                                      training: training, validation: validation)
        let results = group.fit()
        return results.indices.map { (results[$0].withoutTimings, group.model($0).parameters) }
    }

    func testAMemberHasTheSameBitsAloneAndInAnyGroupAtAnyPosition() throws {
        let all = members()
        let grouped = try train(all)
        let reversed = try train(all.reversed())
        let pairs = try train([all[6], all[1]])
        for m in all.indices {
            let alone = try train([all[m]])[0]
            XCTAssertEqual(grouped[m].0, alone.0, "member \(m): result in a group of 8 vs alone")
            XCTAssertEqual(grouped[m].1, alone.1, "member \(m): weights in a group of 8 vs alone")
            XCTAssertEqual(reversed[7 - m].0, alone.0, "member \(m) at position \(7 - m)")
            XCTAssertEqual(reversed[7 - m].1, alone.1, "member \(m) at position \(7 - m)")
            XCTAssertTrue(alone.0.history.count >= 1)
        }
        XCTAssertEqual(pairs[0].1, grouped[6].1)
        XCTAssertEqual(pairs[1].1, grouped[1].1)
        // The members really differ (a group of copies would pass the checks above trivially).
        XCTAssertEqual(Set(grouped.map { $0.1 }).count, 8)
        XCTAssertTrue(grouped.contains { if case .stoppedEarly = $0.0.outcome { return true }; return false })
    }

    func testCheckpointsAndStagesAreSeparateRuns() throws {
        let all = members(epochs: 7)
        let group = try TrainingGroup(models: models(all), configurations: all, training: training,
                                      validation: validation)
        var reported: [Int: [Int: (TrainingResult, [Float])]] = [:]
        _ = group.fit(checkpoints: all.map { [1, 3, $0.epochs] }, onCheckpoint: { m, epochs, result, model in
            reported[m, default: [:]][epochs] = (result.withoutTimings, model.parameters)
        })
        for (m, configuration) in all.enumerated() {
            for epochs in [1, 3, configuration.epochs] {
                var separate = configuration
                separate.epochs = epochs
                let expected = try train([separate])[0]
                let got = try XCTUnwrap(reported[m]?[epochs], "member \(m) checkpoint \(epochs) not reported")
                XCTAssertEqual(got.0, expected.0, "member \(m) at \(epochs) epochs")
                XCTAssertEqual(got.1, expected.1, "member \(m) weights at \(epochs) epochs")
            }
        }
        // Training in stages (successive halving): 2 epochs, then on to 5.
        let staged = members(epochs: 5).filter { $0.epochs == 5 }
        let stages = try TrainingGroup(models: models(staged), configurations: staged, training: training,
                                       validation: validation)
        for epochs in [2, 5] {
            let advanced = try XCTUnwrap(stages.advance(to: epochs))
            for (m, configuration) in staged.enumerated() {
                var separate = configuration
                separate.epochs = epochs
                let expected = try train([separate])[0]
                XCTAssertEqual(advanced[m].result.withoutTimings, expected.0, "stage \(epochs), member \(m)")
                XCTAssertEqual(advanced[m].model.parameters, expected.1, "stage \(epochs), member \(m) weights")
            }
        }
    }

    func testADivergingLaneEndsAloneAndLeavesTheOthersBitwiseAlone() throws {
        // With linear layers, a learning rate of 10^30 sends member 0's loss to infinity in its first steps.
        let linear = Architecture(inputSize: 7, encoderUnits: [3], hiddenActivation: .linear, outputActivation: .linear)
        let sgd = [TrainingConfiguration(optimizer: .sgd(learningRate: 1e30), batchSize: 8, epochs: 4, seed: 7),
                   TrainingConfiguration(optimizer: .sgd(learningRate: 0.1), batchSize: 8, epochs: 4, seed: 8)]
        let results = try train(sgd, linear)
        guard case let .diverged(epoch, batch, _) = results[0].0.outcome else {
            return XCTFail("expected a divergence, got \(results[0].0.outcome)")
        }
        XCTAssertEqual(epoch, 1)
        XCTAssertGreaterThanOrEqual(batch, 1)
        XCTAssertEqual(results[1].0.outcome, .completed)
        XCTAssertEqual(results[1].0.history.count, 4)
        let alone = try train([sgd[1]], linear)[0]
        XCTAssertEqual(results[1].0, alone.0)
        XCTAssertEqual(results[1].1, alone.1)
        XCTAssertEqual(try train([sgd[0]], linear)[0].0, results[0].0)
    }

    func testMembersThatCannotShareAGroupAreRefusedWithTheRule() throws {
        let adam = TrainingConfiguration(optimizer: .adam(learningRate: 1e-3), batchSize: 8, epochs: 1, seed: 1)
        var sgd = adam
        sgd.optimizer = .sgd(learningRate: 0.1)
        XCTAssertThrowsError(try TrainingGroup(models: models([adam, sgd]), configurations: [adam, sgd],
                                               training: training)) { error in
            XCTAssertTrue("\(error)".contains("optimiser kind"), "\(error)")
        }
        var dropout = adam
        dropout.dropout = 0.1
        XCTAssertFalse(TrainingGroup.accepts(architecture, dropout))
        XCTAssertTrue(TrainingGroup.accepts(architecture, adam))
        XCTAssertFalse(TrainingGroup.accepts(Architecture(inputSize: 784, encoderUnits: [32]), adam))
    }

    /// The memory estimate a search checks against its budget (`estimatedBytes`) is what the group really allocates,
    /// plus the three plain models outside it, for every buffer the layout may add or drop: linear layers (z is the
    /// activation), early stopping's restored weights, each optimiser's slots, a batch larger than the data.
    func testTheMemoryEstimateIsWhatTheGroupAllocates() throws {
        let linear = Architecture(inputSize: 7, encoderUnits: [5, 3], hiddenActivation: .linear, outputActivation: .linear)
        let optimizers: [OptimizerConfiguration] = [
            .adam(learningRate: 1e-3), .sgd(learningRate: 0.1), .sgd(learningRate: 0.1, momentum: 0.9, nesterov: true),
            .rmsprop(learningRate: 1e-3), .rmsprop(learningRate: 1e-3, momentum: 0.5)]
        var checked = Set<Int>()
        for (o, optimizer) in optimizers.enumerated() {
            for architecture in [architecture, linear] {
                for batchSize in [8, 100] {
                    let stopping = o % 2 == 0 ? EarlyStopping(patience: 2) : nil
                    let configuration = TrainingConfiguration(optimizer: optimizer, batchSize: batchSize, epochs: 1,
                                                              seed: 3, earlyStopping: stopping)
                    for members in [1, 3] {
                        let group = try TrainingGroup(models: models(Array(repeating: configuration, count: members), architecture),
                                                      configurations: Array(repeating: configuration, count: members),
                                                      training: training, validation: validation)
                        let estimate = try XCTUnwrap(TrainingGroup.estimatedBytes(architecture, configuration,
                                                                                  trainingRows: training.rows))
                        XCTAssertEqual(estimate, group.allocatedBytes + 3 * architecture.parameterCount * 4,
                                       "\(optimizer), \(architecture.summary), batch \(batchSize), \(members) members")
                        checked.insert(estimate)
                    }
                }
            }
        }
        XCTAssertGreaterThan(checked.count, 8, "the cases differ in what they allocate")
        // Eight lanes of every buffer: at least eight copies of Adam's weights, gradients and two slots.
        let adam = TrainingConfiguration(optimizer: .adam(learningRate: 1e-3), batchSize: 8, epochs: 1, seed: 3)
        XCTAssertGreaterThan(try XCTUnwrap(TrainingGroup.estimatedBytes(architecture, adam, trainingRows: 45)),
                             8 * 4 * 4 * architecture.parameterCount)
        XCTAssertNil(TrainingGroup.estimatedBytes(Architecture(inputSize: 784, encoderUnits: [32]), adam, trainingRows: 45),
                     "a model the engine does not train has no estimate here")
        XCTAssertNil(TrainingGroup.estimatedBytes(architecture, adam, trainingRows: Int.max / 2), "overflow gives nil")
    }

    /// The lane kernel's gradients against `Trainer`'s (Float32, another summation order) and against central
    /// differences of the independent Double model, for every activation, both losses and both penalties.
    func testGradientsAgreeWithTheTrainerAndTheDoubleOracle() throws {
        var cases: [(Architecture, Loss, Float, Float)] = []
        for f in Activation.allCases {
            cases.append((Architecture(inputSize: 5, encoderUnits: [4, 3], hiddenActivation: f, outputActivation: .sigmoid), .mse, 0, 0))
            cases.append((Architecture(inputSize: 5, encoderUnits: [3], hiddenActivation: .tanh, outputActivation: f), .mse, 0.003, 0.01))
        }
        cases.append((Architecture(inputSize: 6, encoderUnits: [4, 2], hiddenActivation: .elu), .binaryCrossentropy, 0.001, 0.002))
        cases.append((Architecture(inputSize: 6, encoderUnits: [4, 2], hiddenActivation: .elu, outputActivation: .tanh),
                      .binaryCrossentropy, 0, 0))
        for (architecture, loss, l1, l2) in cases {
            let rows = 9, d = architecture.inputSize
            var rng = SeededGenerator(seed: 5)
            let x = Matrix(rows: rows, columns: d, elements: (0 ..< rows * d).map { _ in Float(rng.nextUnitDouble() * 0.9 + 0.05) })
            let model = Autoencoder(architecture: architecture, seed: 5)
            let configuration = TrainingConfiguration(loss: loss, optimizer: .sgd(learningRate: 0.1), batchSize: rows,
                                                      epochs: 1, l1: l1, l2: l2, shuffle: false, seed: 5)
            let group = try TrainingGroup(models: [model], configurations: [configuration], training: x)
            let lane = group.gradients(ofRows: 0 ..< rows)[0]
            let trainer = try Trainer(model: model, configuration: configuration, training: x).gradients(ofRows: 0 ..< rows)
            let oracle = DoubleOracle(architecture: architecture, loss: loss, l1: Double(l1), l2: Double(l2))
            // The oracle knows binary cross-entropy only from the logits (after a sigmoid); the clipped form is
            // checked against Trainer alone.
            let hasOracle = loss == .mse || architecture.outputActivation == .sigmoid
            let numeric = hasOracle
                ? oracle.numericalGradient(model.parameters.map(Double.init), x: x.elements.map(Double.init), rows: rows)
                : trainer.map(Double.init)
            let scale = max(numeric.map(abs).max()!, 1e-12)
            var worstOracle = 0.0, worstTrainer = 0.0
            for ((a, t), n) in zip(zip(lane, trainer), numeric) {
                worstOracle = max(worstOracle, abs(Double(a) - n))
                worstTrainer = max(worstTrainer, abs(Double(a) - Double(t)))
            }
            let label = "\(architecture.summary) \(loss) l1=\(l1) l2=\(l2)"
            XCTAssertLessThanOrEqual(worstOracle / scale, 2e-4, "\(label): max |lane − numeric| = \(worstOracle)")
            XCTAssertLessThanOrEqual(worstTrainer / scale, 1e-5, "\(label): max |lane − Trainer| = \(worstTrainer)")
        }
    }

    /// Whole runs agree with `Trainer` closely (same shuffles, same formulas; only rounding differs).
    func testWholeRunsStayCloseToTheTrainer() throws {
        for configuration in members() {
            let model = Autoencoder(architecture: architecture, seed: configuration.seed)
            let lane = try TrainingGroup(models: [model], configurations: [configuration], training: training,
                                         validation: validation)
            let laneResult = lane.fit()[0]
            let trainer = try Trainer(model: model, configuration: configuration, training: training,
                                      validation: validation)
            let trainerResult = trainer.fit()
            XCTAssertEqual(laneResult.history.count, trainerResult.history.count)
            for (a, b) in zip(laneResult.history, trainerResult.history) {
                XCTAssertEqual(Double(a.loss), Double(b.loss), accuracy: 1e-5 * Double(abs(b.loss)))
            }
            for (a, b) in zip(lane.model(0).parameters, trainer.model.parameters) {
                XCTAssertEqual(a, b, accuracy: 1e-4 * max(1, abs(b)))
            }
        }
    }
}
