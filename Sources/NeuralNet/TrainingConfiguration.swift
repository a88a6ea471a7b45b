import LinearAlgebra

/// Keras 3 `EarlyStopping(monitor, patience, min_delta, restore_best_weights)` in `min` mode.
///
/// After each epoch, with `current` the monitored loss (validation loss when a validation set is given, else the
/// training loss) and `best` starting at +∞:
/// 1. if `restoreBestWeights` and no weights were saved yet, the current weights are saved (best epoch = this one);
/// 2. `wait += 1`;
/// 3. if `current + minDelta < best` (an improvement; NaN never improves): `best = current`, best epoch = this one,
///    the weights are saved (with `restoreBestWeights`), `wait = 0`, and training goes on;
/// 4. otherwise, if `wait ≥ patience` and this is not the first epoch, training stops after this epoch.
///
/// At the end of training (stopped early or not: Keras 3 restores whenever it saved weights), the saved weights are
/// restored when `restoreBestWeights` is set. As in Keras, `current + minDelta` is summed in Double (`minDelta` read
/// as the decimal it was written as, e.g. 0.001), rounded to Float32 and compared with the Float32 `best`.
public struct EarlyStopping: Equatable, Codable, Sendable {
    public var patience: Int
    public var minDelta: Float
    public var restoreBestWeights: Bool

    public init(patience: Int, minDelta: Float = 0, restoreBestWeights: Bool = true) {
        self.patience = patience
        self.minDelta = minDelta
        self.restoreBestWeights = restoreBestWeights
    }

    enum CodingKeys: String, CodingKey {
        case patience, minDelta = "min_delta", restoreBestWeights = "restore_best_weights"
    }
}

/// Everything that decides how a model trains, besides its initial weights and the data.
public struct TrainingConfiguration: Equatable, Codable, Sendable {
    public var loss: Loss
    public var optimizer: OptimizerConfiguration
    /// Rows per mini-batch; the last batch of an epoch holds the remainder (never dropped or padded).
    public var batchSize: Int
    public var epochs: Int
    /// Kernel penalties (`l1·Σ|W| + l2·ΣW²` per kernel, biases exempt), added once per batch.
    public var l1: Float
    public var l2: Float
    /// Dropout rate after every hidden layer (the bottleneck included), inverted (kept values scaled by
    /// 1/(1 − rate)), training only. In [0, 1).
    public var dropout: Float
    /// Standard deviation of Gaussian noise added to the inputs during training (denoising autoencoder); the
    /// targets stay clean. 0 disables it.
    public var noiseStandardDeviation: Float
    /// Reshuffle the training rows before every epoch (from `seed`); false keeps the stored order, like Keras
    /// `fit(shuffle=False)`.
    public var shuffle: Bool
    /// Shuffling, dropout masks and input noise draw from generators derived from this seed (initial weights come
    /// from `Autoencoder(architecture:seed:)`).
    public var seed: UInt64
    /// Monitors the validation loss (the training loss when there is no validation set).
    public var earlyStopping: EarlyStopping?

    public init(loss: Loss = .mse, optimizer: OptimizerConfiguration, batchSize: Int = 32, epochs: Int,
                l1: Float = 0, l2: Float = 0, dropout: Float = 0, noiseStandardDeviation: Float = 0,
                shuffle: Bool = true, seed: UInt64, earlyStopping: EarlyStopping? = nil) {
        self.loss = loss
        self.optimizer = optimizer
        self.batchSize = batchSize
        self.epochs = epochs
        self.l1 = l1
        self.l2 = l2
        self.dropout = dropout
        self.noiseStandardDeviation = noiseStandardDeviation
        self.shuffle = shuffle
        self.seed = seed
        self.earlyStopping = earlyStopping
    }

    /// The kernel regulariser these settings describe.
    public var regularization: Regularization { Regularization(l1: l1, l2: l2) }

    /// Checks every setting's range; throws `TrainingError.invalidSetting` naming the setting, its value and the rule.
    public func validate() throws {
        func bad(_ name: String, _ value: String, _ rule: String) -> TrainingError {
            .invalidSetting(name: name, value: value, rule: rule)
        }
        guard batchSize >= 1 else { throw bad("batch_size", "\(batchSize)", "must be at least 1") }
        guard epochs >= 0 else { throw bad("epochs", "\(epochs)", "must be at least 0") }
        let lr = optimizer.learningRate
        guard lr.isFinite, lr > 0 else { throw bad("learning_rate", "\(lr)", "must be a positive finite number") }
        switch optimizer {
        case .adam(_, let b1, let b2, let eps):
            guard b1 >= 0, b1 < 1 else { throw bad("beta_1", "\(b1)", "must be in [0, 1)") }
            guard b2 >= 0, b2 < 1 else { throw bad("beta_2", "\(b2)", "must be in [0, 1)") }
            guard eps.isFinite, eps > 0 else { throw bad("epsilon", "\(eps)", "must be a positive finite number") }
        case .sgd(_, let momentum, _):
            guard momentum >= 0, momentum < 1 else { throw bad("momentum", "\(momentum)", "must be in [0, 1)") }
        case .rmsprop(_, let rho, let momentum, let eps):
            guard rho >= 0, rho < 1 else { throw bad("rho", "\(rho)", "must be in [0, 1)") }
            guard momentum >= 0, momentum < 1 else { throw bad("momentum", "\(momentum)", "must be in [0, 1)") }
            guard eps.isFinite, eps > 0 else { throw bad("epsilon", "\(eps)", "must be a positive finite number") }
        }
        guard l1.isFinite, l1 >= 0 else { throw bad("l1", "\(l1)", "must be a finite number ≥ 0") }
        guard l2.isFinite, l2 >= 0 else { throw bad("l2", "\(l2)", "must be a finite number ≥ 0") }
        guard dropout >= 0, dropout < 1 else { throw bad("dropout", "\(dropout)", "must be in [0, 1)") }
        guard noiseStandardDeviation.isFinite, noiseStandardDeviation >= 0 else {
            throw bad("noise_std", "\(noiseStandardDeviation)", "must be a finite number ≥ 0")
        }
        if let es = earlyStopping {
            guard es.patience >= 0 else { throw bad("patience", "\(es.patience)", "must be at least 0") }
            guard es.minDelta.isFinite, es.minDelta >= 0 else {
                throw bad("min_delta", "\(es.minDelta)", "must be a finite number ≥ 0")
            }
        }
    }
}

/// Errors setting up training.
public enum TrainingError: Error, Equatable, CustomStringConvertible {
    case invalidSetting(name: String, value: String, rule: String)
    case dataShape(what: String, rows: Int, columns: Int, expectedColumns: Int)
    case emptyTrainingSet

    public var description: String {
        switch self {
        case .invalidSetting(let name, let value, let rule): return "\(name) = \(value): \(rule)"
        case .dataShape(let what, let rows, let columns, let expected):
            return "\(what) data is \(rows)×\(columns) but the model's input size is \(expected) columns"
        case .emptyTrainingSet: return "the training set has no rows"
        }
    }
}
