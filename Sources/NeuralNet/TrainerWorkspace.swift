import LinearAlgebra

/// Every buffer a `Trainer` uses in a training step, by name, in one 64-byte-aligned allocation made in `init` and
/// freed in `deinit`: a step allocates nothing.
///
/// Per-sample buffers hold `rows` rows (the trainer's largest batch). A buffer the configuration does not need
/// (dropout's, the gathered batch, the noisy input, the best-weights snapshot) has count 0, so any use of it trips a
/// debug assertion. The buffers are views (`WorkspaceBuffer`): they know their counts and assert every index and
/// every length they hand out in debug builds, at no cost in release builds.
///
/// The memory is zeroed at the start, and `permutation` holds the identity.
final class TrainerWorkspace {
    /// One layer's buffers; all (rows, outputs).
    struct LayerBuffers {
        /// Pre-activations `z = x·W + b`.
        let z: WorkspaceBuffer<Float>
        /// Activations `a = f(z)`: the same memory as `z` for a `linear` layer (`f` is the identity, applied in place).
        let activation: WorkspaceBuffer<Float>
        /// Hidden layers when training with dropout: the dropped-out output (what the next layer reads) and the mask
        /// (0 or 1/(1 − rate)); count 0 otherwise.
        let dropped: WorkspaceBuffer<Float>
        let mask: WorkspaceBuffer<Float>
    }

    let layout: Layout
    /// Per layer, from the first.
    let layers: [LayerBuffers]
    /// Two ping-pong buffers for dZ and dA in the backward pass, (rows, widest layer) each.
    let deltaA: WorkspaceBuffer<Float>
    let deltaB: WorkspaceBuffer<Float>
    /// A small batch's input gradient transposed, (widest layer, rows), for `DenseLayer.inputGradient`; count 0 above
    /// `GEMM.transposedProductMaximumRows` rows, where the product is not transposed.
    let transposedDelta: WorkspaceBuffer<Float>
    /// Parameter gradients, in the model's flat parameter layout.
    let gradients: WorkspaceBuffer<Float>
    /// The batch's target rows gathered in shuffled order (rows, inputSize), when shuffling or adding noise.
    let batchTarget: WorkspaceBuffer<Float>
    /// The noisy input (rows, inputSize), when adding noise.
    let batchInput: WorkspaceBuffer<Float>
    /// Early stopping's saved weights (flat parameter layout), when it restores the best weights.
    let bestWeights: WorkspaceBuffer<Float>
    /// The row order of the current epoch, one index per training row.
    let permutation: WorkspaceBuffer<Int>

    private let memory: UnsafeMutableRawPointer

    init(layout: Layout) {
        self.layout = layout
        memory = .allocate(byteCount: layout.byteCount, alignment: Layout.alignment)
        memory.initializeMemory(as: UInt8.self, repeating: 0, count: layout.byteCount)
        let base = memory
        func floats(_ slot: Layout.Slot) -> WorkspaceBuffer<Float> { WorkspaceBuffer(in: base, slot) }
        layers = layout.layers.map { slots in
            LayerBuffers(z: floats(slots.z), activation: floats(slots.activation ?? slots.z),
                         dropped: floats(slots.dropped), mask: floats(slots.mask))
        }
        deltaA = floats(layout.deltaA)
        deltaB = floats(layout.deltaB)
        transposedDelta = floats(layout.transposedDelta)
        gradients = floats(layout.gradients)
        batchTarget = floats(layout.batchTarget)
        batchInput = floats(layout.batchInput)
        bestWeights = floats(layout.bestWeights)
        permutation = WorkspaceBuffer(in: base, layout.permutation)
        for i in 0 ..< permutation.count { permutation[i] = i }
    }

    deinit { memory.deallocate() }
}

extension TrainerWorkspace {
    /// Where each named buffer lives in the allocation, in bytes. Each buffer starts on a 64-byte boundary (16
    /// floats), so SIMD loads never split a cache line.
    struct Layout: Equatable {
        /// A buffer's place: `count` elements of `Element`, starting `offset` bytes into the allocation.
        struct Slot: Equatable {
            let offset: Int
            let count: Int
        }

        struct LayerSlots: Equatable {
            let z: Slot
            /// nil for a `linear` layer, whose activations are its pre-activations.
            let activation: Slot?
            let dropped: Slot
            let mask: Slot
        }

        static let alignment = 64

        let layers: [LayerSlots]
        let deltaA: Slot, deltaB: Slot, transposedDelta: Slot, gradients: Slot, batchTarget: Slot, batchInput: Slot, bestWeights: Slot
        let permutation: Slot
        /// Total bytes, a multiple of `alignment` and at least one alignment unit.
        let byteCount: Int

        /// The layout for `layers` (in order) with up to `rows` rows per pass and `trainingRows` rows to shuffle.
        /// `dropout`, `gather` (shuffled or noisy batches), `noise` and `restoreBestWeights` say which optional buffers
        /// have room.
        init(layers: [DenseLayer], rows: Int, inputSize: Int, parameterCount: Int, trainingRows: Int,
             dropout: Bool, gather: Bool, noise: Bool, restoreBestWeights: Bool) {
            var cursor = 0
            // `count` elements of `stride` bytes, then padding to the next 64-byte boundary.
            func reserve(_ count: Int, stride: Int = MemoryLayout<Float>.stride) -> Slot {
                let slot = Slot(offset: cursor, count: count)
                cursor += (count * stride + Layout.alignment - 1) / Layout.alignment * Layout.alignment
                return slot
            }
            let widest = layers.reduce(inputSize) { max($0, $1.outputs) }
            self.layers = layers.enumerated().map { l, layer in
                let perSample = rows * layer.outputs
                let hidden = l < layers.count - 1
                return LayerSlots(z: reserve(perSample),
                                  activation: layer.activation == .linear ? nil : reserve(perSample),
                                  dropped: reserve(dropout && hidden ? perSample : 0),
                                  mask: reserve(dropout && hidden ? perSample : 0))
            }
            deltaA = reserve(rows * widest)
            deltaB = reserve(rows * widest)
            transposedDelta = reserve(rows <= GEMM.transposedProductMaximumRows ? rows * widest : 0)
            gradients = reserve(parameterCount)
            batchTarget = reserve(gather ? rows * inputSize : 0)
            batchInput = reserve(noise ? rows * inputSize : 0)
            bestWeights = reserve(restoreBestWeights ? parameterCount : 0)
            permutation = reserve(trainingRows, stride: MemoryLayout<Int>.stride)
            byteCount = max(Layout.alignment, cursor)
        }
    }
}

/// A view of `count` elements of a `TrainerWorkspace`: indexing and the lengths handed to pointer-taking kernels are
/// checked with `assert` (debug builds only; a release build compiles this to bare pointer arithmetic).
///
/// The workspace owns the memory; a view must not outlive it.
struct WorkspaceBuffer<Element> {
    private let start: UnsafeMutablePointer<Element>
    let count: Int

    /// The slot's elements of `base`'s allocation, bound to `Element`.
    fileprivate init(in base: UnsafeMutableRawPointer, _ slot: TrainerWorkspace.Layout.Slot) {
        assert(slot.offset % MemoryLayout<Element>.alignment == 0)
        start = (base + slot.offset).bindMemory(to: Element.self, capacity: slot.count)
        count = slot.count
    }

    @inline(__always)
    subscript(i: Int) -> Element {
        get {
            assert(i >= 0 && i < count, "workspace index \(i) outside 0..<\(count)")
            return start[i]
        }
        nonmutating set {
            assert(i >= 0 && i < count, "workspace index \(i) outside 0..<\(count)")
            start[i] = newValue
        }
    }

    /// The address of the first `n` elements, for a kernel that reads or writes them through a pointer: asserts that
    /// they fit.
    @inline(__always)
    func first(_ n: Int) -> UnsafeMutablePointer<Element> {
        assert(n >= 0 && n <= count, "workspace range of \(n) elements exceeds its \(count)")
        return start
    }

    /// The address of elements `offset ..< offset + n`: asserts that they fit.
    @inline(__always)
    func elements(from offset: Int, count n: Int) -> UnsafeMutablePointer<Element> {
        assert(offset >= 0 && n >= 0 && offset + n <= count,
               "workspace range \(offset)..<\(offset + n) outside 0..<\(count)")
        return start + offset
    }
}
