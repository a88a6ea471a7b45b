import LinearAlgebra

/// Trains up to eight small autoencoders side by side in one pass, one per SIMD lane (`LaneKernels`): the members
/// share the architecture, loss, optimiser kind, batch size and data, and each keeps its own weights, seed, shuffle
/// order, optimiser state, hyperparameters (learning rate, betas, momentum, L1/L2), epochs and early stopping.
///
/// **A member's results do not depend on the group.** Each lane's arithmetic is a fixed sequence of lane-wise
/// operations on that lane's values: a trial trained alone (a group of one, on `SoloKernels`' plain path, which
/// performs the same operations per element) and in any group, at any position, gives the same bits, on either
/// build (no GEMM backend is involved). The engine is not
/// bitwise `Trainer` (its sums run in another order), so a search trains **every** trial it accepts
/// (`accepts(_:_:)`, a rule on the trial's own configuration) through it, alone or grouped.
///
/// Keras's numerics otherwise as `Trainer`: mini-batches in each member's own shuffled order (the same generator
/// streams), the epoch loss as the row-weighted mean of the batch losses, validation loss in inference mode,
/// early stopping and restored best weights, divergence on a non-finite loss or weight. A member that ends (its
/// epochs done, stopped early, diverged) keeps its final state; its lane goes on computing, unread, while the others
/// continue. Everything is allocated in `init` (`LaneWorkspace`, the optimiser slots): a step allocates nothing.
public final class TrainingGroup {
    /// The most members a group holds.
    public static let capacity = LaneKernels.width
    /// The widest layer (inputs included) the engine accepts.
    public static let maximumWidth = 64
    /// The most multiply-adds per sample (`Architecture.multiplyAddsPerSample`) the engine accepts.
    public static let maximumMultiplyAdds = 4096
    /// The largest batch the engine accepts.
    public static let maximumBatchSize = 1024

    /// Whether a trial with this architecture and configuration trains on this engine: a small dense model (every
    /// width ≤ `maximumWidth`, ≤ `maximumMultiplyAdds` multiply-adds per sample, batch ≤ `maximumBatchSize`) without
    /// dropout or input noise. A rule on the trial alone, never on its neighbours.
    public static func accepts(_ architecture: Architecture, _ configuration: TrainingConfiguration) -> Bool {
        configuration.dropout == 0 && configuration.noiseStandardDeviation == 0
            && configuration.batchSize <= maximumBatchSize
            && (architecture.layerSizes.max() ?? 0) <= maximumWidth
            && architecture.multiplyAddsPerSample <= maximumMultiplyAdds
    }

    /// An upper bound, in bytes, of what training one trial on this engine allocates with `trainingRows` rows (a
    /// group of any size allocates the same: every buffer has eight lanes): the lane workspace (`LaneWorkspace`,
    /// counted as it allocates), the optimiser slots, the model passed in, the trained model returned and the copy a
    /// search keeps as its best. Early stopping's validation rows are a split of the training rows, so the batch
    /// buffers counted at `min(batchSize, trainingRows)` rows bound them. Nil for a trial the engine does not train
    /// (`accepts`) or when the row orders overflow `Int`.
    public static func estimatedBytes(_ architecture: Architecture, _ configuration: TrainingConfiguration,
                                      trainingRows: Int) -> Int? {
        guard accepts(architecture, configuration) else { return nil }
        let parameters = architecture.parameterCount
        let rows = max(1, min(configuration.batchSize, trainingRows))
        guard let workspace = LaneWorkspace.byteCount(
            layers: architecture.layers, rows: rows, inputSize: architecture.inputSize, parameterCount: parameters,
            trainingRows: trainingRows, bestWeights: configuration.earlyStopping?.restoreBestWeights == true) else { return nil }
        let slots = LaneOptimizer.slotFloats(LaneOptimizer.Kind(configuration.optimizer), count: parameters)
        let (total, overflow) = workspace.addingReportingOverflow((slots + 3 * parameters) * MemoryLayout<Float>.stride)
        return overflow ? nil : total
    }

    /// What one step of the lane path costs in steps of one trial on the solo path, for a model of this size: a
    /// pass over eight lanes does eight trials' work in only about four to five solo steps' time, so a group is
    /// worth forming only with more members than that. The planner (`TrialPlan`) weighs a group against its members
    /// alone with it; results never depend on the choice. Thread CPU time, batch 32, shuffled, Adam, Zen 3
    /// (`aegrid-bench lanes`, 2026-12-02): 3.5–4.3 at 40–120 multiply-adds per sample, 4.7–5.5 at 224–576,
    /// 5.2–6.3 at 1216–2048. Where it errs, it errs by a member either way. Other CPUs differ by up to half, so
    /// for a key with much work the planner measures instead (`LaneCostProbe`).
    public static func laneStepCost(_ architecture: Architecture) -> Double {
        let multiplyAdds = architecture.multiplyAddsPerSample
        return multiplyAdds <= 128 ? 4.25 : (multiplyAdds <= 1024 ? 5.0 : 5.75)
    }

    /// What members of one group must share besides the data: equal keys may train together.
    ///
    /// Joined from strings rather than interpolated arrays and enums: `"\([Int])"` prints each element through a
    /// dynamic cast, and an enum without a description through reflection, which the planner paid for every trial
    /// (and, on first use, as scans of every protocol conformance in the binary).
    public static func compatibilityKey(_ architecture: Architecture, _ configuration: TrainingConfiguration) -> String {
        let sizes = architecture.layerSizes.map(String.init).joined(separator: ",")
        let activations = (0 ..< architecture.layerCount).map { architecture.activation(ofLayer: $0).rawValue }
        return sizes + "|" + activations.joined(separator: ",") + "|" + configuration.loss.rawValue
            + "|" + String(configuration.batchSize) + "|" + LaneOptimizer.Kind(configuration.optimizer).rawValue
    }

    /// The members' configurations, in member order.
    public let configurations: [TrainingConfiguration]
    public let architecture: Architecture
    /// The number of members (1 ... `capacity`); lanes past it are padding.
    public var count: Int { configurations.count }

    private let training: Matrix
    private let validation: Matrix?
    private let layers: [DenseLayer]
    private let loss: Loss
    private let batchSize: Int
    private let inputSize: Int
    private let parameterCount: Int
    private let workspace: LaneWorkspace
    private let optimizer: LaneOptimizer
    private var shuffleGenerators: [SeededGenerator]
    private let shuffles: [Bool]
    private let l1: Float8, l2: Float8, twoL2: Float8
    /// Whether any lane has an L1 or L2 penalty. Without one, the penalty and its gradient are skipped (as in
    /// Keras, where the kernels then have no penalty term): the gradient would only gain 0·sign(w) + 0·w, which at
    /// most turns a −0 gradient into +0, and the optimisers give a nonzero weight the same bits for either zero (a
    /// kernel never holds −0: Glorot-uniform draws and `w − Δ` never produce it). So a trial has the same bits in a
    /// group whose other lanes are penalised as alone.
    private let penalized: Bool
    /// Whether this group runs `SoloKernels` on plain buffers (a group of one) rather than `LaneKernels` on
    /// interleaved ones: the same bits either way (see `SoloKernels`), a step about eight times less work.
    let solo: Bool

    /// Which kernels a group runs: by its member count, or (for tests) one path forced.
    enum Path { case automatic, lanes, solo }
    private var stages: [Stage]

    /// One member's progress: epochs done, history, early stopping, how it ended, its final weights.
    private struct Stage {
        var epoch = 0
        var history: [EpochRecord] = []
        var stopper: EarlyStoppingState?
        var ended: TrainingOutcome?
        /// The weights at the end (best ones restored), once ended or done.
        var final: Autoencoder?
    }

    /// Prepares training of copies of `models` (one per member, all of one architecture) with `configurations`, on
    /// shared `training` rows and an optional `validation` set. Throws `TrainingError` for an invalid configuration,
    /// data of the wrong width, or members that cannot share a group (the rule they break is named).
    public convenience init(models: [Autoencoder], configurations: [TrainingConfiguration], training: Matrix,
                            validation: Matrix? = nil) throws {
        try self.init(models: models, configurations: configurations, training: training, validation: validation,
                      path: .automatic)
    }

    /// As the public `init`, with the kernels chosen by `path`: `.automatic` runs a group of one on `SoloKernels`
    /// and larger groups on `LaneKernels`; `.solo` requires a single member.
    init(models: [Autoencoder], configurations: [TrainingConfiguration], training: Matrix, validation: Matrix?,
         path: Path) throws {
        guard !models.isEmpty, models.count == configurations.count, models.count <= Self.capacity else {
            throw TrainingError.invalidSetting(name: "group size", value: "\(models.count) models, \(configurations.count) configurations",
                                               rule: "must be 1...\(Self.capacity), one configuration per model")
        }
        let architecture = models[0].architecture
        for (model, configuration) in zip(models, configurations) {
            try configuration.validate()
            guard Self.accepts(model.architecture, configuration) else {
                throw TrainingError.invalidSetting(name: "group member", value: model.architecture.summary,
                                                   rule: "must be a small model without dropout or noise (TrainingGroup.accepts)")
            }
            guard Self.compatibilityKey(model.architecture, configuration)
                    == Self.compatibilityKey(architecture, configurations[0]) else {
                throw TrainingError.invalidSetting(name: "group member", value: model.architecture.summary,
                                                   rule: "must share the architecture, loss, batch size and optimiser kind")
            }
        }
        let d = architecture.inputSize
        guard training.rows > 0 else { throw TrainingError.emptyTrainingSet }
        guard training.columns == d else {
            throw TrainingError.dataShape(what: "training", rows: training.rows, columns: training.columns, expectedColumns: d)
        }
        if let v = validation, v.columns != d {
            throw TrainingError.dataShape(what: "validation", rows: v.rows, columns: v.columns, expectedColumns: d)
        }
        precondition(path != .solo || models.count == 1, "TrainingGroup: the solo path trains one member")
        solo = path == .solo || (path == .automatic && models.count == 1)
        self.configurations = configurations
        self.architecture = architecture
        self.training = training
        self.validation = (validation?.rows ?? 0) > 0 ? validation : nil
        layers = architecture.layers
        loss = configurations[0].loss
        batchSize = configurations[0].batchSize
        inputSize = d
        parameterCount = architecture.parameterCount
        let rows = min(batchSize, max(training.rows, validation?.rows ?? 0))
        let restores = configurations.contains { $0.earlyStopping?.restoreBestWeights == true }
        workspace = LaneWorkspace(layers: layers, rows: rows, inputSize: d, parameterCount: parameterCount,
                                  trainingRows: training.rows, bestWeights: restores)
        // Padding lanes repeat member 0: valid values whose results are never read.
        let lanes = (0 ..< Self.capacity).map { min($0, models.count - 1) }
        optimizer = LaneOptimizer(configurations: lanes.map { configurations[$0].optimizer }, count: parameterCount,
                                  members: models.count)
        shuffleGenerators = lanes.map {
            SeededGenerator(seed: SeededGenerator.deriveSeed(configurations[$0].seed, Trainer.shuffleStream))
        }
        shuffles = lanes.map { configurations[$0].shuffle }
        var l1 = Float8(), l2 = Float8()
        for (j, m) in lanes.enumerated() { l1[j] = configurations[m].l1; l2[j] = configurations[m].l2 }
        (self.l1, self.l2, twoL2) = (l1, l2, 2 * l2)
        penalized = any(l1 .!= 0) || any(l2 .!= 0)
        stages = configurations.map { Stage(stopper: $0.earlyStopping.map { EarlyStoppingState(settings: $0) }) }
        // `storage` is a raw pointer into each model: the models must outlive the copy (an initialiser owns its
        // arguments and may release them after their last use).
        withExtendedLifetime(models) {
            if solo {
                workspace.parameters.update(from: models[0].storage, count: parameterCount)
            } else {
                for (j, m) in lanes.enumerated() {
                    let source = models[m].storage
                    for k in 0 ..< parameterCount { workspace.parameters[k * 8 + j] = source[k] }
                }
            }
        }
    }

    /// Bytes the group allocated in `init`, as counted at each allocation: the workspace and the optimiser slots
    /// (what `estimatedBytes` bounds, less the models outside the group).
    var allocatedBytes: Int { workspace.allocatedBytes + optimizer.allocatedBytes }

    // MARK: - Training

    /// Trains every member to its `configuration.epochs` (or early stop / divergence / cancel) and returns each
    /// member's result, as `Trainer.fit` does for one: `checkpoints[m]` are member m's epoch counts at which
    /// `onCheckpoint(m, E, result, model)` reports exactly what a run with `epochs = E` would give (see `Trainer.fit`).
    /// After `fit`, `model(m)` holds member m's final weights. `shouldCancel` is polled before every epoch; after a
    /// cancel, unfinished members report `.cancelled` and no pending checkpoint. `onEpoch(m, epoch)` follows each
    /// epoch member m completes.
    public func fit(checkpoints: [[Int]] = [], onCheckpoint: ((Int, Int, TrainingResult, Autoencoder) -> Void)? = nil,
                    shouldCancel: (() -> Bool)? = nil, onEpoch: ((Int, Int) -> Void)? = nil) -> [TrainingResult] {
        var pending = (0 ..< count).map { m -> ArraySlice<Int> in
            let list = m < checkpoints.count ? checkpoints[m] : []
            for e in list {
                precondition(e >= 1 && e <= configurations[m].epochs,
                             "TrainingGroup.fit: checkpoint \(e) outside 1...\(configurations[m].epochs) (member \(m)'s epochs)")
            }
            return Array(Set(list)).sorted()[...]
        }
        let targets = configurations.map(\.epochs)
        // A member's checkpoints at or past its end are reported as soon as it ends (as a separate run of that
        // member would end there), so members that finish before a cancel are complete.
        let reportEnd = { (m: Int) in
            guard let onCheckpoint, let final = self.stages[m].final else { return }
            let result = self.result(m, outcome: self.stages[m].ended ?? .completed)
            for e in pending[m] { onCheckpoint(m, e, result, Autoencoder(copying: final)) }
            pending[m] = []
        }
        for m in 0 ..< count where targets[m] == 0 {
            stages[m].final = snapshot(m)
        }
        let cancelled = run(until: targets, shouldCancel: shouldCancel, onEpoch: onEpoch, onEpochEnd: { m, epoch in
            guard self.stages[m].ended == nil, epoch < targets[m], pending[m].first == epoch, let onCheckpoint else { return }
            pending[m].removeFirst()
            onCheckpoint(m, epoch, self.result(m, outcome: .completed), self.snapshot(m))
        }, onEnded: reportEnd)
        return (0 ..< count).map { m in
            guard stages[m].final != nil else {
                // Cancelled before its end: the live weights (best restored), no pending checkpoints.
                precondition(cancelled)
                stages[m].final = snapshot(m)
                return result(m, outcome: .cancelled(epoch: stages[m].epoch))
            }
            return result(m, outcome: stages[m].ended ?? .completed)
        }
    }

    /// Member m's final weights after `fit` (a copy).
    public func model(_ m: Int) -> Autoencoder {
        Autoencoder(copying: stages[m].final ?? snapshot(m))
    }

    /// Trains every member still going from its current epoch to `epochs` (≤ each member's configured epochs; all
    /// members stand at the same epoch) and returns what `Trainer.advance` returns for each: exactly what a separate
    /// run with `epochs` gives. Nil when `shouldCancel` says so (the group stays consistent).
    public func advance(to epochs: Int, shouldCancel: (() -> Bool)? = nil) -> [(result: TrainingResult, model: Autoencoder)]? {
        for m in 0 ..< count {
            precondition(epochs >= stages[m].epoch && epochs <= configurations[m].epochs,
                         "TrainingGroup.advance: \(epochs) epochs outside \(stages[m].epoch)...\(configurations[m].epochs)")
        }
        let cancelled = run(until: Array(repeating: epochs, count: count), shouldCancel: shouldCancel, onEpoch: nil,
                            onEpochEnd: { _, _ in }, onEnded: { _ in })
        if cancelled { return nil }
        return (0 ..< count).map { m in
            let model = stages[m].ended != nil ? Autoencoder(copying: stages[m].final!) : snapshot(m)
            return (result(m, outcome: stages[m].ended ?? .completed), model)
        }
    }

    /// Member m's result so far with `outcome`.
    private func result(_ m: Int, outcome: TrainingOutcome) -> TrainingResult {
        TrainingResult(outcome: outcome, history: stages[m].history, bestEpoch: stages[m].stopper?.bestEpoch,
                       epochsRun: stages[m].history.count)
    }

    /// A copy of member m's live weights, or its saved best weights when early stopping holds them.
    private func snapshot(_ m: Int) -> Autoencoder {
        let values: [Float]
        if let stopper = stages[m].stopper, stopper.hasSavedWeights {
            values = Array(UnsafeBufferPointer(start: workspace.bestWeights + m * parameterCount, count: parameterCount))
        } else {
            extract(m)
            values = Array(UnsafeBufferPointer(start: workspace.laneParameters, count: parameterCount))
        }
        return try! Autoencoder(architecture: architecture, parameters: values)
    }

    /// Copies lane m's live parameters into `workspace.laneParameters` (plain flat layout).
    private func extract(_ m: Int) {
        let p = workspace.parameters, out = workspace.laneParameters
        if solo {
            out.update(from: p, count: parameterCount)
        } else {
            for k in 0 ..< parameterCount { out[k] = p[k * 8 + m] }
        }
    }

    /// The epoch loop shared by `fit` and `advance`: every member not ended trains epoch after epoch until it reaches
    /// `targets[m]`, all in lock step. `onEpochEnd(m, epoch)` follows each member's completed epoch (after early
    /// stopping's check); `onEnded(m)` follows the moment member m ends for good (its configured epochs done,
    /// stopped early or diverged), once its final weights are kept. Returns true when cancelled.
    private func run(until targets: [Int], shouldCancel: (() -> Bool)?, onEpoch: ((Int, Int) -> Void)?,
                     onEpochEnd: (Int, Int) -> Void, onEnded: (Int) -> Void) -> Bool {
        training.elements.withUnsafeBufferPointer { trainBuffer in
            (validation?.elements ?? []).withUnsafeBufferPointer { validationBuffer in
                let x = trainBuffer.baseAddress!
                var active = [Bool](repeating: false, count: Self.capacity)
                while true {
                    var any = false
                    for m in 0 ..< count {
                        active[m] = stages[m].ended == nil && stages[m].epoch < targets[m]
                        any = any || active[m]
                    }
                    if !any { return false }
                    if let shouldCancel, shouldCancel() { return true }
                    let clock = TrainingClock()
                    // The epoch's arithmetic as Keras's, denormals flushed (`FloatingPointMode`); the bookkeeping and
                    // the callers' hooks below run in the caller's mode.
                    let (epochLoss, validationLoss) = FloatingPointMode.flushingDenormals {
                        (trainEpoch(x, active: active),
                         validation.map { evaluate(validationBuffer.baseAddress!, rows: $0.rows) })
                    }
                    let seconds = clock.elapsedSeconds
                    for m in 0 ..< count where active[m] && stages[m].ended != nil { onEnded(m) }
                    for m in 0 ..< count where active[m] && stages[m].ended == nil {
                        let epoch = stages[m].epoch + 1
                        stages[m].history.append(EpochRecord(epoch: epoch, loss: epochLoss[m],
                                                             validationLoss: validationLoss?[m], seconds: seconds))
                        stages[m].epoch = epoch
                        onEpoch?(m, epoch)
                        if stages[m].stopper != nil {
                            extract(m)
                            if stages[m].stopper!.update(epoch: epoch, monitored: validationLoss?[m] ?? epochLoss[m],
                                                         weights: workspace.laneParameters,
                                                         saved: workspace.bestWeights + m * parameterCount,
                                                         count: parameterCount) {
                                stages[m].ended = .stoppedEarly(epoch: epoch)
                                stages[m].final = snapshot(m)
                            }
                        }
                        if stages[m].ended == nil && epoch == configurations[m].epochs { stages[m].final = snapshot(m) }
                        onEpochEnd(m, epoch)
                        if stages[m].final != nil { onEnded(m) }
                    }
                }
            }
        }
    }

    /// One epoch of every lane over the training rows; returns each lane's epoch loss. A member in `active` whose
    /// batch loss or weights become non-finite ends there, diverged (its state kept as it was at that step).
    private func trainEpoch(_ x: UnsafePointer<Float>, active: [Bool]) -> Float8 {
        let n = training.rows
        let epoch = (0 ..< count).first { active[$0] }.map { stages[$0].epoch + 1 } ?? 0
        for j in 0 ..< count where active[j] && shuffles[j] {
            let permutation = workspace.permutations + j * n
            // A local generator: drawing through the array element checked its uniqueness at every row.
            var generator = shuffleGenerators[j]
            var i = n - 1
            while i > 0 {
                let k = Int(generator.next().multipliedFullWidth(by: UInt64(i + 1)).high)
                let t = permutation[i]; permutation[i] = permutation[k]; permutation[k] = t
                i -= 1
            }
            shuffleGenerators[j] = generator
        }
        var total = Float8(repeating: 0), rowCount = Float8(repeating: 0)
        var start = 0, batch = 0
        while start < n {
            let rows = min(batchSize, n - start)
            batch += 1
            gather(x, from: start, rows: rows)
            optimizer.beginStep()
            let (loss, check) = backpropagate(input: workspace.batch, rows: rows, update: true)
            // The common case, every lane finite, reads no member state.
            for m in 0 ..< count where active[m] && !(loss[m].isFinite && check[m].isFinite) && stages[m].ended == nil {
                if !loss[m].isFinite {
                    diverge(m, .diverged(epoch: epoch, batch: batch, reason: "the training loss became \(loss[m])"))
                } else if !check[m].isFinite {
                    diverge(m, .diverged(epoch: epoch, batch: batch,
                                         reason: "a weight became NaN or infinite in the optimiser step"))
                }
            }
            total += loss * Float(rows)
            rowCount += Float(rows)
            start += rows
        }
        return total / rowCount
    }

    private func diverge(_ m: Int, _ outcome: TrainingOutcome) {
        stages[m].ended = outcome
        stages[m].final = snapshot(m)
    }

    /// Fills `workspace.batch` with rows `start ..< start + rows` of each lane's order (input and target): one
    /// vector of the eight lanes' values per feature.
    private func gather(_ x: UnsafePointer<Float>, from start: Int, rows: Int) {
        let n = training.rows, d = inputSize, out = workspace.batch, order = workspace.permutations + start
        if solo {
            // An inline copy: a row is a few dozen bytes, less than a call to memmove costs.
            for r in 0 ..< rows {
                let source = x + order[r] * d, target = out + r * d
                var c = 0
                while c + 8 <= d { store8(load8(source + c), target + c); c += 8 }
                while c < d { target[c] = source[c]; c += 1 }
            }
            return
        }
        for r in 0 ..< rows {
            let s0 = x + order[r] * d, s1 = x + order[n + r] * d, s2 = x + order[2 * n + r] * d
            let s3 = x + order[3 * n + r] * d, s4 = x + order[4 * n + r] * d, s5 = x + order[5 * n + r] * d
            let s6 = x + order[6 * n + r] * d, s7 = x + order[7 * n + r] * d
            let row = out + r * d * 8
            // Four features at a time: one 4-wide load from each lane's row, transposed into four lane vectors
            // (LLVM turns the element picks into shuffles). Element by element, each vector took eight scalar
            // loads and seven inserts; this is about a fifth faster at 10 features and a third at 64.
            var c = 0
            while c + 4 <= d {
                let l0 = load4(s0 + c), l1 = load4(s1 + c), l2 = load4(s2 + c), l3 = load4(s3 + c)
                let l4 = load4(s4 + c), l5 = load4(s5 + c), l6 = load4(s6 + c), l7 = load4(s7 + c)
                let o = row + c * 8
                store8(Float8(l0[0], l1[0], l2[0], l3[0], l4[0], l5[0], l6[0], l7[0]), o)
                store8(Float8(l0[1], l1[1], l2[1], l3[1], l4[1], l5[1], l6[1], l7[1]), o + 8)
                store8(Float8(l0[2], l1[2], l2[2], l3[2], l4[2], l5[2], l6[2], l7[2]), o + 16)
                store8(Float8(l0[3], l1[3], l2[3], l3[3], l4[3], l5[3], l6[3], l7[3]), o + 24)
                c += 4
            }
            while c < d {
                store8(Float8(s0[c], s1[c], s2[c], s3[c], s4[c], s5[c], s6[c], s7[c]), row + c * 8)
                c += 1
            }
        }
    }

    /// Fills `workspace.batch` with `rows` rows from `x` (dense, `inputSize` wide), the same in every lane.
    private func broadcast(_ x: UnsafePointer<Float>, rows: Int) {
        let out = workspace.batch
        if solo {
            out.update(from: x, count: rows * inputSize)
            return
        }
        for k in 0 ..< rows * inputSize { LaneKernels.store(Float8(repeating: x[k]), out, k) }
    }

    /// Forward, loss, backward, penalty gradient and (with `update`) the optimiser step of one batch of every lane,
    /// each layer updated as soon as its gradients are complete and its kernel used for dX (as `Trainer`). Returns
    /// each lane's total loss (data + penalty, before the step) and the finiteness check of its updated weights.
    ///
    /// input: (rows, inputSize), interleaved; also the target.
    private func backpropagate(input: UnsafePointer<Float>, rows: Int, update: Bool) -> (loss: Float8, check: Float8) {
        if solo {
            let (loss, check) = backpropagateSolo(input: input, rows: rows, update: update)
            return (Float8(repeating: loss), Float8(repeating: check))
        }
        let parameters = workspace.parameters, gradients = workspace.gradients
        forward(input, rows: rows)
        let last = layers.count - 1
        let dataLoss = LaneKernels.loss(loss, z: workspace.z[last], a: workspace.activation[last], target: input,
                                        rows: rows, columns: inputSize, outputActivation: layers[last].activation,
                                        gradient: workspace.deltaA)
        let penalty = currentPenalty()
        var check = Float8(repeating: 0)
        var dZ = workspace.deltaA, other = workspace.deltaB
        for l in stride(from: last, through: 0, by: -1) {
            let layer = layers[l]
            let layerInput = l == 0 ? input : UnsafePointer(workspace.activation[l - 1])
            // dW = a_prevᵀ·dZ, db = Σ dZ; dA_prev = dZ·Wᵀ with the kernel before its update.
            LaneKernels.parameterGradients(layer, x: layerInput, dZ: dZ, rows: rows, gradients: gradients)
            if l > 0 { LaneKernels.inputGradient(layer, dZ: dZ, rows: rows, parameters: parameters, dX: other) }
            if penalized {
                LaneKernels.addPenaltyGradient(parameters + layer.kernelOffset * 8,
                                               to: gradients + layer.kernelOffset * 8,
                                               count: layer.kernelCount, l1: l1, twoL2: twoL2)
            }
            if update {
                check += optimizer.update(weights: parameters, gradients: gradients,
                                          range: layer.kernelOffset ..< layer.biasOffset + layer.outputs)
            }
            if l > 0 {
                let count = rows * layer.inputs * 8
                layers[l - 1].activation.backward(z: workspace.z[l - 1], a: workspace.activation[l - 1],
                                                  gradient: other, count: count)
                swap(&dZ, &other)
            }
        }
        return (dataLoss + penalty, check)
    }

    /// `backpropagate` for a group of one, on plain buffers (`SoloKernels`, `LaneOptimizer.updateSolo`): the same
    /// steps in the same order as lane 0 of the lane path.
    private func backpropagateSolo(input: UnsafePointer<Float>, rows: Int, update: Bool) -> (loss: Float, check: Float) {
        let parameters = workspace.parameters, gradients = workspace.gradients
        forward(input, rows: rows)
        let last = layers.count - 1
        let dataLoss = SoloKernels.loss(loss, z: workspace.z[last], a: workspace.activation[last], target: input,
                                        rows: rows, columns: inputSize, outputActivation: layers[last].activation,
                                        gradient: workspace.deltaA)
        let penalty = currentPenalty()[0]
        let l1 = self.l1[0], twoL2 = self.twoL2[0]
        var check: Float = 0
        var dZ = workspace.deltaA, other = workspace.deltaB
        for l in stride(from: last, through: 0, by: -1) {
            let layer = layers[l]
            let layerInput = l == 0 ? input : UnsafePointer(workspace.activation[l - 1])
            SoloKernels.parameterGradients(layer, x: layerInput, dZ: dZ, rows: rows, gradients: gradients)
            if l > 0 {
                SoloKernels.inputGradient(layer, dZ: dZ, rows: rows, parameters: parameters,
                                          transposed: workspace.transposed, dX: other)
            }
            if penalized {
                SoloKernels.addPenaltyGradient(parameters + layer.kernelOffset, to: gradients + layer.kernelOffset,
                                               count: layer.kernelCount, l1: l1, twoL2: twoL2)
            }
            if update {
                check += optimizer.updateSolo(weights: parameters, gradients: gradients,
                                              range: layer.kernelOffset ..< layer.biasOffset + layer.outputs)
            }
            if l > 0 {
                layers[l - 1].activation.backward(z: workspace.z[l - 1], a: workspace.activation[l - 1],
                                                  gradient: other, count: rows * layer.inputs)
                swap(&dZ, &other)
            }
        }
        return (dataLoss + penalty, check)
    }

    /// Forward pass of `rows` samples (interleaved, or plain for a solo group) through every layer.
    private func forward(_ input: UnsafePointer<Float>, rows: Int) {
        var x = input
        for (l, layer) in layers.enumerated() {
            if solo {
                SoloKernels.forward(layer, x: x, rows: rows, parameters: workspace.parameters, z: workspace.z[l],
                                    a: workspace.activation[l])
                x = UnsafePointer(workspace.activation[l])
                continue
            }
            LaneKernels.forward(layer, x: x, rows: rows, parameters: workspace.parameters, z: workspace.z[l],
                                a: workspace.activation[l])
            x = UnsafePointer(workspace.activation[l])
        }
    }

    /// Each lane's Σ over kernels of its penalty, on the current weights. Without L1 and L2 in any lane it is 0 in
    /// every lane, the sum's own value then (0·|w| + 0·w² is +0 for the finite weights of a member still training;
    /// a non-finite weight has already ended the member), so the sweep over the weights is skipped.
    private func currentPenalty() -> Float8 {
        var penalty = Float8(repeating: 0)
        if !penalized { return penalty }
        if solo {
            var sum: Float = 0
            for layer in layers {
                sum += SoloKernels.penalty(workspace.parameters + layer.kernelOffset, count: layer.kernelCount,
                                           l1: l1[0], l2: l2[0])
            }
            return Float8(repeating: sum)
        }
        for layer in layers {
            penalty += LaneKernels.penalty(workspace.parameters + layer.kernelOffset * 8, count: layer.kernelCount,
                                           l1: l1, l2: l2)
        }
        return penalty
    }

    /// Keras's `evaluate` per lane: inference-mode loss in batches of `batchSize`, each batch's data loss plus the
    /// penalty, combined as the row-weighted Float32 mean.
    private func evaluate(_ data: UnsafePointer<Float>, rows n: Int) -> Float8 {
        let d = inputSize, last = layers.count - 1
        let penalty = currentPenalty()
        var total = Float8(repeating: 0), rowCount = Float8(repeating: 0)
        var start = 0
        while start < n {
            let rows = min(batchSize, n - start)
            broadcast(data + start * d, rows: rows)
            forward(workspace.batch, rows: rows)
            let dataLoss = solo
                ? Float8(repeating: SoloKernels.loss(loss, z: workspace.z[last], a: workspace.activation[last],
                                                     target: workspace.batch, rows: rows, columns: d,
                                                     outputActivation: layers[last].activation, gradient: nil))
                : LaneKernels.loss(loss, z: workspace.z[last], a: workspace.activation[last],
                                   target: workspace.batch, rows: rows, columns: d,
                                   outputActivation: layers[last].activation, gradient: nil)
            let batchLoss = dataLoss + penalty
            total += batchLoss * Float(rows)
            rowCount += Float(rows)
            start += rows
        }
        return total / rowCount
    }
}

// MARK: - Probes for tests (stored row order, no bookkeeping beyond a normal step)

extension TrainingGroup {
    /// Trains one epoch over the rows in stored order, the same rows in every lane, and returns each member's batch
    /// losses and parameters after each step (Keras's `per_batch` record).
    func firstEpochBatchLosses() -> [[(loss: Float, parametersAfter: [Float])]] {
        var records = Array(repeating: [(loss: Float, parametersAfter: [Float])](), count: count)
        training.elements.withUnsafeBufferPointer { buffer in
            var start = 0
            while start < training.rows {
                let rows = min(batchSize, training.rows - start)
                broadcast(buffer.baseAddress! + start * inputSize, rows: rows)
                optimizer.beginStep()
                let (loss, _) = backpropagate(input: workspace.batch, rows: rows, update: true)
                for m in 0 ..< count {
                    extract(m)
                    records[m].append((loss[m], Array(UnsafeBufferPointer(start: workspace.laneParameters,
                                                                          count: parameterCount))))
                }
                start += rows
            }
        }
        return records
    }

    /// Each member's gradient of the total loss of training rows `range` at the current weights (flat layout).
    func gradients(ofRows range: Range<Int>) -> [[Float]] {
        training.elements.withUnsafeBufferPointer { buffer in
            broadcast(buffer.baseAddress! + range.lowerBound * inputSize, rows: range.count)
            _ = backpropagate(input: workspace.batch, rows: range.count, update: false)
        }
        if solo { return [Array(UnsafeBufferPointer(start: workspace.gradients, count: parameterCount))] }
        return (0 ..< count).map { m in (0 ..< parameterCount).map { workspace.gradients[$0 * 8 + m] } }
    }
}
