import Foundation

/// The names grid values may take for NeuralNet's closed choices (activation, loss, optimizer).
enum TrialChoices {
    static let activations = ["linear", "relu", "sigmoid", "tanh", "elu", "leaky_relu", "gelu"]
    static let losses = ["mse", "binary_crossentropy"]
    static let optimizers = ["adam", "sgd", "rmsprop"]
}
