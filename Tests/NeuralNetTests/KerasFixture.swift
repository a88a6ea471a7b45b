import Foundation
@testable import NeuralNet
import XCTest
import LinearAlgebra

/// One Keras reference case from `Fixtures/` (see `Fixtures/README.md` for every field).
struct KerasFixture: Decodable {
    struct Config: Decodable {
        struct Optimizer: Decodable {
            var class_name: String
            var learning_rate: Double
            var beta_1: Double?, beta_2: Double?, epsilon: Double?
            var momentum: Double?, nesterov: Bool?, rho: Double?
        }
        struct Regularizer: Decodable { var l1: Double; var l2: Double }
        var input_dim: Int
        var encoder_units: [Int]
        var decoder_units: [Int]
        var hidden_activations: [String]
        var output_activation: String
        var loss: String
        var optimizer: Optimizer
        var kernel_regularizer: Regularizer?
        var batch_size: Int
        var epochs: Int
    }
    struct Layer: Decodable { var kernel_initial: [[Float]]; var bias_initial: [Float] }
    struct Weights: Decodable { var kernel: [[Float]]; var bias: [Float] }
    struct Batch: Decodable {
        var batch: Int, rows: Int
        var loss: Float, data_loss: Float, penalty: Float
        var layers_after: [Weights]
    }
    struct History: Decodable { var loss: [Float] }
    struct EpochEnd: Decodable { var epoch: Int; var train_loss: Float; var penalty: Float; var test_loss: Float; var test_mse: Double }

    var `case`: String
    var config: Config
    var layers: [Layer]
    var x_train: [[Float]]
    var x_test: [[Float]]
    var history: History
    var per_batch: [Batch]
    var first_batch_gradients: [Weights]
    var epoch_end: [EpochEnd]
    var final_layers: [Weights]
    var test_prediction_first_rows: [[Float]]

    static let caseNames = ["seed1_adam", "seed2_adam_deep", "seed3_l2", "tanh_sgd_momentum_l1", "nesterov",
                            "bce_rmsprop", "gelu_leaky", "odd_batch", "adam_l1l2"]

    static func load(_ name: String) throws -> KerasFixture {
        let url = try XCTUnwrap(Bundle.module.url(forResource: name, withExtension: "json", subdirectory: "Fixtures"),
                                "fixture \(name).json missing from the test bundle")
        return try JSONDecoder().decode(KerasFixture.self, from: Data(contentsOf: url))
    }

    var architecture: Architecture {
        let hidden = config.hidden_activations.map { Activation(rawValue: $0)! }
        return Architecture(inputSize: config.input_dim, encoderUnits: config.encoder_units,
                            decoderUnits: config.decoder_units, hiddenActivation: hidden[0],
                            outputActivation: Activation(rawValue: config.output_activation)!,
                            hiddenActivations: Set(hidden).count == 1 ? nil : hidden)
    }

    /// Flat parameters (kernel₀, bias₀, …) from per-layer weights.
    static func flatten(_ layers: [(kernel: [[Float]], bias: [Float])]) -> [Float] {
        layers.flatMap { $0.kernel.flatMap { $0 } + $0.bias }
    }

    var initialParameters: [Float] { KerasFixture.flatten(layers.map { ($0.kernel_initial, $0.bias_initial) }) }

    var optimizer: OptimizerConfiguration {
        let o = config.optimizer
        let lr = Float(o.learning_rate)
        switch o.class_name {
        case "Adam": return .adam(learningRate: lr, beta1: Float(o.beta_1!), beta2: Float(o.beta_2!), epsilon: Float(o.epsilon!))
        case "SGD": return .sgd(learningRate: lr, momentum: Float(o.momentum!), nesterov: o.nesterov!)
        case "RMSprop": return .rmsprop(learningRate: lr, rho: Float(o.rho!), momentum: Float(o.momentum!), epsilon: Float(o.epsilon!))
        default: fatalError("unknown optimizer \(o.class_name)")
        }
    }

    func trainingConfiguration(epochs: Int? = nil) -> TrainingConfiguration {
        TrainingConfiguration(loss: Loss(rawValue: config.loss)!, optimizer: optimizer, batchSize: config.batch_size,
                              epochs: epochs ?? config.epochs, l1: Float(config.kernel_regularizer?.l1 ?? 0),
                              l2: Float(config.kernel_regularizer?.l2 ?? 0), shuffle: false, seed: 0)
    }

    func model() throws -> Autoencoder { try Autoencoder(architecture: architecture, parameters: initialParameters) }
    var train: Matrix { Matrix(x_train) }
    var test: Matrix { Matrix(x_test) }
}

/// max|a − b| / max|b| over one tensor (the fixture README's norm-wise relative error).
func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    precondition(a.count == b.count, "relativeError: \(a.count) vs \(b.count) values")
    var diff = 0.0, scale = 0.0
    for (x, y) in zip(a, b) {
        diff = max(diff, abs(Double(x) - Double(y)))
        scale = max(scale, abs(Double(y)))
    }
    return diff / max(scale, 1e-30)
}

func relativeError(_ a: Double, _ b: Double) -> Double { abs(a - b) / max(abs(b), 1e-30) }
