import Foundation
import LinearAlgebra
import NeuralNet
import SearchSpace

/// Trains up to eight trial families side by side on NeuralNet's `TrainingGroup` (one family per SIMD lane) on
/// every fold, and turns each member's outcome into its `TrialRecord`, as `FamilyTraining` does for one family.
///
/// Every family here is one the engine accepts (`GroupTraining.routes`, a rule on the family's own configuration)
/// and all share `GroupTraining.key`. Each family's lane trains its largest member with checkpoints at every member's
/// epochs; a member's record is bitwise what training its family alone (a group of one) gives, whoever its
/// neighbours are, on any worker. A member is delivered as soon as its last fold reaches its checkpoint; a cancelled
/// group delivers nothing for members not yet finished.
struct GroupTraining {
    let families: [TrialFamily]
    let folds: [EvaluationFold]
    /// As `FamilyTraining.memoryShare`, checked per family (a family over it is refused, the others train).
    var memoryShare: (bytes: Int, explanation: String)? = nil

    /// Whether a trial trains on `TrainingGroup`: the engine's own rule on its architecture and training settings.
    static func routes(_ trial: TrialConfiguration) -> Bool {
        TrainingGroup.accepts(trial.architecture, trial.training)
    }

    /// Families with equal keys may share a group: the engine's compatibility and the same data (early stopping
    /// trains on the fold's early-stopping split, without it on the whole training part).
    static func key(_ family: TrialFamily) -> String {
        let trial = family.largest
        return TrainingGroup.compatibilityKey(trial.architecture, trial.training)
            + "|\(trial.training.earlyStopping == nil ? "all rows" : "early-stopping split")"
    }

    /// Runs the group. `deliver` is called once per finished member (from this thread); `shouldCancel` is polled
    /// once per epoch; `trainedModel` as in `FamilyTraining.run` (single fold, ok records); `onEpoch(family, fold,
    /// epoch)` after every epoch a family's lane completes.
    func run(shouldCancel: @escaping () -> Bool, trainedModel: ((TrialRecord, Autoencoder) -> Void)? = nil,
             onEpoch: ((Int, Int, Int) -> Void)? = nil, deliver: @escaping (TrialRecord) -> Void) {
        var lanes: [Int] = []  // indices into `families` that train
        for (g, family) in families.enumerated() {
            let single = FamilyTraining(family: family, folds: folds, memoryShare: memoryShare)
            if let refusal = single.memoryRefusal() {
                for member in family.members { deliver(single.record(member, failure: refusal)) }
            } else {
                lanes.append(g)
            }
        }
        guard !lanes.isEmpty else { return }
        let trained = lanes.map { families[$0] }
        let bookkeeping = trained.map { FamilyTraining(family: $0, folds: folds) }
        let epochCounts = trained.map { $0.members.map { $0.training.epochs } }
        var outcomes = trained.map { Array(repeating: [FamilyTraining.FoldOutcome](), count: $0.members.count) }
        var delivered = trained.map { Array(repeating: false, count: $0.members.count) }

        for (f, fold) in folds.enumerated() {
            let configurations = trained.map { family -> TrainingConfiguration in
                var configuration = family.largest.training
                configuration.seed = FamilyTraining.seed(configuration.seed, fold: f, of: folds.count)
                return configuration
            }
            let data = configurations[0].earlyStopping == nil
                ? (training: fold.training, validation: nil as Matrix?)
                : { let split = fold.earlyStoppingSplit(); return (training: split.training, validation: split.validation as Matrix?) }()
            let group: TrainingGroup
            do {
                group = try TrainingGroup(
                    models: zip(trained, configurations).map { Autoencoder(architecture: $0.largest.architecture, seed: $1.seed) },
                    configurations: configurations, training: data.training, validation: data.validation)
            } catch {
                for g in trained.indices {
                    for m in trained[g].members.indices where !delivered[g][m] {
                        delivered[g][m] = true
                        deliver(bookkeeping[g].record(trained[g].members[m], failure: "\(error)"))
                    }
                }
                return
            }
            let isLastFold = f == folds.count - 1
            let start = DispatchTime.now().uptimeNanoseconds
            var reached = trained.map { Array(repeating: false, count: $0.members.count) }
            let finals = group.fit(checkpoints: epochCounts, onCheckpoint: { g, epochs, result, model in
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                let members = trained[g].members
                for m in members.indices where epochCounts[g][m] == epochs && !reached[g][m] {
                    reached[g][m] = true
                    // A member whose count lies past a divergence is reported with the diverged result.
                    if case let .diverged(epoch, batch, reason) = result.outcome {
                        outcomes[g][m].append(.diverged(epoch: epoch, batch: batch, reason: reason, seconds: seconds))
                    } else {
                        outcomes[g][m].append(.scored(result: result, testMSE: model.meanSquaredError(fold.test),
                                                      seconds: seconds))
                    }
                    if isLastFold {
                        delivered[g][m] = true
                        let finished = bookkeeping[g].record(members[m], outcomes[g][m])
                        if folds.count == 1, finished.status == .ok { trainedModel?(finished, model) }
                        deliver(finished)
                    }
                }
            }, shouldCancel: shouldCancel, onEpoch: onEpoch.map { onEpoch in { g, epoch in onEpoch(lanes[g], f, epoch) } })
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            for (g, final) in finals.enumerated() {
                let members = trained[g].members
                switch final.outcome {
                case .cancelled:
                    continue
                case let .diverged(epoch, batch, reason):
                    for m in members.indices where !reached[g][m] {
                        reached[g][m] = true
                        outcomes[g][m].append(.diverged(epoch: epoch, batch: batch, reason: reason, seconds: seconds))
                    }
                case .completed, .stoppedEarly:
                    // The group reports every checkpoint; this only guards a member it did not report.
                    for m in members.indices where !reached[g][m] {
                        reached[g][m] = true
                        outcomes[g][m].append(.scored(result: final, testMSE: group.model(g).meanSquaredError(fold.test),
                                                      seconds: seconds))
                    }
                }
            }
            if finals.contains(where: { if case .cancelled = $0.outcome { return true }; return false }) { return }
            if isLastFold {
                for g in trained.indices {
                    for m in trained[g].members.indices where !delivered[g][m] {
                        delivered[g][m] = true
                        let finished = bookkeeping[g].record(trained[g].members[m], outcomes[g][m])
                        if folds.count == 1, finished.status == .ok { trainedModel?(finished, group.model(g)) }
                        deliver(finished)
                    }
                }
            }
        }
    }
}
