@testable import NeuralNet
import XCTest
import LinearAlgebra

/// A group of one runs `SoloKernels` (plain buffers, vectorised inside the trial) instead of `LaneKernels`: the same
/// trial trained through both paths must give the same bits, in results, histories and weights, for every activation,
/// both losses, every optimiser, L1/L2, early stopping, divergence, checkpoints and stages, partial last batches and
/// layer widths that exercise every block size (8, 4, 1, with and without overlap).
final class SoloPathTests: XCTestCase {
    let training = TrainerTests.data(rows: 45, columns: 11, seed: 21)
    let validation = TrainerTests.data(rows: 13, columns: 11, seed: 22)

    /// Results and final weights of one trial through `path`, with checkpoints at 1 and 2 epochs.
    func train(_ architecture: Architecture, _ configuration: TrainingConfiguration, path: TrainingGroup.Path,
               validated: Bool = true) throws -> (result: TrainingResult, weights: [Float], checkpoints: [[Float]]) {
        let d = architecture.inputSize
        let x = Matrix(rows: training.rows, columns: d,
                       elements: (0 ..< training.rows).flatMap { r in (0 ..< d).map { training[r, $0] } })
        let v = Matrix(rows: validation.rows, columns: d,
                       elements: (0 ..< validation.rows).flatMap { r in (0 ..< d).map { validation[r, $0] } })
        let group = try TrainingGroup(models: [Autoencoder(architecture: architecture, seed: configuration.seed)],
                                      configurations: [configuration], training: x, validation: validated ? v : nil,
                                      path: path)
        XCTAssertEqual(group.solo, path == .solo)
        var checkpoints: [[Float]] = []
        let marks = [1, 2].filter { $0 <= configuration.epochs }
        let results = group.fit(checkpoints: [marks], onCheckpoint: { _, _, result, model in
            checkpoints.append(model.parameters + result.history.map(\.loss))
        })
        return (results[0].withoutTimings, group.model(0).parameters, checkpoints)
    }

    func assertBitwiseEqual(_ a: [Float], _ b: [Float], _ message: String, file: StaticString = #filePath,
                            line: UInt = #line) {
        XCTAssertEqual(a.map(\.bitPattern), b.map(\.bitPattern), message, file: file, line: line)
    }

    func assertSamePaths(_ architecture: Architecture, _ configuration: TrainingConfiguration, validated: Bool = true,
                         _ label: String, file: StaticString = #filePath, line: UInt = #line) throws {
        let lanes = try train(architecture, configuration, path: .lanes, validated: validated)
        let solo = try train(architecture, configuration, path: .solo, validated: validated)
        XCTAssertEqual(solo.result.outcome, lanes.result.outcome, "\(label): outcome", file: file, line: line)
        XCTAssertEqual(solo.result.bestEpoch, lanes.result.bestEpoch, "\(label): best epoch", file: file, line: line)
        XCTAssertEqual(solo.result.epochsRun, lanes.result.epochsRun, "\(label): epochs run", file: file, line: line)
        assertBitwiseEqual(solo.result.history.map(\.loss), lanes.result.history.map(\.loss), "\(label): losses",
                           file: file, line: line)
        assertBitwiseEqual(solo.result.history.map { $0.validationLoss ?? -1 },
                           lanes.result.history.map { $0.validationLoss ?? -1 }, "\(label): validation losses",
                           file: file, line: line)
        assertBitwiseEqual(solo.weights, lanes.weights, "\(label): weights", file: file, line: line)
        XCTAssertEqual(solo.checkpoints.count, lanes.checkpoints.count, "\(label): checkpoints", file: file, line: line)
        for (s, l) in zip(solo.checkpoints, lanes.checkpoints) {
            assertBitwiseEqual(s, l, "\(label): checkpoint", file: file, line: line)
        }
    }

    /// Every block split of `SoloKernels.forEachBlock`: 11→9→5→9→11 (an octet with a one- and a three-column tail
    /// in a SIMD4, two overlapping SIMD4s, octets of inputs with overlaps), 7→3→7 (overlapping SIMD2s, quadruples of
    /// inputs), 8→4→8 (exact blocks), 11→13→2→13→11 (a five-column tail as an overlapping octet, one SIMD2), 11→12→1
    /// (a four-column tail, a single float); with 45 rows, batches of 8 and 64 cover blocks of eight, four and one rows.
    let architectures: [(Int, [Int])] = [(11, [9, 5]), (7, [3]), (8, [4]), (11, [13, 2]), (11, [12, 1])]

    func testEveryActivationAndLossGivesTheSameBitsOnBothPaths() throws {
        for (d, units) in architectures {
            for hidden in Activation.allCases {
                for output in [Activation.sigmoid, .linear, hidden] {
                    for loss in [Loss.mse, .binaryCrossentropy] {
                        let architecture = Architecture(inputSize: d, encoderUnits: units, hiddenActivation: hidden,
                                                        outputActivation: output)
                        let configuration = TrainingConfiguration(
                            loss: loss, optimizer: .adam(learningRate: 3e-3), batchSize: 8, epochs: 3,
                            l1: 1e-3, l2: 1e-2, seed: 5)
                        try assertSamePaths(architecture, configuration, "\(d)\(units) \(hidden)/\(output) \(loss)")
                    }
                }
            }
        }
    }

    func testEveryOptimiserPenaltyAndBatchShapeGivesTheSameBitsOnBothPaths() throws {
        let optimizers: [OptimizerConfiguration] = [
            .adam(learningRate: 1e-2, beta1: 0.8, beta2: 0.99), .sgd(learningRate: 0.1),
            .sgd(learningRate: 0.05, momentum: 0.9), .sgd(learningRate: 0.05, momentum: 0.8, nesterov: true),
            .rmsprop(learningRate: 1e-3), .rmsprop(learningRate: 1e-3, rho: 0.8, momentum: 0.5),
        ]
        for (d, units) in architectures {
            let architecture = Architecture(inputSize: d, encoderUnits: units, hiddenActivation: .tanh,
                                            outputActivation: .sigmoid)
            for optimizer in optimizers {
                for (l1, l2) in [(Float(0), Float(0)), (1e-3, 0), (0, 1e-2), (1e-3, 1e-2)] {
                    // 45 rows: batches of 8 end with 5 rows, of 3 have no block of four rows, of 64 are one partial batch.
                    for batchSize in [8, 3, 64] {
                        let configuration = TrainingConfiguration(optimizer: optimizer, batchSize: batchSize, epochs: 3,
                                                                  l1: l1, l2: l2, shuffle: batchSize != 3, seed: 9)
                        try assertSamePaths(architecture, configuration, validated: batchSize != 64,
                                            "\(d)\(units) \(optimizer) l1 \(l1) l2 \(l2) batch \(batchSize)")
                    }
                }
            }
        }
    }

    func testEarlyStoppingDivergenceAndStagesGiveTheSameBitsOnBothPaths() throws {
        let architecture = Architecture(inputSize: 11, encoderUnits: [9, 5], hiddenActivation: .relu,
                                        outputActivation: .sigmoid)
        for restore in [true, false] {
            let configuration = TrainingConfiguration(
                optimizer: .adam(learningRate: 2e-2), batchSize: 8, epochs: 12, seed: 3,
                earlyStopping: EarlyStopping(patience: 1, minDelta: 1e-2, restoreBestWeights: restore))
            try assertSamePaths(architecture, configuration, "early stopping, restore \(restore)")
            try assertSamePaths(architecture, configuration, validated: false, "early stopping on the loss, restore \(restore)")
            let stopped = try train(architecture, configuration, path: .solo)
            guard case .stoppedEarly = stopped.result.outcome else {
                return XCTFail("expected an early stop, got \(stopped.result.outcome)")
            }
        }
        let linear = Architecture(inputSize: 7, encoderUnits: [3], hiddenActivation: .linear, outputActivation: .linear)
        let diverging = TrainingConfiguration(optimizer: .sgd(learningRate: 1e30), batchSize: 8, epochs: 4, seed: 7)
        try assertSamePaths(linear, diverging, "divergence")
        guard case .diverged = try train(linear, diverging, path: .solo).result.outcome else {
            return XCTFail("expected a divergence")
        }
        // Stages: advance to 2, then to 5, on both paths.
        let configuration = TrainingConfiguration(optimizer: .rmsprop(learningRate: 1e-2, momentum: 0.3), batchSize: 8,
                                                  epochs: 5, l2: 1e-3, seed: 4)
        var staged: [TrainingGroup.Path: [[Float]]] = [:]
        for path in [TrainingGroup.Path.lanes, .solo] {
            let group = try TrainingGroup(models: [Autoencoder(architecture: architecture, seed: 4)],
                                          configurations: [configuration], training: training, validation: validation,
                                          path: path)
            for epochs in [2, 5] {
                let advanced = try XCTUnwrap(group.advance(to: epochs))
                staged[path, default: []].append(advanced[0].model.parameters
                                                 + advanced[0].result.history.flatMap { [$0.loss, $0.validationLoss!] })
            }
        }
        XCTAssertEqual(staged[.solo]?.map { $0.map(\.bitPattern) }, staged[.lanes]?.map { $0.map(\.bitPattern) })
    }

    func testGradientsAndBatchLossesGiveTheSameBitsOnBothPaths() throws {
        for hidden in Activation.allCases {
            for loss in [Loss.mse, .binaryCrossentropy] {
                let architecture = Architecture(inputSize: 11, encoderUnits: [9, 5], hiddenActivation: hidden,
                                                outputActivation: .sigmoid)
                let configuration = TrainingConfiguration(loss: loss, optimizer: .adam(learningRate: 1e-2), batchSize: 8,
                                                          epochs: 1, l1: 1e-3, l2: 1e-2, seed: 2)
                // Seven rows (a block of four and three single rows), within the workspace's batch of eight.
                var gradients: [[Float]] = [], records: [[Float]] = []
                for path in [TrainingGroup.Path.lanes, .solo] {
                    let group = try TrainingGroup(models: [Autoencoder(architecture: architecture, seed: 2)],
                                                  configurations: [configuration], training: training,
                                                  validation: nil, path: path)
                    gradients.append(group.gradients(ofRows: 1 ..< 8)[0])
                    records.append(group.firstEpochBatchLosses()[0].flatMap { [$0.loss] + $0.parametersAfter })
                }
                assertBitwiseEqual(gradients[1], gradients[0], "\(hidden) \(loss): gradients")
                assertBitwiseEqual(records[1], records[0], "\(hidden) \(loss): per-batch losses and weights")
            }
        }
    }

    func testTheAutomaticPathIsSoloForOneMemberOnly() throws {
        let architecture = Architecture(inputSize: 11, encoderUnits: [4])
        let configuration = TrainingConfiguration(optimizer: .adam(learningRate: 1e-3), batchSize: 8, epochs: 1, seed: 1)
        let model = Autoencoder(architecture: architecture, seed: 1)
        XCTAssertTrue(try TrainingGroup(models: [model], configurations: [configuration], training: training).solo)
        XCTAssertFalse(try TrainingGroup(models: [model, model], configurations: [configuration, configuration],
                                         training: training).solo)
    }
}
