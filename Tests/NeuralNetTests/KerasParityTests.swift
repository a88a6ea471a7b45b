@testable import NeuralNet
import XCTest
import LinearAlgebra

/// Trains each of the nine Keras fixture cases from its recorded initial weights and compares with Keras 3.15:
/// per-batch losses and history to 1e-5 relative, final weights to 1e-4 relative, test MSE to 1e-5 relative, and
/// the first batch's gradients. Every case is a model the search trains on `TrainingGroup`, so each is checked on
/// both engines, the same way.
final class KerasParityTests: XCTestCase {
    func testSeed1Adam() throws { try checkCase("seed1_adam") }
    func testSeed2AdamDeep() throws { try checkCase("seed2_adam_deep") }
    func testSeed3L2() throws { try checkCase("seed3_l2") }
    func testTanhSGDMomentumL1() throws { try checkCase("tanh_sgd_momentum_l1") }
    func testNesterov() throws { try checkCase("nesterov") }
    func testBCERMSprop() throws { try checkCase("bce_rmsprop") }
    func testGeluLeaky() throws { try checkCase("gelu_leaky") }
    func testOddBatch() throws { try checkCase("odd_batch") }
    func testAdamL1L2() throws { try checkCase("adam_l1l2") }

    /// Every case file in the bundle has a test above (a new fixture without a test fails here).
    func testEveryFixtureFileHasATest() throws {
        let directory = try XCTUnwrap(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasSuffix(".json") && $0 != "checks.json" }.map { String($0.dropLast(5)) }
        XCTAssertEqual(Set(files), Set(KerasFixture.caseNames))
    }

    /// One engine's probes: per-batch losses and weights of epoch 1, first-batch gradients, and the whole fit with
    /// its final model.
    struct Engine {
        var name: String
        var batchLosses: (KerasFixture) throws -> [(loss: Float, parametersAfter: [Float])]
        var gradients: (KerasFixture, Range<Int>) throws -> [Float]
        var fit: (KerasFixture) throws -> (TrainingResult, Autoencoder)
    }

    static var trainer: Engine { Engine(name: "Trainer", batchLosses: { f in
        try Trainer(model: f.model(), configuration: f.trainingConfiguration(epochs: 1), training: f.train)
            .firstEpochBatchLosses()
    }, gradients: { f, rows in
        try Trainer(model: f.model(), configuration: f.trainingConfiguration(), training: f.train).gradients(ofRows: rows)
    }, fit: { f in
        let trainer = try Trainer(model: f.model(), configuration: f.trainingConfiguration(), training: f.train,
                                  validation: f.test)
        return (trainer.fit(), trainer.model)
    }) }

    static var group: Engine { Engine(name: "TrainingGroup", batchLosses: { f in
        try TrainingGroup(models: [f.model()], configurations: [f.trainingConfiguration(epochs: 1)], training: f.train)
            .firstEpochBatchLosses()[0]
    }, gradients: { f, rows in
        try TrainingGroup(models: [f.model()], configurations: [f.trainingConfiguration()], training: f.train)
            .gradients(ofRows: rows)[0]
    }, fit: { f in
        let group = try TrainingGroup(models: [f.model()], configurations: [f.trainingConfiguration()],
                                      training: f.train, validation: f.test)
        return (group.fit()[0], group.model(0))
    }) }

    func checkCase(_ name: String) throws {
        let f = try KerasFixture.load(name)
        XCTAssertTrue(TrainingGroup.accepts(try f.model().architecture, f.trainingConfiguration()),
                      "\(name): the search trains this model on TrainingGroup")
        try checkCase(name, f, on: Self.trainer)
        try checkCase(name, f, on: Self.group)
    }

    func checkCase(_ caseName: String, _ f: KerasFixture, on engine: Engine) throws {
        let name = "\(caseName) (\(engine.name))"
        let model = try f.model()

        // Epoch 1 batch by batch: the loss before each step and the weights after it.
        let batchLosses = try engine.batchLosses(f)
        XCTAssertEqual(batchLosses.count, f.per_batch.count, "\(name): batches per epoch")
        for (b, (mine, keras)) in zip(batchLosses, f.per_batch).enumerated() {
            XCTAssertLessThanOrEqual(relativeError(Double(mine.loss), Double(keras.loss)), 1e-5,
                                     "\(name) batch \(b) loss: \(mine.loss) vs Keras \(keras.loss)")
            XCTAssertLessThanOrEqual(relativeError(mine.parametersAfter,
                                                   KerasFixture.flatten(keras.layers_after.map { ($0.kernel, $0.bias) })),
                                     1e-4, "\(name) batch \(b) weights after the step")
        }

        // First batch gradients (penalty included).
        let gradients = try engine.gradients(f, 0 ..< min(f.config.batch_size, f.x_train.count))
        for (l, keras) in f.first_batch_gradients.enumerated() {
            let layer = model.layers[l]
            let kernel = Array(gradients[layer.kernelOffset ..< layer.biasOffset])
            let bias = Array(gradients[layer.biasOffset ..< layer.biasOffset + layer.outputs])
            XCTAssertLessThanOrEqual(relativeError(kernel, keras.kernel.flatMap { $0 }), 1e-5, "\(name) dW\(l)")
            XCTAssertLessThanOrEqual(relativeError(bias, keras.bias), 1e-5, "\(name) db\(l)")
        }

        // The whole fit: history, final weights, test MSE.
        let (result, trained) = try engine.fit(f)
        XCTAssertEqual(result.outcome, .completed)
        XCTAssertEqual(result.history.count, f.history.loss.count)
        for (e, (mine, keras)) in zip(result.history, f.history.loss).enumerated() {
            XCTAssertLessThanOrEqual(relativeError(Double(mine.loss), Double(keras)), 1e-5,
                                     "\(name) history[\(e)]: \(mine.loss) vs Keras \(keras)")
            // Validation loss = Keras's test loss (no penalty in the fixture) + the penalty on the epoch's weights.
            let expected = Double(f.epoch_end[e].test_loss) + Double(f.epoch_end[e].penalty)
            XCTAssertLessThanOrEqual(relativeError(Double(mine.validationLoss!), expected), 1e-5,
                                     "\(name) validation loss epoch \(e + 1)")
        }
        let final = KerasFixture.flatten(f.final_layers.map { ($0.kernel, $0.bias) })
        for layer in trained.layers {
            let mine = Array(trained.parameters[layer.kernelOffset ..< layer.biasOffset + layer.outputs])
            let keras = Array(final[layer.kernelOffset ..< layer.biasOffset + layer.outputs])
            XCTAssertLessThanOrEqual(relativeError(mine, keras), 1e-4, "\(name) final weights of layer \(layer.index)")
        }
        let mse = trained.meanSquaredError(f.test)
        XCTAssertLessThanOrEqual(relativeError(mse, f.epoch_end.last!.test_mse), 1e-5,
                                 "\(name) test MSE \(mse) vs Keras \(f.epoch_end.last!.test_mse)")
        let prediction = trained.reconstruct(Matrix(Array(f.x_test.prefix(3))))
        XCTAssertLessThanOrEqual(relativeError(prediction.elements, f.test_prediction_first_rows.flatMap { $0 }), 1e-5)
    }
}
