import Foundation
import LinearAlgebra
import NeuralNet
import SearchSpace

/// Trains one trial family on every fold and turns each member's outcome into its `TrialRecord`.
///
/// A family the grouped engine accepts (`GroupTraining.routes`) is handed to `GroupTraining` as a group of one, so it
/// gives the same bits as in any group; the others train on `Trainer`, as described here.
///
/// The family is trained once per fold, to its largest epoch count, with `Trainer.fit(checkpoints:)` stopping by at
/// every member's count; a member's result is what a separate run with its `epochs` would give, bitwise. A member's
/// record is handed to `deliver` as soon as its last fold reaches its checkpoint, so short members are on disk
/// before the long one finishes. A cancelled family delivers nothing for members not yet finished (they rerun on
/// resume). Nothing here depends on which worker runs it or when.
struct FamilyTraining {
    let family: TrialFamily
    let folds: [EvaluationFold]
    /// The bytes one trainer may allocate and how that share was reached (for the message); nil: no limit.
    var memoryShare: (bytes: Int, explanation: String)? = nil

    /// The seed of fold `f`: the trial's own seed for a single split, one derived per fold for cross-validation.
    static func seed(_ trialSeed: UInt64, fold: Int, of folds: Int) -> UInt64 {
        folds == 1 ? trialSeed : SeededGenerator.deriveSeed(trialSeed, UInt64(fold))
    }

    /// What one fold gave one member (also successive halving's, per rung: `HalvingTraining`).
    enum FoldOutcome {
        case scored(result: TrainingResult, testMSE: Double, seconds: Double)
        case diverged(epoch: Int, batch: Int, reason: String, seconds: Double)
    }

    /// Runs the family, its trainer's large products on up to `threads` threads (the runner raises it when cores
    /// free up; the results are the same bits). `deliver` is called once per finished member (from this thread);
    /// `shouldCancel` is polled once per epoch. With a single fold, `trainedModel` (when given) is called just
    /// before `deliver` with the member's record and its trained weights (the callee copies what it keeps): the search
    /// keeps the best trial's so `best.safetensors` need not be trained again. `onEpoch(fold, epoch)` (0-based fold,
    /// 1-based epoch) is called after every epoch the trainer finishes, for progress.
    func run(threads: ThreadAllowance = ThreadAllowance(), shouldCancel: @escaping () -> Bool,
             trainedModel: ((TrialRecord, Autoencoder) -> Void)? = nil, onEpoch: ((Int, Int) -> Void)? = nil,
             deliver: @escaping (TrialRecord) -> Void) {
        if GroupTraining.routes(family.largest) {
            // A small model trains on TrainingGroup, alone here as in any group: the same bits either way.
            GroupTraining(families: [family], folds: folds, memoryShare: memoryShare).run(
                shouldCancel: shouldCancel, trainedModel: trainedModel,
                onEpoch: onEpoch.map { onEpoch in { _, fold, epoch in onEpoch(fold, epoch) } }, deliver: deliver)
            return
        }
        let members = family.members
        let epochCounts = members.map { $0.training.epochs }
        var outcomes = Array(repeating: [FoldOutcome](), count: members.count)
        var delivered = Array(repeating: false, count: members.count)
        if let refusal = memoryRefusal() {
            for member in members { deliver(record(member, failure: refusal)) }
            return
        }

        for (f, fold) in folds.enumerated() {
            var configuration = family.largest.training
            configuration.seed = Self.seed(configuration.seed, fold: f, of: folds.count)
            let data = configuration.earlyStopping == nil
                ? (training: fold.training, validation: nil as Matrix?)
                : { let split = fold.earlyStoppingSplit(); return (training: split.training, validation: split.validation as Matrix?) }()
            let model = Autoencoder(architecture: family.largest.architecture, seed: configuration.seed)
            let trainer: Trainer
            do {
                trainer = try Trainer(model: model, configuration: configuration, training: data.training,
                                      validation: data.validation, threads: threads)
            } catch {
                for m in members.indices where !delivered[m] {
                    delivered[m] = true
                    deliver(record(members[m], failure: "\(error)"))
                }
                return
            }
            let isLastFold = f == folds.count - 1
            let start = DispatchTime.now().uptimeNanoseconds
            var reached = Array(repeating: false, count: members.count)
            let final = trainer.fit(checkpoints: epochCounts, onCheckpoint: { epochs, result, model in
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                for m in members.indices where epochCounts[m] == epochs && !reached[m] {
                    reached[m] = true
                    // A member whose count lies past a divergence is reported with the diverged result.
                    if case let .diverged(epoch, batch, reason) = result.outcome {
                        outcomes[m].append(.diverged(epoch: epoch, batch: batch, reason: reason, seconds: seconds))
                    } else {
                        outcomes[m].append(.scored(result: result, testMSE: model.meanSquaredError(fold.test),
                                                   seconds: seconds))
                    }
                    if isLastFold {
                        delivered[m] = true
                        let finished = record(members[m], outcomes[m])
                        if folds.count == 1, finished.status == .ok { trainedModel?(finished, model) }
                        deliver(finished)
                    }
                }
            }, shouldCancel: shouldCancel, onEpoch: onEpoch.map { onEpoch in { onEpoch(f, $0) } })
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9

            switch final.outcome {
            case .cancelled:
                return
            case let .diverged(epoch, batch, reason):
                for m in members.indices where !reached[m] {
                    reached[m] = true
                    outcomes[m].append(.diverged(epoch: epoch, batch: batch, reason: reason, seconds: seconds))
                }
            case .completed, .stoppedEarly:
                // The trainer reports every checkpoint, also those past an early stop or a divergence; this only
                // guards a member it did not report, from the final state (which a separate run would share).
                for m in members.indices where !reached[m] {
                    reached[m] = true
                    outcomes[m].append(.scored(result: final, testMSE: trainer.model.meanSquaredError(fold.test),
                                               seconds: seconds))
                }
            }
            if isLastFold {
                for m in members.indices where !delivered[m] {
                    delivered[m] = true
                    let finished = record(members[m], outcomes[m])
                    if folds.count == 1, finished.status == .ok { trainedModel?(finished, trainer.model) }
                    deliver(finished)
                }
            }
        }
    }

    /// How a memory refusal's reason begins: `FailedTrialRetry` finds such records by it.
    static let memoryRefusalPrefix = "not trained: its network"

    /// Why the family cannot be trained within `memoryShare`, or nil when it fits (checked before anything is
    /// allocated, on the largest fold).
    func memoryRefusal() -> String? {
        guard let share = memoryShare else { return nil }
        let rows = folds.map(\.training.rows).max() ?? 0
        let needed = family.largest.estimatedTrainingBytes(trainingRows: rows)
        if let needed, needed <= share.bytes { return nil }
        let size = needed.map { "about \(MemoryBudget.format($0))" } ?? "more bytes than a 64-bit integer counts"
        return "\(Self.memoryRefusalPrefix) \(family.largest.layerSizes.map(String.init).joined(separator: "→")) at "
            + "batch size \(family.largest.settings.batchSize) needs \(size) (weights, gradients, optimizer state, "
            + "activations and workspaces), over its share of the memory budget: \(share.explanation). Use smaller "
            + "layers or batches, fewer --jobs, or a larger --max-memory"
    }

    func record(_ trial: TrialConfiguration, failure: String) -> TrialRecord {
        TrialRecord(trial: trial, status: .failed, reason: failure, epochsRun: 0, fitSeconds: 0)
    }

    /// The record of `trial` from its per-fold outcomes (one fold: the plain test score; several: the mean and the
    /// population standard deviation of the fold scores, and the history averaged epoch by epoch).
    func record(_ trial: TrialConfiguration, _ outcomes: [FoldOutcome]) -> TrialRecord {
        let crossValidated = folds.count > 1
        var record = TrialRecord(trial: trial, status: .ok, epochsRun: 0, fitSeconds: 0)
        var scores: [Double] = [], seconds: [Double] = [], trainLosses: [Double] = []
        var histories: [[EpochRecord]] = []
        for (f, outcome) in outcomes.enumerated() {
            switch outcome {
            case let .diverged(epoch, batch, reason, s):
                if record.status == .ok {
                    record.status = .diverged
                    record.reason = (crossValidated ? "fold \(f): " : "") + "epoch \(epoch), batch \(batch): \(reason)"
                }
                record.epochsRun = max(record.epochsRun, epoch)
                seconds.append(s)
            case let .scored(result, testMSE, s):
                record.epochsRun = max(record.epochsRun, result.epochsRun)
                if f == 0 { record.bestEpoch = result.bestEpoch }
                seconds.append(s)
                histories.append(result.history)
                if let loss = Self.finalLoss(result, restoresBest: trial.training.earlyStopping?.restoreBestWeights ?? false) {
                    trainLosses.append(loss)
                }
                if testMSE.isFinite {
                    scores.append(testMSE)
                } else if record.status == .ok {
                    record.status = .diverged
                    record.reason = (crossValidated ? "fold \(f): " : "") + "the test reconstruction error is \(testMSE)"
                }
            }
        }
        record.fitSeconds = seconds.isEmpty ? 0 : seconds.reduce(0, +) / Double(seconds.count)
        record.history = Self.averageHistory(histories)
        if !trainLosses.isEmpty { record.trainLoss = trainLosses.reduce(0, +) / Double(trainLosses.count) }
        guard record.status == .ok else { return record }
        if crossValidated {
            let mean = scores.reduce(0, +) / Double(scores.count)
            record.testScore = mean
            record.foldScores = scores
            record.foldFitSeconds = seconds
            record.testScoreStd = (scores.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(scores.count)).squareRoot()
        } else {
            record.testScore = scores.first
        }
        return record
    }

    /// The training loss of the weights the trial ends with: the best epoch's when early stopping restores it.
    static func finalLoss(_ result: TrainingResult, restoresBest: Bool) -> Double? {
        if restoresBest, let best = result.bestEpoch, let epoch = result.history.first(where: { $0.epoch == best }) {
            return Double(epoch.loss)
        }
        return result.history.last.map { Double($0.loss) }
    }

    /// Epoch-by-epoch mean over folds (folds that stopped early contribute only the epochs they ran).
    static func averageHistory(_ histories: [[EpochRecord]]) -> [TrialRecord.Epoch] {
        let longest = histories.map(\.count).max() ?? 0
        return (0 ..< longest).map { e in
            let rows = histories.compactMap { e < $0.count ? $0[e] : nil }
            let n = Double(rows.count)
            let validation = rows.compactMap(\.validationLoss)
            return TrialRecord.Epoch(
                epoch: e + 1,
                loss: rows.map { Double($0.loss) }.reduce(0, +) / n,
                validationLoss: validation.count == rows.count ? validation.map(Double.init).reduce(0, +) / n : nil,
                seconds: rows.map(\.seconds).reduce(0, +) / n)
        }
    }
}
