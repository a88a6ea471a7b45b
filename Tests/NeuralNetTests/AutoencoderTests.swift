@testable import NeuralNet
import XCTest
import LinearAlgebra

/// The model: architecture conventions, initialisation, parameter layout, inference.
final class AutoencoderTests: XCTestCase {
    func testArchitectureConventions() throws {
        let a = Architecture(inputSize: 10, encoderUnits: [16, 8])
        XCTAssertEqual(a.layerSizes, [10, 16, 8, 16, 10])
        XCTAssertEqual(a.latentSize, 8)
        XCTAssertEqual(a.parameterCount, 10 * 16 + 16 + 16 * 8 + 8 + 8 * 16 + 16 + 16 * 10 + 10)
        XCTAssertEqual(a.multiplyAddsPerSample, 10 * 16 + 16 * 8 + 8 * 16 + 16 * 10)
        XCTAssertEqual(Architecture(inputSize: 10, encoderUnits: [4]).layerSizes, [10, 4, 10])
        XCTAssertEqual(Architecture(inputSize: 10, encoderUnits: [6, 3], decoderUnits: [5, 7]).layerSizes, [10, 6, 3, 5, 7, 10])
        XCTAssertEqual(a.layers.map(\.activation), [.relu, .relu, .relu, .sigmoid])
        XCTAssertEqual(a.layers.map(\.kernelOffset), [0, 176, 312, 456])
        XCTAssertThrowsError(try Architecture(inputSize: 10, encoderUnits: []).validate()) {
            XCTAssertEqual("\($0)", "encoder units must list at least one layer (the last one is the latent size)")
        }
        XCTAssertThrowsError(try Architecture(inputSize: 10, encoderUnits: [4, 0]).validate()) {
            XCTAssertEqual("\($0)", "encoder units[1] must be at least 1, got 0")
        }
        XCTAssertThrowsError(try Architecture(inputSize: 10, encoderUnits: [4], hiddenActivations: [.relu, .tanh]).validate()) {
            XCTAssertEqual("\($0)", "hidden activations must list one activation per hidden layer (1), got 2")
        }
    }

    func testArchitectureJSONUsesSnakeCase() throws {
        let a = Architecture(inputSize: 5, encoderUnits: [3], hiddenActivation: .leakyRelu, outputActivation: .linear)
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        XCTAssertEqual(String(decoding: try encoder.encode(a), as: UTF8.self),
                       #"{"decoder_units":[],"encoder_units":[3],"hidden_activation":"leaky_relu","input_size":5,"output_activation":"linear"}"#)
        XCTAssertEqual(try JSONDecoder().decode(Architecture.self, from: try encoder.encode(a)), a)
    }

    /// Glorot-uniform kernels within ±√(6/(in+out)) with the uniform variance limit²/3, zero biases, reproducible.
    func testGlorotUniformInitialisation() {
        let a = Architecture(inputSize: 300, encoderUnits: [200])
        let model = Autoencoder(architecture: a, seed: 7)
        let kernel = model.kernel(0).elements
        let limit = (6.0 / 500.0).squareRoot()
        XCTAssertLessThanOrEqual(kernel.map { abs(Double($0)) }.max()!, limit)
        XCTAssertGreaterThan(kernel.map { abs(Double($0)) }.max()!, 0.99 * limit)
        let variance = kernel.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(kernel.count)
        XCTAssertEqual(variance, limit * limit / 3, accuracy: 0.02 * limit * limit / 3)
        XCTAssertTrue(model.bias(0).allSatisfy { $0 == 0 } && model.bias(1).allSatisfy { $0 == 0 })
        XCTAssertEqual(Autoencoder(architecture: a, seed: 7).parameters, model.parameters)
        XCTAssertNotEqual(Autoencoder(architecture: a, seed: 8).parameters, model.parameters)
    }

    func testParameterCountIsChecked() {
        XCTAssertThrowsError(try Autoencoder(architecture: Architecture(inputSize: 3, encoderUnits: [2]), parameters: [1, 2])) {
            XCTAssertEqual("\($0)", "the architecture 3 → 2 → 3 (relu, sigmoid) has 17 parameters, got 2")
        }
    }

    /// Inference against a Double forward pass; encode∘decode = reconstruct; streamed metrics over several chunks.
    func testInference() throws {
        let a = Architecture(inputSize: 6, encoderUnits: [5, 2], hiddenActivation: .tanh)
        let model = Autoencoder(architecture: a, seed: 3)
        let x = TrainerTests.data(rows: Autoencoder.chunkRows * 2 + 37, columns: 6, seed: 5)
        let y = model.reconstruct(x)
        XCTAssertEqual(model.decode(model.encode(x)), y)
        XCTAssertEqual(model.encode(x).columns, 2)
        // Double reference for a few rows.
        let p = model.parameters.map(Double.init)
        for r in [0, 1, 1500, x.rows - 1] {
            var v = x.row(r).map(Double.init)
            var offset = 0
            for layer in model.layers {
                var next = [Double](repeating: 0, count: layer.outputs)
                for o in 0 ..< layer.outputs {
                    var s = p[layer.biasOffset + o]
                    for i in 0 ..< layer.inputs { s += v[i] * p[offset + i * layer.outputs + o] }
                    next[o] = DoubleOracle.activate(layer.activation, s)
                }
                v = next
                offset = layer.biasOffset + layer.outputs
            }
            for c in 0 ..< 6 { XCTAssertEqual(Double(y[r, c]), v[c], accuracy: 1e-6, "row \(r) column \(c)") }
        }
        var sum = 0.0
        var perRow = [Double](repeating: 0, count: x.rows)
        for r in 0 ..< x.rows {
            for c in 0 ..< 6 {
                let e = Double(x[r, c]) - Double(y[r, c])
                sum += e * e
                perRow[r] += e * e / 6
            }
        }
        XCTAssertEqual(model.meanSquaredError(x), sum / Double(x.count), accuracy: 1e-9)
        let errors = model.reconstructionErrors(x)
        XCTAssertEqual(errors.count, x.rows)
        for r in 0 ..< x.rows { XCTAssertEqual(Double(errors[r]), perRow[r], accuracy: 1e-6 * max(perRow[r], 1e-3)) }
        XCTAssertEqual(model.meanSquaredError(Matrix(rows: 0, columns: 6)), 0)
        XCTAssertEqual(model.reconstructionErrors(Matrix(rows: 0, columns: 6)), [])
    }
}
