import LinearAlgebra

/// One epoch of training, as Keras's `History` records it.
public struct EpochRecord: Codable, Equatable, Sendable {
    /// 1-based epoch number.
    public var epoch: Int
    /// Keras's epoch loss: the batch-size-weighted mean of the batches' total losses (data loss + kernel penalty),
    /// each from the forward pass before that batch's update, accumulated in Float32 (`Σ n_b·L_b / Σ n_b`).
    public var loss: Float
    /// The loss on the validation set after the epoch (inference mode, batched like Keras's `evaluate`, penalty
    /// included), or nil without a validation set.
    public var validationLoss: Float?
    /// Wall-clock seconds of the epoch (training and validation). The only field that differs between runs.
    public var seconds: Double

    public init(epoch: Int, loss: Float, validationLoss: Float?, seconds: Double) {
        self.epoch = epoch
        self.loss = loss
        self.validationLoss = validationLoss
        self.seconds = seconds
    }
}

/// How a training run ended.
public enum TrainingOutcome: Equatable, Codable, Sendable {
    /// All configured epochs ran.
    case completed
    /// Early stopping ended the run after `epoch` (1-based) epochs.
    case stoppedEarly(epoch: Int)
    /// A loss or weight became NaN or infinite in `epoch` (1-based) at `batch` (1-based); `reason` says which.
    case diverged(epoch: Int, batch: Int, reason: String)
    /// `shouldCancel` returned true after `epoch` completed epochs.
    case cancelled(epoch: Int)
}

/// The result of `Trainer.fit`.
public struct TrainingResult: Sendable, Equatable {
    public var outcome: TrainingOutcome
    /// One record per completed epoch.
    public var history: [EpochRecord]
    /// With early stopping: the 1-based epoch with the best monitored loss (whose weights are restored when
    /// `restoreBestWeights` is set). Nil without early stopping or before the first epoch.
    public var bestEpoch: Int?
    /// Completed epochs.
    public var epochsRun: Int

    public init(outcome: TrainingOutcome, history: [EpochRecord], bestEpoch: Int?, epochsRun: Int) {
        self.outcome = outcome
        self.history = history
        self.bestEpoch = bestEpoch
        self.epochsRun = epochsRun
    }

    /// The last epoch's training loss, if any epoch completed.
    public var finalLoss: Float? { history.last?.loss }

    /// The same result with every epoch's `seconds` set to 0: what two identical runs agree on bit for bit.
    public var withoutTimings: TrainingResult {
        var copy = self
        for i in copy.history.indices { copy.history[i].seconds = 0 }
        return copy
    }
}
