#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LinearAlgebra

/// Trains an autoencoder to reconstruct its input, with Keras's numerics (see `docs/training.md` and the fixture
/// README for every formula): mini-batches of `batchSize` rows (the last one partial), forward, loss, backward,
/// kernel penalty, optimiser step — the same float32 arithmetic as Keras 3's `fit(x, x)`.
///
/// A trainer runs on one thread (its large products may borrow more: `threads`, without changing a bit) and allocates
/// every buffer once, in `init` (its `TrainerWorkspace` and the optimiser slots): a training step allocates nothing.
/// Many trainers can run side by side, one per core.
///
/// The trainer trains its own copy of the model it was given (`model` after `fit`). Calling `fit` again continues
/// from the current weights and optimiser state, like calling Keras's `fit` again.
public final class Trainer {
    public let configuration: TrainingConfiguration
    /// The GEMM backend of every product in training.
    public let backend: GEMMBackend
    /// How many threads the step's large products may use, read once per pass (forward, backward): another thread
    /// (the grid runner) may change it during `fit`. The results are the same bits for any value.
    public let threads: ThreadAllowance
    /// The model being trained: after `fit`, the final weights (the best epoch's when early stopping restored them).
    public let model: Autoencoder

    private let training: Matrix
    private let validation: Matrix?
    private let layers: [DenseLayer]
    private let regularization: Regularization
    private let inputSize: Int
    private let parameterCount: Int
    /// Largest number of rows a forward/backward pass handles (`min(batchSize, rows)` over both sets).
    private let rowCapacity: Int

    /// Every per-step buffer by name (activations, deltas, gradients, batches, best weights, row order), sized for
    /// `rowCapacity` rows.
    private let workspace: TrainerWorkspace

    private var optimizer: OptimizerState
    private var shuffleGenerator: SeededGenerator
    private var dropoutGenerator: SeededGenerator
    private var noiseGenerator: SeededGenerator
    private let dropoutScale: Float

    /// Stream tags for the generators derived from `configuration.seed`.
    static let shuffleStream: UInt64 = 0x5348_5546, dropoutStream: UInt64 = 0x4452_4F50, noiseStream: UInt64 = 0x4E4F_4953

    /// Prepares training of a copy of `model` on `training` (rows are samples, `inputSize` columns), with an optional
    /// `validation` set for the validation loss and early stopping. `backend` defaults to `GEMM.defaultBackend`;
    /// `threads` is the thread allowance of the products (one thread unless given).
    /// Throws `TrainingError` for an invalid configuration or data of the wrong width.
    public init(model: Autoencoder, configuration: TrainingConfiguration, training: Matrix, validation: Matrix? = nil,
                backend: GEMMBackend? = nil, threads: ThreadAllowance = ThreadAllowance()) throws {
        try configuration.validate()
        let d = model.architecture.inputSize
        guard training.rows > 0 else { throw TrainingError.emptyTrainingSet }
        guard training.columns == d else {
            throw TrainingError.dataShape(what: "training", rows: training.rows, columns: training.columns, expectedColumns: d)
        }
        if let v = validation, v.columns != d {
            throw TrainingError.dataShape(what: "validation", rows: v.rows, columns: v.columns, expectedColumns: d)
        }
        let backend = backend ?? GEMM.defaultBackend
        guard GEMMBackend.available.contains(backend) else {
            throw TrainingError.invalidSetting(name: "GEMM backend", value: backend.rawValue,
                                               rule: "is not in this build (available: \(GEMMBackend.available.map(\.rawValue).joined(separator: ", ")))")
        }
        self.configuration = configuration
        self.backend = backend
        self.threads = threads
        self.model = Autoencoder(copying: model)
        self.training = training
        self.validation = (validation?.rows ?? 0) > 0 ? validation : nil
        layers = model.layers
        regularization = configuration.regularization
        inputSize = d
        parameterCount = model.parameterCount
        rowCapacity = min(configuration.batchSize, max(training.rows, validation?.rows ?? 0))

        let noise = configuration.noiseStandardDeviation > 0
        workspace = TrainerWorkspace(layout: TrainerWorkspace.Layout(
            layers: model.layers, rows: rowCapacity, inputSize: d, parameterCount: model.parameterCount,
            trainingRows: training.rows, dropout: configuration.dropout > 0,
            gather: configuration.shuffle || noise, noise: noise,
            restoreBestWeights: configuration.earlyStopping?.restoreBestWeights == true))
        optimizer = OptimizerState(configuration: configuration.optimizer, count: parameterCount)
        let seed = configuration.seed
        shuffleGenerator = SeededGenerator(seed: SeededGenerator.deriveSeed(seed, Trainer.shuffleStream))
        dropoutGenerator = SeededGenerator(seed: SeededGenerator.deriveSeed(seed, Trainer.dropoutStream))
        noiseGenerator = SeededGenerator(seed: SeededGenerator.deriveSeed(seed, Trainer.noiseStream))
        dropoutScale = Float(1 / (1 - decimalDouble(configuration.dropout)))
    }

    deinit { optimizer.deallocate() }

    /// Batches per epoch: ⌈rows / batchSize⌉.
    public var batchesPerEpoch: Int { (training.rows + configuration.batchSize - 1) / configuration.batchSize }

    // MARK: - Training loop

    /// Trains to `configuration.epochs` (or early stop / divergence / cancel) and returns the history and outcome.
    ///
    /// `checkpoints`: epoch counts E (1 ≤ E ≤ epochs) at which `onCheckpoint(E, result, model)` is called with
    /// exactly the result and weights a separate run with `epochs = E` would produce (bitwise, except the epochs'
    /// `seconds`), early stopping and restored best weights included. The model passed is a copy. When training ends
    /// before E (early stop, divergence), E is reported with the final result, as that run would have ended the same
    /// way; after a cancel, pending checkpoints are not reported. `shouldCancel` is polled before every epoch.
    ///
    /// A NaN or infinite batch loss or weight ends training with `.diverged(epoch, batch, reason)` (both 1-based).
    /// At any end (completed, stopped, diverged, cancelled), early stopping's saved best weights are restored when
    /// `restoreBestWeights` is set, as Keras 3 does in `on_train_end`.
    ///
    /// `onEpoch(epoch)` is called after every epoch that ran to its end (1-based), on this thread: a progress hook
    /// (the search adds to an atomic counter). It is the only call per epoch; nothing is called per step.
    public func fit(checkpoints: [Int] = [], onCheckpoint: ((Int, TrainingResult, Autoencoder) -> Void)? = nil,
                    shouldCancel: (() -> Bool)? = nil, onEpoch: ((Int) -> Void)? = nil) -> TrainingResult {
        let epochs = configuration.epochs
        for e in checkpoints {
            precondition(e >= 1 && e <= epochs, "Trainer.fit: checkpoint \(e) outside 1...\(epochs) (the configured epochs)")
        }
        var pending = Array(Set(checkpoints)).sorted()[...]
        // Only touched when early stopping restores the best weights, the one case with room for them.
        let bestWeightsBuffer = workspace.bestWeights.first(
            configuration.earlyStopping?.restoreBestWeights == true ? parameterCount : 0)
        var history: [EpochRecord] = []
        history.reserveCapacity(min(epochs, 4096))  // not `epochs`: a grid may ask for 10^8 epochs, stopped by a signal
        var stopper = configuration.earlyStopping.map { EarlyStoppingState(settings: $0) }
        var outcome: TrainingOutcome = .completed

        training.elements.withUnsafeBufferPointer { trainBuffer in
            (validation?.elements ?? []).withUnsafeBufferPointer { validationBuffer in
                let x = trainBuffer.baseAddress!
                var epoch = 0
                while epoch < epochs {
                    if let shouldCancel, shouldCancel() {
                        outcome = .cancelled(epoch: epoch)
                        return
                    }
                    epoch += 1
                    let clock = TrainingClock()
                    let (loss, divergence) = trainEpoch(x, epoch: epoch)
                    if let divergence {
                        outcome = divergence
                        return
                    }
                    let validationLoss = validation.map { evaluate(validationBuffer.baseAddress!, rows: $0.rows) }
                    history.append(EpochRecord(epoch: epoch, loss: loss, validationLoss: validationLoss,
                                               seconds: clock.elapsedSeconds))
                    onEpoch?(epoch)
                    if stopper != nil, stopper!.update(epoch: epoch, monitored: validationLoss ?? loss,
                                                       weights: model.storage, saved: bestWeightsBuffer,
                                                       count: parameterCount) {
                        outcome = .stoppedEarly(epoch: epoch)
                        return
                    }
                    if epoch < epochs, pending.first == epoch, let onCheckpoint {
                        pending.removeFirst()
                        let snapshot = Autoencoder(copying: model)
                        if let s = stopper, s.hasSavedWeights { snapshot.setParameters(from: bestWeightsBuffer) }
                        onCheckpoint(epoch, TrainingResult(outcome: .completed, history: history,
                                                           bestEpoch: stopper?.bestEpoch, epochsRun: epoch), snapshot)
                    }
                }
            }
        }
        if let s = stopper, s.hasSavedWeights { model.setParameters(from: bestWeightsBuffer) }
        let result = TrainingResult(outcome: outcome, history: history, bestEpoch: stopper?.bestEpoch,
                                    epochsRun: history.count)
        if case .cancelled = outcome { return result }
        if let onCheckpoint {
            for e in pending { onCheckpoint(e, result, Autoencoder(copying: model)) }
        }
        return result
    }

    /// One epoch over the training rows; returns Keras's epoch loss, or the divergence that ended it.
    private func trainEpoch(_ x: UnsafePointer<Float>, epoch: Int) -> (Float, TrainingOutcome?) {
        // Keras's arithmetic: denormals flushed to zero (`FloatingPointMode`), on this thread and the lent ones.
        FloatingPointMode.flushingDenormals { trainEpochInCurrentMode(x, epoch: epoch) }
    }

    private func trainEpochInCurrentMode(_ x: UnsafePointer<Float>, epoch: Int) -> (Float, TrainingOutcome?) {
        let n = training.rows, d = inputSize, batchSize = configuration.batchSize
        if configuration.shuffle { shuffleRows(count: n) }
        var total: Float = 0, count: Float = 0
        var start = 0, batch = 0
        while start < n {
            let rows = min(batchSize, n - start)
            batch += 1
            var target = x + start * d
            if configuration.shuffle {
                let batchTarget = workspace.batchTarget.first(rows * d), permutation = workspace.permutation
                for r in 0 ..< rows {
                    (batchTarget + r * d).update(from: x + permutation[start + r] * d, count: d)
                }
                target = UnsafePointer(batchTarget)
            }
            var input = target
            if configuration.noiseStandardDeviation > 0 {
                let batchInput = workspace.batchInput.first(rows * d)
                addNoise(to: target, into: batchInput, count: rows * d)
                input = UnsafePointer(batchInput)
            }
            let (loss, weightsFinite) = trainStep(input: input, target: target, rows: rows)
            if !loss.isFinite {
                return (loss, .diverged(epoch: epoch, batch: batch, reason: "the training loss became \(loss)"))
            }
            if !weightsFinite {
                return (loss, .diverged(epoch: epoch, batch: batch,
                                        reason: "a weight became NaN or infinite in the optimiser step"))
            }
            total += loss * Float(rows)
            count += Float(rows)
            start += rows
        }
        return (total / count, nil)
    }

    /// One mini-batch: forward, loss, backward and the optimiser step. Returns the batch's total loss (data +
    /// penalty, from the weights before the step) and whether every updated weight is finite.
    private func trainStep(input: UnsafePointer<Float>, target: UnsafePointer<Float>, rows: Int) -> (Float, Bool) {
        optimizer.beginStep()
        return backpropagate(input: input, target: target, rows: rows, update: true)
    }

    /// Forward, loss, backward and penalty gradient of one mini-batch at the current weights, into the gradients,
    /// without a step. Returns the batch's total loss (data loss + kernel penalty).
    private func computeGradients(input: UnsafePointer<Float>, target: UnsafePointer<Float>, rows: Int) -> Float {
        backpropagate(input: input, target: target, rows: rows, update: false).0
    }

    /// The step itself. With `update`, each layer's parameters are updated as soon as its gradients are complete
    /// and its kernel has been used for the input gradient, while they are still in cache: every update is
    /// element-wise and reads only that layer's gradient and optimiser slots, so this is bit for bit Keras's
    /// "all gradients, then all updates". (On OpenBLAS with a second thread, the later layers' updates wait for the
    /// first layer's weight gradient and run beside it instead: the same bits, see `deferUpdates`. On AEGrid's own
    /// kernel with a second thread, a layer's backward pass and update are one hand-off by rows of its kernel where
    /// `fusesLayerBackward` says so: the same bits, see `backwardByKernelRows`.)
    ///
    /// input, target: (rows, inputSize), dense.
    private func backpropagate(input: UnsafePointer<Float>, target: UnsafePointer<Float>, rows: Int,
                               update: Bool) -> (Float, Bool) {
        let parameters = model.storage
        let gradients = workspace.gradients.first(parameterCount)
        forward(input, rows: rows, training: true)
        let last = layers.count - 1
        let outputs = workspace.layers[last]
        // dZ of the output layer, straight from the loss: (rows, inputSize).
        let dataLoss = configuration.loss.evaluate(
            z: outputs.z.first(rows * inputSize), a: outputs.activation.first(rows * inputSize), target: target,
            targetStride: inputSize, rows: rows, columns: inputSize, outputActivation: layers[last].activation,
            gradient: workspace.deltaA.first(rows * inputSize))
        let penalty = currentPenalty()
        var finite = true
        let threadCount = threads.threads
        // OpenBLAS's products run whole, so the first layer's weight gradient, the backward pass's last product,
        // would leave the other thread idle: the later layers' updates are put off until then and run beside it
        // (they read only their own gradients and slots, complete by that point, and no product reads their
        // kernels again in this step).
        let deferUpdates = update && threadCount > 1 && !backend.splitsExactly && last > 0
            && rows * layers[0].inputs * layers[0].outputs >= GEMM.parallelMinimumWork
        // The transposed input gradient of a small batch (`DenseLayer.inputGradient`).
        let scratchCount = workspace.transposedDelta.count, scratch = workspace.transposedDelta.first(scratchCount)
        // Backward: dZ of layer l is in `dZ`; dA of layer l−1 goes to `other`, then becomes its dZ in place.
        var dZBuffer = workspace.deltaA, otherBuffer = workspace.deltaB
        for l in stride(from: last, through: 0, by: -1) {
            let layer = layers[l]
            let layerInput = l == 0 ? input : UnsafePointer(output(of: l - 1, rows: rows))
            // dZ: (rows, outputs); other receives dA_prev: (rows, inputs).
            let dZ = dZBuffer.first(rows * layer.outputs)
            let other = otherBuffer.first(l > 0 ? rows * layer.inputs : 0)
            // dW = a_prevᵀ · dZ: (in, rows)·(rows, out), db = Σ_rows dZ; and dA_prev = dZ · Wᵀ: (rows, out)·(out, in),
            // with the kernel before its update.
            // The layer's weight gradient, input gradient, penalty gradient and update in one hand-off, each thread
            // on its own rows of the kernel (`backwardByKernelRows`).
            let fused = update && fusesLayerBackward(layer, rows: rows, threads: threadCount)
            if fused {
                finite = backwardByKernelRows(layer, input: layerInput, dZ: dZ, rows: rows, gradients: gradients,
                                              dX: other, scratch: scratch, scratchCount: scratchCount,
                                              threads: threadCount) { columns in
                    // dA of the layer below becomes its dZ on the thread that has just written these columns.
                    self.activationGradient(of: l - 1, dA: other, rows: rows, columns: columns)
                } && finite
            } else if l == 0 && deferUpdates {
                var deferredFinite = true
                GEMM.concurrently({
                    layer.parameterGradients(x: layerInput, ldx: layer.inputs, dZ: dZ, rows: rows,
                                             gradients: gradients, backend: self.backend, threads: 1)
                }, {
                    for deferred in self.layers.dropFirst() {
                        deferredFinite = self.optimizer.update(
                            weights: parameters, gradients: gradients,
                            range: deferred.kernelOffset ..< deferred.biasOffset + deferred.outputs) && deferredFinite
                    }
                })
                finite = deferredFinite && finite
            } else if l > 0 && threadCount > 1 && !backend.splitsExactly
                && rows * layer.inputs * layer.outputs >= GEMM.parallelMinimumWork {
                // OpenBLAS's products cannot be split without changing their bits, but these two are independent
                // (both read dZ and the kernel before its update): each runs whole, on its own thread.
                let (dZNow, dX) = (UnsafePointer(dZ), other)
                GEMM.concurrently({
                    layer.parameterGradients(x: layerInput, ldx: layer.inputs, dZ: dZNow, rows: rows,
                                             gradients: gradients, backend: self.backend, threads: 1)
                }, {
                    layer.inputGradient(dZ: dZNow, rows: rows, parameters: parameters, dX: dX, scratch: scratch,
                                        scratchCount: scratchCount, backend: self.backend, threads: 1)
                })
            } else {
                layer.parameterGradients(x: layerInput, ldx: layer.inputs, dZ: dZ, rows: rows, gradients: gradients,
                                         backend: backend, threads: threadCount)
                if l > 0 {
                    layer.inputGradient(dZ: dZ, rows: rows, parameters: parameters, dX: other, scratch: scratch,
                                        scratchCount: scratchCount, backend: backend, threads: threadCount)
                }
            }
            if !fused {
                regularization.addGradient(parameters + layer.kernelOffset, to: gradients + layer.kernelOffset,
                                           count: layer.kernelCount)
            }
            if update && !fused && (l == 0 || !deferUpdates) {
                finite = optimizer.update(weights: parameters, gradients: gradients,
                                          range: layer.kernelOffset ..< layer.biasOffset + layer.outputs,
                                          threads: threadCount) && finite
            }
            if l > 0 {
                if !fused {
                    activationGradient(of: l - 1, dA: other, rows: rows, columns: 0 ..< layer.inputs)
                }
                swap(&dZBuffer, &otherBuffer)
            }
        }
        return (dataLoss + penalty, finite)
    }

    /// `dA → dZ` of layer `l` in place, on rows `rows` and columns `columns` of its (rows, outputs) gradient: the
    /// dropout mask, then the activation's derivative. Element-wise, so column blocks give the whole pass's bits.
    private func activationGradient(of l: Int, dA: UnsafeMutablePointer<Float>, rows: Int, columns: Range<Int>) {
        let n = layers[l].outputs, buffers = workspace.layers[l], activation = layers[l].activation
        let count = rows * n
        let z = buffers.z.first(count), a = buffers.activation.first(count)
        let mask = configuration.dropout > 0 ? buffers.mask.first(count) : nil
        if columns.count == n {
            if let mask { for i in 0 ..< count { dA[i] *= mask[i] } }
            activation.backward(z: z, a: a, gradient: dA, count: count)
            return
        }
        for r in 0 ..< rows {
            let offset = r * n + columns.lowerBound
            if let mask { for i in offset ..< offset + columns.count { dA[i] *= mask[i] } }
            activation.backward(z: z + offset, a: a + offset, gradient: dA + offset, count: columns.count)
        }
    }

    /// Whether a step's backward pass through `layer` runs as one hand-off by rows of its kernel
    /// (`backwardByKernelRows`): on a kernel that splits products exactly, with a second thread, for a product large
    /// enough to split, at a batch small enough that the input gradient is computed transposed (`dXᵀ = W·dZᵀ`, which
    /// reads W by rows) or for the first layer, which has no input gradient.
    @inline(__always)
    private func fusesLayerBackward(_ layer: DenseLayer, rows: Int, threads: Int) -> Bool {
        threads > 1 && backend.splitsExactly && layer.inputs >= 2 * GEMM.parallelRowAlignment
            && rows * layer.inputs * layer.outputs >= GEMM.parallelMinimumWork
            && (layer.index == 0 || GEMM.transposesProduct(m: rows, n: layer.inputs, k: layer.outputs,
                                                           backend: backend))
    }

    /// The backward pass through `layer` and its update in one hand-off (`ParallelBlocks`): the kernel's rows are cut
    /// into blocks of whole 16-row tiles, and each thread computes its rows of the weight gradient `xᵀ·dZ`, its
    /// columns of the input gradient (`dXᵀ = W·dZᵀ`, from its own rows of W, before their update; then
    /// `finishInputGradient` on those columns, the layer below's activation derivative), the penalty's
    /// gradient and the optimiser's update of those rows, while the gradient it has just written is still in its
    /// cache. Blocks of rows hold one call's bits on a kernel that `splitsExactly`, and every update is element-wise,
    /// so this is bit for bit the separate products, penalty and update (`TrainerTests`), with one hand-off where
    /// there were three. The bias's gradient is summed before and updated after, on the calling thread. Returns
    /// whether every updated parameter is finite.
    private func backwardByKernelRows(_ layer: DenseLayer, input x: UnsafePointer<Float>, dZ: UnsafePointer<Float>,
                                      rows: Int, gradients: UnsafeMutablePointer<Float>, dX: UnsafeMutablePointer<Float>,
                                      scratch: UnsafeMutablePointer<Float>, scratchCount: Int, threads: Int,
                                      finishInputGradient: (Range<Int>) -> Void) -> Bool {
        let parameters = model.storage
        let n = layer.outputs, inputs = layer.inputs
        let kernel = parameters + layer.kernelOffset, dKernel = gradients + layer.kernelOffset
        layer.biasGradient(dZ: dZ, rows: rows, gradients: gradients)
        let blocks = min(threads, inputs / GEMM.parallelRowAlignment)
        let rowsPerBlock = GEMM.rowsPerBlock(m: inputs, blocks: blocks)
        let optimizer = self.optimizer, regularization = self.regularization, backend = self.backend
        let kernelFinite = withUnsafeTemporaryAllocation(of: Bool.self, capacity: blocks) { finite in
            ParallelBlocks.run(blocks) { block in
                let first = min(inputs, block * rowsPerBlock)
                let last = block == blocks - 1 ? inputs : min(inputs, first + rowsPerBlock)
                finite[block] = true
                guard first < last else { return }
                let count = (last - first) * n
                // dW[first..<last] = (xᵀ)[first..<last]·dZ: rows of op(A) are columns of x.
                GEMM.multiply(.transposed, .none, m: last - first, n: n, k: rows, alpha: 1, a: x + first,
                              lda: inputs, b: dZ, ldb: n, beta: 0, c: dKernel + first * n, ldc: n, backend: backend)
                if layer.index > 0 {
                    GEMM.multiplyByTransposedB(m: rows, n: inputs, k: n, a: dZ, lda: n, b: kernel, ldb: n, c: dX,
                                               ldc: inputs, columns: first ..< last, scratch: scratch,
                                               scratchCount: scratchCount, backend: backend)
                    finishInputGradient(first ..< last)
                }
                regularization.addGradient(kernel + first * n, to: dKernel + first * n, count: count)
                let start = layer.kernelOffset + first * n
                finite[block] = optimizer.update(weights: parameters, gradients: gradients, range: start ..< start + count)
            }
            return (0 ..< blocks).allSatisfy { finite[$0] }
        }
        let biasFinite = optimizer.update(weights: parameters, gradients: gradients,
                                          range: layer.biasOffset ..< layer.biasOffset + n)
        return kernelFinite && biasFinite
    }

    /// The output of layer `l` for `rows` samples as the next layer sees it (after dropout when training with
    /// dropout): (rows, outputs).
    @inline(__always)
    private func output(of l: Int, rows: Int) -> UnsafeMutablePointer<Float> {
        let buffers = workspace.layers[l], count = rows * layers[l].outputs
        return configuration.dropout > 0 && l < layers.count - 1 ? buffers.dropped.first(count)
                                                                 : buffers.activation.first(count)
    }

    /// Forward pass of `rows` samples through every layer; with `training`, dropout masks are drawn and applied.
    private func forward(_ input: UnsafePointer<Float>, rows: Int, training: Bool) {
        let parameters = model.storage
        var x = input
        let useDropout = training && configuration.dropout > 0
        let threadCount = threads.threads
        for (l, layer) in layers.enumerated() {
            let buffers = workspace.layers[l], count = rows * layer.outputs
            // x: (rows, inputs) · W: (inputs, outputs) + b → z, a: (rows, outputs)
            let a = buffers.activation.first(count)
            layer.forward(x: x, ldx: layer.inputs, rows: rows, parameters: parameters, z: buffers.z.first(count), a: a,
                          backend: backend, threads: threadCount)
            if useDropout && l < layers.count - 1 {
                let rate = configuration.dropout, scale = dropoutScale
                let mask = buffers.mask.first(count), out = buffers.dropped.first(count)
                for i in 0 ..< count {
                    // Keras keeps a value when its uniform draw is ≥ rate, and scales it by 1/(1 − rate).
                    let m: Float = dropoutGenerator.nextUnitFloat() >= rate ? scale : 0
                    mask[i] = m
                    out[i] = a[i] * m
                }
                x = UnsafePointer(out)
            } else {
                x = UnsafePointer(a)
            }
        }
    }

    /// Σ over kernels of the regulariser's penalty, on the current weights.
    private func currentPenalty() -> Float {
        guard !regularization.isNone else { return 0 }
        var penalty: Float = 0
        for layer in layers {
            penalty += regularization.penalty(model.storage + layer.kernelOffset, count: layer.kernelCount)
        }
        return penalty
    }

    /// Keras's `evaluate`: inference-mode loss in batches of `batchSize`, each batch's data loss plus the penalty,
    /// combined as the row-weighted Float32 mean.
    private func evaluate(_ data: UnsafePointer<Float>, rows n: Int) -> Float {
        FloatingPointMode.flushingDenormals { evaluateInCurrentMode(data, rows: n) }
    }

    private func evaluateInCurrentMode(_ data: UnsafePointer<Float>, rows n: Int) -> Float {
        let d = inputSize, last = layers.count - 1
        let penalty = currentPenalty()
        var total: Float = 0, count: Float = 0
        var start = 0
        while start < n {
            let rows = min(configuration.batchSize, n - start)
            let x = data + start * d
            forward(x, rows: rows, training: false)
            let outputs = workspace.layers[last]
            let loss = configuration.loss.evaluate(
                z: outputs.z.first(rows * d), a: outputs.activation.first(rows * d), target: x, targetStride: d,
                rows: rows, columns: d, outputActivation: layers[last].activation, gradient: nil) + penalty
            total += loss * Float(rows)
            count += Float(rows)
            start += rows
        }
        return total / count
    }

    /// Fisher–Yates shuffle of the row order (continuing from the previous epoch's order).
    private func shuffleRows(count n: Int) {
        let permutation = workspace.permutation
        var i = n - 1
        while i > 0 {
            let j = Int(shuffleGenerator.next().multipliedFullWidth(by: UInt64(i + 1)).high)
            let t = permutation[i]; permutation[i] = permutation[j]; permutation[j] = t
            i -= 1
        }
    }

    /// `out = x + σ·N(0, 1)`, both Box–Muller values used.
    private func addNoise(to x: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, count: Int) {
        let sigma = Double(configuration.noiseStandardDeviation)
        var i = 0
        while i < count {
            var u1 = noiseGenerator.nextUnitDouble()
            while u1 <= 0 { u1 = noiseGenerator.nextUnitDouble() }
            let u2 = noiseGenerator.nextUnitDouble()
            let radius = (-2 * log(u1)).squareRoot() * sigma
            out[i] = x[i] + Float(radius * cos(2 * Double.pi * u2))
            if i + 1 < count { out[i + 1] = x[i + 1] + Float(radius * sin(2 * Double.pi * u2)) }
            i += 2
        }
    }
}

// MARK: - Probes for tests and diagnostics (no shuffling, noise or dropout bookkeeping beyond a normal step)

extension Trainer {
    /// Trains one epoch over the rows in stored order, batch by batch, and returns each batch's total loss and the
    /// parameters after its step (Keras's `per_batch` record).
    func firstEpochBatchLosses() -> [(loss: Float, parametersAfter: [Float])] {
        var records: [(loss: Float, parametersAfter: [Float])] = []
        training.elements.withUnsafeBufferPointer { buffer in
            let x = buffer.baseAddress!
            var start = 0
            while start < training.rows {
                let rows = min(configuration.batchSize, training.rows - start)
                let (loss, _) = trainStep(input: x + start * inputSize, target: x + start * inputSize, rows: rows)
                records.append((loss, model.parameters))
                start += rows
            }
        }
        return records
    }

    /// The gradient of the total loss (penalty included) of training rows `range` at the current weights, in the flat
    /// parameter layout; the weights are not changed.
    func gradients(ofRows range: Range<Int>) -> [Float] {
        training.elements.withUnsafeBufferPointer { buffer in
            let x = buffer.baseAddress! + range.lowerBound * inputSize
            _ = computeGradients(input: x, target: x, rows: range.count)
        }
        return Array(UnsafeBufferPointer(start: workspace.gradients.first(parameterCount), count: parameterCount))
    }

    /// Runs the training-mode input noise and forward pass on training rows `range` (in stored order) and returns the
    /// noisy input and every hidden layer's dropout mask (0 or 1/(1 − rate)), without a step.
    func trainingModeProbe(rows range: Range<Int>) -> (input: [Float], masks: [[Float]]) {
        training.elements.withUnsafeBufferPointer { buffer in
            var x = buffer.baseAddress! + range.lowerBound * inputSize
            if configuration.noiseStandardDeviation > 0 {
                let count = range.count * inputSize
                let batchInput = workspace.batchInput.first(count)
                addNoise(to: x, into: batchInput, count: count)
                x = UnsafePointer(batchInput)
            }
            forward(x, rows: range.count, training: true)
            let masks = (0 ..< layers.count - 1).map { l in
                let count = range.count * layers[l].outputs
                return configuration.dropout > 0
                    ? Array(UnsafeBufferPointer(start: workspace.layers[l].mask.first(count), count: count)) : []
            }
            return (Array(UnsafeBufferPointer(start: x, count: range.count * inputSize)), masks)
        }
    }

    /// The validation-style (inference-mode) loss of `data` at the current weights.
    func inferenceLoss(_ data: Matrix) -> Float {
        data.elements.withUnsafeBufferPointer { evaluate($0.baseAddress!, rows: data.rows) }
    }

    /// The total loss of training rows `range` at the current weights (training mode), without a step.
    func loss(ofRows range: Range<Int>) -> Float {
        training.elements.withUnsafeBufferPointer { buffer in
            let x = buffer.baseAddress! + range.lowerBound * inputSize
            return computeGradients(input: x, target: x, rows: range.count)
        }
    }
}

// MARK: - Training in stages

/// Where training in stages stands between two `Trainer.advance` calls: the epochs done, their history, early
/// stopping's state and how training ended, if it has. Successive halving keeps one per surviving trial, so a
/// promoted trial continues from its last rung instead of training its first epochs again.
public struct TrainingStage {
    /// Completed epochs.
    public fileprivate(set) var epoch = 0
    fileprivate var history: [EpochRecord] = []
    fileprivate var stopper: EarlyStoppingState?
    /// Set once training cannot continue: stopped early or diverged.
    public fileprivate(set) var ended: TrainingOutcome?
}

extension Trainer {
    /// A stage at epoch 0, for `advance`.
    public func beginStages() -> TrainingStage {
        TrainingStage(stopper: configuration.earlyStopping.map { EarlyStoppingState(settings: $0) })
    }

    /// Trains from `stage.epoch` to `epochs` (≤ `configuration.epochs`) and returns exactly what
    /// `fit(checkpoints: [epochs])` reports at that checkpoint, i.e. what a separate run with `epochs` gives (bitwise,
    /// except the epochs' `seconds`): the result and a copy of the model (the best weights when early stopping has
    /// saved them). The trainer's own weights stay the live ones, so a later `advance` continues the same run.
    /// This is `fit`'s loop, kept beside it so the two read alike; `HalvingTests` holds them to the same bits.
    /// Returns nil when `shouldCancel` (polled before every epoch) says so; the stage is then still consistent.
    public func advance(_ stage: inout TrainingStage, to epochs: Int,
                        shouldCancel: (() -> Bool)? = nil) -> (result: TrainingResult, model: Autoencoder)? {
        precondition(epochs >= stage.epoch && epochs <= configuration.epochs,
                     "Trainer.advance: \(epochs) epochs outside \(stage.epoch)...\(configuration.epochs)")
        // As in `fit`: only touched when early stopping restores the best weights.
        let bestWeightsBuffer = workspace.bestWeights.first(
            configuration.earlyStopping?.restoreBestWeights == true ? parameterCount : 0)
        var cancelled = false
        if stage.ended == nil {
            training.elements.withUnsafeBufferPointer { trainBuffer in
                (validation?.elements ?? []).withUnsafeBufferPointer { validationBuffer in
                    let x = trainBuffer.baseAddress!
                    while stage.epoch < epochs {
                        if let shouldCancel, shouldCancel() {
                            cancelled = true
                            return
                        }
                        let epoch = stage.epoch + 1
                        let clock = TrainingClock()
                        let (loss, divergence) = trainEpoch(x, epoch: epoch)
                        if let divergence {
                            stage.ended = divergence
                            return
                        }
                        let validationLoss = validation.map { evaluate(validationBuffer.baseAddress!, rows: $0.rows) }
                        stage.history.append(EpochRecord(epoch: epoch, loss: loss, validationLoss: validationLoss,
                                                         seconds: clock.elapsedSeconds))
                        stage.epoch = epoch
                        if stage.stopper != nil, stage.stopper!.update(epoch: epoch, monitored: validationLoss ?? loss,
                                                                       weights: model.storage, saved: bestWeightsBuffer,
                                                                       count: parameterCount) {
                            stage.ended = .stoppedEarly(epoch: epoch)
                            return
                        }
                    }
                }
            }
        }
        if cancelled { return nil }
        let snapshot = Autoencoder(copying: model)
        if let s = stage.stopper, s.hasSavedWeights { snapshot.setParameters(from: bestWeightsBuffer) }
        return (TrainingResult(outcome: stage.ended ?? .completed, history: stage.history,
                               bestEpoch: stage.stopper?.bestEpoch, epochsRun: stage.history.count), snapshot)
    }
}
