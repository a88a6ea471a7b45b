import Foundation
@testable import NeuralNet
import XCTest
import LinearAlgebra

/// Training-loop semantics: early stopping, divergence, checkpoints, determinism, settings validation.
final class TrainerTests: XCTestCase {
    /// Rows in [0, 1) from a seeded generator.
    static func data(rows: Int, columns: Int, seed: UInt64) -> Matrix {
        var rng = SeededGenerator(seed: seed)
        return Matrix(rows: rows, columns: columns, elements: (0 ..< rows * columns).map { _ in rng.nextUnitFloat() })
    }

    let architecture = Architecture(inputSize: 6, encoderUnits: [5, 3])

    // MARK: Early stopping

    /// Keras 3's rules on a scripted sequence of monitored losses.
    func testEarlyStoppingRulesOnScriptedLosses() {
        func run(_ losses: [Float], patience: Int, minDelta: Float = 0, restore: Bool = true)
            -> (stop: Int?, best: Int?, savedFrom: Float?) {
            var state = EarlyStoppingState(settings: EarlyStopping(patience: patience, minDelta: minDelta,
                                                                    restoreBestWeights: restore))
            var weights: Float = 0, saved: Float = -1
            for (i, loss) in losses.enumerated() {
                weights = Float(i + 1)  // "weights" = the epoch number, so the saved value says which epoch
                let stop = state.update(epoch: i + 1, monitored: loss, weights: &weights, saved: &saved, count: 1)
                if stop { return (i + 1, state.bestEpoch, state.hasSavedWeights ? saved : nil) }
            }
            return (nil, state.bestEpoch, state.hasSavedWeights ? saved : nil)
        }
        // Improves, improves, then two epochs without improvement: patience 2 stops after epoch 4, best epoch 2.
        var r = run([1.0, 0.9, 0.95, 0.91, 0.5], patience: 2)
        XCTAssertEqual(r.stop, 4); XCTAssertEqual(r.best, 2); XCTAssertEqual(r.savedFrom, 2)
        // patience 0 stops at the first epoch without improvement, but never after the first epoch.
        r = run([1.0, 1.0, 0.5], patience: 0)
        XCTAssertEqual(r.stop, 2); XCTAssertEqual(r.best, 1)
        r = run([Float.nan, 1.0], patience: 0)
        XCTAssertEqual(r.stop, nil, "epoch 1 never stops; epoch 2 improves on +inf")
        XCTAssertEqual(r.best, 2); XCTAssertEqual(r.savedFrom, 2)
        // min_delta: 0.995 is not an improvement on 1.0 by more than 0.01.
        r = run([1.0, 0.995, 0.994, 0.98], patience: 2, minDelta: 0.01)
        XCTAssertEqual(r.stop, 3); XCTAssertEqual(r.best, 1)
        // An equal loss is not an improvement (strict <).
        r = run([1.0, 1.0, 1.0], patience: 1)
        XCTAssertEqual(r.stop, 2)
        // Without restore_best_weights nothing is saved; the best epoch is still tracked.
        r = run([1.0, 0.8, 0.9, 0.9], patience: 2, restore: false)
        XCTAssertEqual(r.stop, 4); XCTAssertEqual(r.best, 2); XCTAssertNil(r.savedFrom)
    }

    /// A real run that stops early: stop epoch = best epoch + patience, and the restored weights are bitwise those
    /// of a run trained exactly to the best epoch.
    func testEarlyStoppingRestoresTheBestEpochsWeights() throws {
        let train = TrainerTests.data(rows: 40, columns: 6, seed: 1)
        let validation = TrainerTests.data(rows: 16, columns: 6, seed: 2)
        let model = Autoencoder(architecture: architecture, seed: 5)
        var configuration = TrainingConfiguration(optimizer: .adam(learningRate: 0.3), batchSize: 8, epochs: 40, seed: 9,
                                                  earlyStopping: EarlyStopping(patience: 3))
        let result = try Trainer(model: model, configuration: configuration, training: train, validation: validation).fit()
        guard case .stoppedEarly(let stop) = result.outcome, let best = result.bestEpoch else {
            return XCTFail("expected an early stop, got \(result.outcome)")
        }
        XCTAssertEqual(stop, best + 3)
        XCTAssertEqual(result.history.count, stop)
        let losses = result.history.map { $0.validationLoss! }
        XCTAssertEqual(losses[best - 1], losses.min(), "the best epoch has the lowest validation loss")
        let restored = try Trainer(model: model, configuration: configuration, training: train, validation: validation)
        _ = restored.fit()
        configuration.earlyStopping = nil
        configuration.epochs = best
        let reference = try Trainer(model: model, configuration: configuration, training: train, validation: validation)
        _ = reference.fit()
        XCTAssertEqual(restored.model.parameters.map(\.bitPattern), reference.model.parameters.map(\.bitPattern))
    }

    // MARK: Divergence

    func testHugeLearningRateDivergesWithEpochAndBatch() throws {
        let train = TrainerTests.data(rows: 64, columns: 6, seed: 1)
        let model = Autoencoder(architecture: Architecture(inputSize: 6, encoderUnits: [4], outputActivation: .linear), seed: 1)
        let configuration = TrainingConfiguration(optimizer: .sgd(learningRate: 1e3), batchSize: 8, epochs: 50, seed: 1)
        let result = try Trainer(model: model, configuration: configuration, training: train).fit()
        guard case .diverged(let epoch, let batch, let reason) = result.outcome else {
            return XCTFail("expected divergence, got \(result.outcome)")
        }
        // Weights of order 1e3^k overflow Float within a handful of steps (epoch 2, batch 1 in both builds today; the
        // exact step may move with GEMM summation order at the overflow boundary).
        XCTAssertTrue((1 ... 2).contains(epoch), "epoch \(epoch)")
        XCTAssertTrue((1 ... 8).contains(batch), "batch \(batch)")
        XCTAssertTrue(reason == "the training loss became inf" || reason == "the training loss became nan"
                      || reason == "a weight became NaN or infinite in the optimiser step", reason)
        XCTAssertEqual(result.history.count, epoch - 1, "only completed epochs are in the history")
    }

    func testAdamWithHugeLearningRateDoesNotHang() throws {
        let train = TrainerTests.data(rows: 32, columns: 6, seed: 3)
        let model = Autoencoder(architecture: Architecture(inputSize: 6, encoderUnits: [4], outputActivation: .linear), seed: 2)
        let configuration = TrainingConfiguration(optimizer: .adam(learningRate: 1e3), batchSize: 4, epochs: 30, seed: 1)
        let result = try Trainer(model: model, configuration: configuration, training: train).fit()
        // Adam's step is bounded by lr, so it may or may not overflow; either way the run ends with a verdict.
        switch result.outcome {
        case .completed: XCTAssertEqual(result.history.count, 30)
        case .diverged(let epoch, let batch, _): XCTAssertTrue(epoch >= 1 && batch >= 1)
        default: XCTFail("unexpected \(result.outcome)")
        }
    }

    func testNaNInTheDataDivergesAtTheFirstBatch() throws {
        var train = TrainerTests.data(rows: 16, columns: 6, seed: 1)
        train[9, 2] = .nan
        let model = Autoencoder(architecture: architecture, seed: 1)
        let configuration = TrainingConfiguration(optimizer: .adam(learningRate: 0.01), batchSize: 8, epochs: 3,
                                                  shuffle: false, seed: 1)
        let result = try Trainer(model: model, configuration: configuration, training: train).fit()
        XCTAssertEqual(result.outcome, .diverged(epoch: 1, batch: 2, reason: "the training loss became nan"))
    }

    // MARK: Checkpoints (shared epoch prefixes, issue 5)

    /// Every checkpoint E is bitwise what a separate run with `epochs = E` returns: result (timings aside) and weights.
    func checkCheckpoints(_ base: TrainingConfiguration, validation: Bool, file: StaticString = #filePath, line: UInt = #line) throws {
        let train = TrainerTests.data(rows: 37, columns: 6, seed: 11)
        let valid = validation ? TrainerTests.data(rows: 13, columns: 6, seed: 12) : nil
        let model = Autoencoder(architecture: architecture, seed: 21)
        var delivered: [Int: (TrainingResult, [UInt32])] = [:]
        let full = try Trainer(model: model, configuration: base, training: train, validation: valid)
        let final = full.fit(checkpoints: Array(1 ... base.epochs)) { e, result, snapshot in
            delivered[e] = (result, snapshot.parameters.map(\.bitPattern))
        }
        XCTAssertEqual(delivered.count, base.epochs, "every checkpoint is reported", file: file, line: line)
        for e in 1 ... base.epochs {
            var configuration = base
            configuration.epochs = e
            let separate = try Trainer(model: model, configuration: configuration, training: train, validation: valid)
            let result = separate.fit()
            XCTAssertEqual(delivered[e]?.0.withoutTimings, result.withoutTimings, "epochs = \(e)", file: file, line: line)
            XCTAssertEqual(delivered[e]?.1, separate.model.parameters.map(\.bitPattern), "weights, epochs = \(e)",
                           file: file, line: line)
        }
        XCTAssertEqual(delivered[base.epochs]?.1, full.model.parameters.map(\.bitPattern))
        XCTAssertEqual(delivered[base.epochs]?.0.withoutTimings, final.withoutTimings)
    }

    func testCheckpointsMatchSeparateRuns() throws {
        let configuration = TrainingConfiguration(optimizer: .adam(learningRate: 0.01), batchSize: 8, epochs: 9,
                                                  l2: 0.001, dropout: 0.2, noiseStandardDeviation: 0.05, seed: 77)
        try checkCheckpoints(configuration, validation: true)
        try checkCheckpoints(configuration, validation: false)
    }

    func testCheckpointsMatchSeparateRunsWithEarlyStopping() throws {
        var stops = 0
        for patience in [0, 2] {
            let configuration = TrainingConfiguration(optimizer: .rmsprop(learningRate: 0.05), batchSize: 8, epochs: 14,
                                                      dropout: 0.1, seed: 5,
                                                      earlyStopping: EarlyStopping(patience: patience, minDelta: 0.0005))
            try checkCheckpoints(configuration, validation: true)
            let result = try Trainer(model: Autoencoder(architecture: architecture, seed: 21), configuration: configuration,
                                     training: TrainerTests.data(rows: 37, columns: 6, seed: 11),
                                     validation: TrainerTests.data(rows: 13, columns: 6, seed: 12)).fit()
            if case .stoppedEarly = result.outcome { stops += 1 }
        }
        XCTAssertGreaterThan(stops, 0, "at least one configuration must actually stop early for this test to mean anything")
    }

    // MARK: Determinism and settings

    func testSameSeedSameBitsDifferentSeedDifferentBits() throws {
        let train = TrainerTests.data(rows: 30, columns: 6, seed: 4)
        let model = Autoencoder(architecture: architecture, seed: 1)
        func run(_ seed: UInt64) throws -> [UInt32] {
            let c = TrainingConfiguration(optimizer: .adam(learningRate: 0.01), batchSize: 7, epochs: 3, dropout: 0.3,
                                          noiseStandardDeviation: 0.1, seed: seed)
            let t = try Trainer(model: model, configuration: c, training: train)
            _ = t.fit()
            return t.model.parameters.map(\.bitPattern)
        }
        XCTAssertEqual(try run(8), try run(8))
        XCTAssertNotEqual(try run(8), try run(9))
    }

    /// Trains `model` on `backend` with `allowance`, set again every `every` µs to 1 ... `changingUpTo` by another
    /// thread while `fit` runs (when given), and returns the final weights' and the epoch losses' bits.
    func trainedBits(_ model: Autoencoder, _ c: TrainingConfiguration, _ train: Matrix, backend: GEMMBackend,
                     allowance: ThreadAllowance, changingUpTo: Int?, every: UInt32) throws -> [UInt32] {
        let trainer = try Trainer(model: model, configuration: c, training: train, backend: backend, threads: allowance)
        let done = ThreadAllowance(1)
        if let cycle = changingUpTo {
            Thread {
                var n = 0
                while done.threads == 1 {
                    n += 1
                    allowance.set(1 + n % cycle)
                    usleep(every)
                }
            }.start()
        }
        let result = trainer.fit()
        done.set(2)
        return trainer.model.parameters.map(\.bitPattern) + result.history.map(\.loss.bitPattern)
    }

    /// A trainer's thread allowance never changes its results: products large enough to split (128 ↔ 96 at batch
    /// 64) give the same weights and losses on one thread, on three, and while another thread keeps changing the
    /// allowance during `fit`, as the grid runner does when it lends cores. AEGrid's own kernel splits; OpenBLAS's
    /// products stay on one thread (`GEMMBackend.splitsExactly`).
    func testTheThreadAllowanceDoesNotChangeTheBits() throws {
        let train = TrainerTests.data(rows: 200, columns: 128, seed: 21)
        let model = Autoencoder(architecture: Architecture(inputSize: 128, encoderUnits: [96]), seed: 3)
        let c = TrainingConfiguration(optimizer: .adam(learningRate: 0.003), batchSize: 64, epochs: 4, seed: 5)
        XCTAssertGreaterThanOrEqual(64 * 96 * 128, GEMM.parallelMinimumWork, "the forward product splits")
        for backend in GEMMBackend.available where backend != .naive {
            func run(_ allowance: ThreadAllowance, changing: Bool = false) throws -> [UInt32] {
                try trainedBits(model, c, train, backend: backend, allowance: allowance, changingUpTo: changing ? 4 : nil,
                                every: 50)
            }
            let one = try run(ThreadAllowance(1))
            XCTAssertEqual(try run(ThreadAllowance(3)), one, "\(backend): three threads")
            XCTAssertEqual(try run(ThreadAllowance(1), changing: true), one, "\(backend): allowance changed during fit")
        }
    }

    /// The wide model at Keras's default batch size, where the step's products are cut by columns, the first and
    /// last layers' updates are cut across threads, and on OpenBLAS the later layers' updates run beside the first
    /// layer's weight gradient: one thread, two, three, and an allowance changed during `fit` all give the same
    /// weights and losses, with and without a kernel penalty, on every backend.
    func testAWideModelAtBatch32HasTheSameBitsOnAnyNumberOfThreads() throws {
        let train = TrainerTests.data(rows: 80, columns: 784, seed: 23)
        let model = Autoencoder(architecture: Architecture(inputSize: 784, encoderUnits: [256, 64]), seed: 4)
        XCTAssertGreaterThanOrEqual(784 * 256 / OptimizerState.parallelMinimumCount, 2, "the update is cut")
        for l2: Float in [0, 1e-4] {
            let c = TrainingConfiguration(optimizer: .adam(learningRate: 0.003), batchSize: 32, epochs: 2, l2: l2,
                                          seed: 6)
            for backend in GEMMBackend.available where backend != .naive {
                func run(_ allowance: ThreadAllowance, changing: Bool = false) throws -> [UInt32] {
                    try trainedBits(model, c, train, backend: backend, allowance: allowance,
                                    changingUpTo: changing ? 3 : nil, every: 100)
                }
                let one = try run(ThreadAllowance(1))
                XCTAssertEqual(try run(ThreadAllowance(2)), one, "\(backend), l2 \(l2): two threads")
                XCTAssertEqual(try run(ThreadAllowance(3)), one, "\(backend), l2 \(l2): three threads")
                XCTAssertEqual(try run(ThreadAllowance(1), changing: true), one,
                               "\(backend), l2 \(l2): allowance changed during fit")
            }
        }
    }

    func testTheCallersModelIsNotModified() throws {
        let model = Autoencoder(architecture: architecture, seed: 1)
        let before = model.parameters
        let c = TrainingConfiguration(optimizer: .adam(learningRate: 0.01), epochs: 2, seed: 1)
        let trainer = try Trainer(model: model, configuration: c, training: TrainerTests.data(rows: 20, columns: 6, seed: 1))
        _ = trainer.fit()
        XCTAssertEqual(model.parameters, before)
        XCTAssertNotEqual(trainer.model.parameters, before)
    }

    func testCancelStopsBeforeTheNextEpoch() throws {
        let c = TrainingConfiguration(optimizer: .adam(learningRate: 0.01), epochs: 10, seed: 1)
        let trainer = try Trainer(model: Autoencoder(architecture: architecture, seed: 1), configuration: c,
                                  training: TrainerTests.data(rows: 20, columns: 6, seed: 1))
        var polls = 0
        let result = trainer.fit(shouldCancel: { polls += 1; return polls > 3 })
        XCTAssertEqual(result.outcome, .cancelled(epoch: 3))
        XCTAssertEqual(result.history.count, 3)
    }

    func testInvalidSettingsAndDataAreTypedErrors() {
        let model = Autoencoder(architecture: architecture, seed: 1)
        let train = TrainerTests.data(rows: 10, columns: 6, seed: 1)
        func error(_ c: TrainingConfiguration, _ data: Matrix? = nil) -> String {
            do { _ = try Trainer(model: model, configuration: c, training: data ?? train); return "no error" } catch {
                return "\(error)"
            }
        }
        XCTAssertEqual(error(TrainingConfiguration(optimizer: .adam(learningRate: 0.01), batchSize: 0, epochs: 1, seed: 1)),
                       "batch_size = 0: must be at least 1")
        XCTAssertEqual(error(TrainingConfiguration(optimizer: .adam(learningRate: -1), epochs: 1, seed: 1)),
                       "learning_rate = -1.0: must be a positive finite number")
        XCTAssertEqual(error(TrainingConfiguration(optimizer: .sgd(learningRate: 0.1), epochs: 1, dropout: 1, seed: 1)),
                       "dropout = 1.0: must be in [0, 1)")
        XCTAssertEqual(error(TrainingConfiguration(optimizer: .sgd(learningRate: 0.1), epochs: 1, seed: 1),
                             TrainerTests.data(rows: 4, columns: 5, seed: 1)),
                       "training data is 4×5 but the model's input size is 6 columns")
    }

    /// The last, partial batch is a batch of its own and the epoch loss weights batches by their rows.
    func testPartialLastBatchAndWeightedEpochLoss() throws {
        let train = TrainerTests.data(rows: 21, columns: 6, seed: 3)
        let model = Autoencoder(architecture: architecture, seed: 3)
        let c = TrainingConfiguration(optimizer: .sgd(learningRate: 0.05), batchSize: 8, epochs: 1, shuffle: false, seed: 1)
        let probe = try Trainer(model: model, configuration: c, training: train)
        XCTAssertEqual(probe.batchesPerEpoch, 3)
        let batches = probe.firstEpochBatchLosses()
        XCTAssertEqual(batches.count, 3)
        var total: Float = 0, count: Float = 0
        for (loss, rows) in zip(batches.map(\.loss), [8, 8, 5]) { total += loss * Float(rows); count += Float(rows) }
        let result = try Trainer(model: model, configuration: c, training: train).fit()
        XCTAssertEqual(result.history[0].loss, total / count)
    }
}

/// Dropout and input noise: what training mode draws, and that inference mode draws nothing.
final class RegularisationInTrainingTests: XCTestCase {
    func testInvertedDropoutOnHiddenLayersOnly() throws {
        let train = TrainerTests.data(rows: 64, columns: 10, seed: 1)
        let model = Autoencoder(architecture: Architecture(inputSize: 10, encoderUnits: [40, 30]), seed: 2)
        let c = TrainingConfiguration(optimizer: .adam(learningRate: 0.01), batchSize: 64, epochs: 1, dropout: 0.25, seed: 3)
        let trainer = try Trainer(model: model, configuration: c, training: train)
        let probe = trainer.trainingModeProbe(rows: 0 ..< 64)
        XCTAssertEqual(probe.masks.map(\.count), [64 * 40, 64 * 30, 64 * 40], "a mask per hidden layer, none on the output")
        let all = probe.masks.flatMap { $0 }
        let scale = Float(1 / 0.75)
        XCTAssertTrue(all.allSatisfy { $0 == 0 || $0 == scale }, "kept values are scaled by 1/(1 − rate)")
        let dropped = Double(all.filter { $0 == 0 }.count) / Double(all.count)
        XCTAssertEqual(dropped, 0.25, accuracy: 0.02)
        // Inference mode ignores dropout: the validation loss equals a dropout-free trainer's.
        var plain = c
        plain.dropout = 0
        let reference = try Trainer(model: model, configuration: plain, training: train)
        XCTAssertEqual(trainer.inferenceLoss(train), reference.inferenceLoss(train))
        // Training mode with dropout changes the loss.
        XCTAssertNotEqual(trainer.loss(ofRows: 0 ..< 64), reference.loss(ofRows: 0 ..< 64))
    }

    func testGaussianInputNoise() throws {
        let train = TrainerTests.data(rows: 400, columns: 10, seed: 1)
        let model = Autoencoder(architecture: Architecture(inputSize: 10, encoderUnits: [4]), seed: 2)
        let c = TrainingConfiguration(optimizer: .adam(learningRate: 0.01), batchSize: 400, epochs: 1,
                                      noiseStandardDeviation: 0.3, shuffle: false, seed: 3)
        let trainer = try Trainer(model: model, configuration: c, training: train)
        let noisy = trainer.trainingModeProbe(rows: 0 ..< 400).input
        let noise = zip(noisy, train.elements).map { Double($0) - Double($1) }
        let mean = noise.reduce(0, +) / Double(noise.count)
        let std = (noise.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Double(noise.count)).squareRoot()
        XCTAssertEqual(mean, 0, accuracy: 0.03)
        XCTAssertEqual(std, 0.3, accuracy: 0.015)
        var plain = c
        plain.noiseStandardDeviation = 0
        XCTAssertEqual(trainer.inferenceLoss(train),
                       try Trainer(model: model, configuration: plain, training: train).inferenceLoss(train),
                       "no noise in inference mode")
    }
}
