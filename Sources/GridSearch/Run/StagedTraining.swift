import LinearAlgebra
import NeuralNet
import SearchSpace

/// One fold's training of one trial in stages (successive halving's rungs), on the engine the trial's own
/// configuration routes it to: `TrainingGroup` (a group of one) when `GroupTraining.routes` accepts it, else
/// `Trainer` with its `TrainingStage`. Either way a stage's result is bitwise what the plain search records for the
/// trial at that epoch count.
enum StagedTraining {
    case trainer(Trainer, TrainingStage)
    case group(TrainingGroup, epoch: Int)

    /// Prepares training of `trial` to `configuration.epochs` (the whole run, so later rungs can continue).
    init(trial: TrialConfiguration, configuration: TrainingConfiguration, training: Matrix, validation: Matrix?,
         threads: ThreadAllowance) throws {
        let model = Autoencoder(architecture: trial.architecture, seed: configuration.seed)
        if GroupTraining.routes(trial) {
            self = .group(try TrainingGroup(models: [model], configurations: [configuration], training: training,
                                            validation: validation), epoch: 0)
        } else {
            let trainer = try Trainer(model: model, configuration: configuration, training: training,
                                      validation: validation, threads: threads)
            self = .trainer(trainer, trainer.beginStages())
        }
    }

    /// Completed epochs.
    var epoch: Int {
        switch self {
        case let .trainer(_, stage): return stage.epoch
        case let .group(_, epoch): return epoch
        }
    }

    /// Trains on to `epochs` and returns what a separate run with `epochs` gives (`Trainer.advance`,
    /// `TrainingGroup.advance`), or nil when cancelled. `threads` is passed on to a `Trainer` at every epoch.
    mutating func advance(to epochs: Int, threads: ThreadAllowance,
                          shouldCancel: @escaping () -> Bool) -> (result: TrainingResult, model: Autoencoder)? {
        switch self {
        case .trainer(let trainer, var stage):
            let own = trainer.threads
            let advanced = trainer.advance(&stage, to: epochs, shouldCancel: {
                own.set(threads.threads)
                return shouldCancel()
            })
            self = .trainer(trainer, stage)
            return advanced
        case let .group(group, _):
            guard let advanced = group.advance(to: epochs, shouldCancel: shouldCancel)?.first else { return nil }
            self = .group(group, epoch: advanced.result.epochsRun)
            return advanced
        }
    }
}
