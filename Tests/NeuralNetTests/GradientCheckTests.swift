import Foundation
@testable import NeuralNet
import XCTest
import LinearAlgebra

/// The trainer's analytic gradients (Float32) against central differences of an independent Double model.
final class GradientCheckTests: XCTestCase {
    /// Random data in [0, 1) and a seeded model; returns the trainer's gradient and the oracle's.
    func compare(_ architecture: Architecture, loss: Loss = .mse, l1: Float = 0, l2: Float = 0, rows: Int = 7,
                 seed: UInt64 = 3, file: StaticString = #filePath, line: UInt = #line) throws {
        var rng = SeededGenerator(seed: seed)
        let d = architecture.inputSize
        let x = Matrix(rows: rows, columns: d, elements: (0 ..< rows * d).map { _ in rng.nextUnitFloat() })
        let model = Autoencoder(architecture: architecture, seed: seed)
        // Non-zero biases so every bias gradient path is exercised away from symmetric points.
        var p = model.parameters
        for layer in model.layers {
            for i in 0 ..< layer.outputs { p[layer.biasOffset + i] = Float(rng.nextUnitDouble() - 0.5) * 0.2 }
        }
        let start = try Autoencoder(architecture: architecture, parameters: p)
        let configuration = TrainingConfiguration(loss: loss, optimizer: .sgd(learningRate: 0.1), batchSize: rows,
                                                  epochs: 1, l1: l1, l2: l2, shuffle: false, seed: seed)
        let trainer = try Trainer(model: start, configuration: configuration, training: x)
        let analytic = trainer.gradients(ofRows: 0 ..< rows)
        let oracle = DoubleOracle(architecture: architecture, loss: loss, l1: Double(l1), l2: Double(l2))
        let numeric = oracle.numericalGradient(p.map(Double.init), x: x.elements.map(Double.init), rows: rows)
        let scale = numeric.map(abs).max()!
        var worst = 0.0
        for (a, n) in zip(analytic, numeric) { worst = max(worst, abs(Double(a) - n)) }
        XCTAssertLessThanOrEqual(worst / scale, 2e-4, "\(architecture.summary) \(loss) l1=\(l1) l2=\(l2): max |analytic − numeric| = \(worst), scale \(scale)",
                                 file: file, line: line)
        // The loss the trainer reports matches the oracle's too.
        let reported = Double(trainer.loss(ofRows: 0 ..< rows))
        let expected = oracle.totalLoss(p.map(Double.init), x: x.elements.map(Double.init), rows: rows)
        XCTAssertEqual(reported, expected, accuracy: 1e-5 * max(1, abs(expected)), file: file, line: line)
    }

    func testEveryHiddenActivation() throws {
        for f in Activation.allCases {
            try compare(Architecture(inputSize: 5, encoderUnits: [4, 3], hiddenActivation: f, outputActivation: .sigmoid))
        }
    }

    func testEveryOutputActivation() throws {
        for f in Activation.allCases {
            try compare(Architecture(inputSize: 5, encoderUnits: [3], hiddenActivation: .tanh, outputActivation: f))
        }
    }

    func testBinaryCrossentropyFromLogits() throws {
        try compare(Architecture(inputSize: 6, encoderUnits: [4, 2], hiddenActivation: .elu), loss: .binaryCrossentropy)
    }

    func testL1AndL2Penalties() throws {
        let architecture = Architecture(inputSize: 5, encoderUnits: [4], hiddenActivation: .tanh, outputActivation: .linear)
        try compare(architecture, l1: 0.01)
        try compare(architecture, l2: 0.02)
        try compare(architecture, loss: .mse, l1: 0.003, l2: 0.01)
    }

    func testWholeMultiLayerAutoencoder() throws {
        let architecture = Architecture(inputSize: 8, encoderUnits: [7, 5, 3], hiddenActivation: .gelu,
                                        outputActivation: .sigmoid,
                                        hiddenActivations: [.gelu, .elu, .leakyRelu, .tanh, .relu])
        try compare(architecture, loss: .binaryCrossentropy, l1: 0.001, l2: 0.002, rows: 9)
        try compare(architecture, loss: .mse, l1: 0.001, l2: 0.002, rows: 9)
    }

    /// Each activation's Float32 value and derivative against Double and a central difference of the Double value.
    func testActivationValuesAndDerivatives() {
        for f in Activation.allCases {
            for i in 0 ... 80 {
                let z = -4 + Double(i) * 0.1 + 0.013  // offset keeps clear of the kinks at 0
                let value = f.value(Float(z))
                let exact = DoubleOracle.activate(f, z)
                XCTAssertEqual(Double(value), exact, accuracy: 2e-7 * max(1, abs(exact)), "\(f)(\(z))")
                let h = 1e-6
                let slope = (DoubleOracle.activate(f, z + h) - DoubleOracle.activate(f, z - h)) / (2 * h)
                XCTAssertEqual(Double(f.derivative(z: Float(z), a: value)), slope, accuracy: 1e-5 * max(1, abs(slope)),
                               "\(f)′(\(z))")
            }
        }
        XCTAssertEqual(Activation.relu.derivative(z: 0, a: 0), 0, "relu′(0) is 0, as TF's ReluGrad")
        XCTAssertEqual(Activation.leakyRelu.value(-1), -0.2)
        XCTAssertEqual(Activation.leakyRelu.derivative(z: 0, a: 0), 0.2)
    }
}
