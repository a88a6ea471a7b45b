@testable import NeuralNet
import XCTest
import LinearAlgebra

/// Training and inference flush denormals to zero, as TensorFlow does in every kernel (Keras's `fit`, `evaluate`
/// and `predict`: `1e-39 × 1` is 0 there), and leave the caller's thread in its own mode (gradual underflow).
///
/// The model is 1 → 1 → 1 with linear layers, so every value is a product or sum we can write down: an input of
/// 1e-20 through a kernel of 1e-19 gives 1e-39, below Float's smallest normal; a bias of 1e-20 on the output and a
/// target of 0 give a squared error of 1e-40.
final class DenormalFlushTests: XCTestCase {
    let architecture = Architecture(inputSize: 1, encoderUnits: [1], hiddenActivation: .linear,
                                    outputActivation: .linear)

    override func setUpWithError() throws {
        #if !arch(x86_64)
        throw XCTSkip("the flush-to-zero mode is x86-64's MXCSR; elsewhere arithmetic keeps gradual underflow")
        #endif
        XCTAssertEqual(FloatingPointMode.current, .gradual)
    }

    /// Parameters in the model's layout: each layer's kernel, then its bias.
    func model(kernel1: Float, bias1: Float, kernel2: Float, bias2: Float) throws -> Autoencoder {
        XCTAssertEqual(architecture.layers.map(\.kernelOffset), [0, 2])
        return try Autoencoder(architecture: architecture, parameters: [kernel1, bias1, kernel2, bias2])
    }

    func testInferenceFlushesDenormals() throws {
        let model = try model(kernel1: 1e-19, bias1: 0, kernel2: 1, bias2: 0)
        let x = Matrix([[1e-20]])
        XCTAssertEqual(model.encode(x).elements, [0], "1e-20 · 1e-19 = 1e-39 is flushed")
        XCTAssertEqual(model.reconstruct(x).elements, [0])
        XCTAssertEqual(model.reconstructionErrors(x), [Float(1e-20) * Float(1e-20)],
                       "the error sum (NumPy's part) keeps gradual underflow: (1e-20 − 0)²")
        XCTAssertEqual(FloatingPointMode.current, .gradual, "the caller's mode is back")
        let gradual = Float(1e-20) * Float(1e-19)
        XCTAssertTrue(gradual.isSubnormal && gradual > 0, "the test's own arithmetic is not flushed")
    }

    func testBothTrainingEnginesFlushDenormals() throws {
        // Target 0, output 1e-20 (the bias): the first batch's loss is (1e-20)² = 1e-40, flushed to 0. The step
        // (1e-30 · 2e-20) underflows whatever the mode, so the validation loss after it is 1e-40 too.
        let data = Matrix([[0]])
        let configuration = TrainingConfiguration(optimizer: .sgd(learningRate: 1e-30),
                                                  batchSize: 1, epochs: 1, shuffle: false, seed: 1)
        let start = try model(kernel1: 1, bias1: 0, kernel2: 1, bias2: 1e-20)
        let trainer = try Trainer(model: Autoencoder(copying: start), configuration: configuration, training: data,
                                  validation: data)
        let plain = trainer.fit()
        XCTAssertEqual(plain.history.first?.loss, 0, "Trainer: the loss 1e-40 is flushed")
        XCTAssertEqual(plain.history.first?.validationLoss, 0)
        XCTAssertEqual(trainer.inferenceLoss(data), 0)
        XCTAssertEqual(FloatingPointMode.current, .gradual)

        XCTAssertTrue(TrainingGroup.accepts(architecture, configuration))
        let group = try TrainingGroup(models: [Autoencoder(copying: start)], configurations: [configuration],
                                      training: data, validation: data)
        let grouped = group.fit()
        XCTAssertEqual(grouped[0].history.first?.loss, 0, "TrainingGroup: the loss 1e-40 is flushed")
        XCTAssertEqual(grouped[0].history.first?.validationLoss, 0)
        XCTAssertEqual(FloatingPointMode.current, .gradual)
        XCTAssertTrue((Float(1e-20) * Float(1e-20)).isSubnormal, "unflushed, the loss would be 1e-40")
    }
}
