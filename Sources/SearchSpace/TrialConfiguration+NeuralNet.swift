import Foundation
import NeuralNet

/// The names grid values may take for NeuralNet's closed choices: exactly NeuralNet's raw values.
package enum TrialChoices {
    package static let activations = Activation.allCases.map(\.rawValue)
    package static let losses = Loss.allCases.map(\.rawValue)
    package static let optimizers = ["adam", "sgd", "rmsprop"]
}

// The one place that maps grid settings onto NeuralNet's types.
extension TrialConfiguration {
    /// The network: `inputSize → encoder… → mirrored decoder → inputSize`, hidden layers (bottleneck included)
    /// with `activation`, the output with `output_activation`.
    public var architecture: Architecture {
        Architecture(inputSize: inputSize, encoderUnits: settings.encoderUnits,
                     hiddenActivation: Activation(rawValue: settings.activation) ?? .relu,
                     outputActivation: Activation(rawValue: settings.outputActivation) ?? .sigmoid)
    }

    /// The training settings, seeded with `seed`. `patience` turns on early stopping on the validation loss with
    /// Keras's `restore_best_weights=True`; `momentum` applies to sgd and rmsprop, `nesterov` to sgd.
    public var training: TrainingConfiguration {
        let rate = Float(settings.learningRate)
        let optimizer: OptimizerConfiguration
        switch settings.optimizer {
        case "sgd": optimizer = .sgd(learningRate: rate, momentum: Float(settings.momentum), nesterov: settings.nesterov)
        case "rmsprop": optimizer = .rmsprop(learningRate: rate, momentum: Float(settings.momentum))
        default: optimizer = .adam(learningRate: rate)
        }
        return TrainingConfiguration(
            loss: Loss(rawValue: settings.loss) ?? .mse, optimizer: optimizer, batchSize: settings.batchSize,
            epochs: settings.epochs, l1: Float(settings.l1), l2: Float(settings.l2), dropout: Float(settings.dropout),
            noiseStandardDeviation: Float(settings.noiseStandardDeviation), shuffle: settings.shuffle, seed: seed,
            earlyStopping: settings.patience.map { EarlyStopping(patience: $0, minDelta: Float(settings.minDelta)) })
    }
}
