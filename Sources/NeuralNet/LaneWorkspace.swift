/// Every buffer a `TrainingGroup` uses, by name, allocated once in `init` (zeroed) and freed in `deinit`: a training
/// step allocates nothing. Tensors are interleaved (`LaneKernels`): `count` elements take `count × 8` floats.
final class LaneWorkspace {
    /// Parameters of every lane, interleaved, in `Architecture.layers`' flat layout.
    let parameters: UnsafeMutablePointer<Float>
    /// Their gradients, same layout.
    let gradients: UnsafeMutablePointer<Float>
    /// Per layer: pre-activations z and activations a, (rows, outputs); a is z for a `linear` layer.
    let z: [UnsafeMutablePointer<Float>]
    let activation: [UnsafeMutablePointer<Float>]
    /// The gathered batch (rows, inputSize): each lane's rows in its own order; input and target alike.
    let batch: UnsafeMutablePointer<Float>
    /// Ping-pong buffers for dZ and dA in the backward pass, (rows, widest layer).
    let deltaA: UnsafeMutablePointer<Float>
    let deltaB: UnsafeMutablePointer<Float>
    /// Each lane's row order: lane j's at `j × trainingRows`.
    let permutations: UnsafeMutablePointer<Int>
    /// One lane's parameters in the plain flat layout (for early stopping and snapshots).
    let laneParameters: UnsafeMutablePointer<Float>
    /// Scratch for a group of one (`SoloKernels.inputGradient`): a kernel transposed, the largest kernel's size.
    let transposed: UnsafeMutablePointer<Float>
    /// Early stopping's saved weights, one plain flat copy per lane (only with `restoreBestWeights`, else empty).
    let bestWeights: UnsafeMutablePointer<Float>

    /// Bytes this workspace allocated, as counted at each allocation (what `byteCount` must match).
    let allocatedBytes: Int

    private var owned: [UnsafeMutableRawPointer] = []

    /// The bytes `init` allocates for these arguments, computed without allocating: the memory estimate of a trial
    /// the group engine trains (`TrainingGroup.estimatedBytes`) counts with it. Nil when it overflows `Int`.
    static func byteCount(layers: [DenseLayer], rows: Int, inputSize: Int, parameterCount: Int, trainingRows: Int,
                          bestWeights: Bool) -> Int? {
        let lanes = LaneKernels.width
        var floats = [parameterCount * lanes, parameterCount * lanes]
        for layer in layers {
            floats.append(rows * layer.outputs * lanes)
            if layer.activation != .linear { floats.append(rows * layer.outputs * lanes) }
        }
        let widest = layers.map { max($0.inputs, $0.outputs) }.max() ?? 1
        floats += [rows * inputSize * lanes, rows * widest * lanes, rows * widest * lanes, parameterCount,
                   layers.map(\.kernelCount).max() ?? 0, bestWeights ? parameterCount * lanes : 0]
        // Only the row orders grow with the data; the rest is bounded by the engine's limits (`TrainingGroup.accepts`).
        let floatBytes = floats.reduce(0) { $0 + max(1, $1) * MemoryLayout<Float>.stride }
        let (orders, overflow) = max(1, trainingRows).multipliedReportingOverflow(by: lanes * MemoryLayout<Int>.stride)
        let (total, overflow2) = floatBytes.addingReportingOverflow(orders)
        return overflow || overflow2 ? nil : total
    }

    init(layers: [DenseLayer], rows: Int, inputSize: Int, parameterCount: Int, trainingRows: Int, bestWeights: Bool) {
        let lanes = LaneKernels.width
        var owned: [UnsafeMutableRawPointer] = []
        var allocated = 0
        func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
            let n = max(1, count)
            let raw = UnsafeMutableRawPointer.allocate(byteCount: n * MemoryLayout<Float>.stride, alignment: 64)
            allocated += n * MemoryLayout<Float>.stride
            owned.append(raw)
            let p = raw.bindMemory(to: Float.self, capacity: n)
            p.initialize(repeating: 0, count: n)
            return p
        }
        parameters = floats(parameterCount * lanes)
        gradients = floats(parameterCount * lanes)
        var z: [UnsafeMutablePointer<Float>] = [], a: [UnsafeMutablePointer<Float>] = []
        for layer in layers {
            let buffer = floats(rows * layer.outputs * lanes)
            z.append(buffer)
            a.append(layer.activation == .linear ? buffer : floats(rows * layer.outputs * lanes))
        }
        self.z = z
        activation = a
        batch = floats(rows * inputSize * lanes)
        let widest = layers.map { max($0.inputs, $0.outputs) }.max() ?? 1
        deltaA = floats(rows * widest * lanes)
        deltaB = floats(rows * widest * lanes)
        let orderBytes = max(1, trainingRows * lanes) * MemoryLayout<Int>.stride
        let orderRaw = UnsafeMutableRawPointer.allocate(byteCount: orderBytes, alignment: 64)
        allocated += orderBytes
        owned.append(orderRaw)
        permutations = orderRaw.bindMemory(to: Int.self, capacity: max(1, trainingRows * lanes))
        for j in 0 ..< lanes {
            for i in 0 ..< trainingRows { (permutations + j * trainingRows + i).initialize(to: i) }
        }
        laneParameters = floats(parameterCount)
        transposed = floats(layers.map(\.kernelCount).max() ?? 0)
        self.bestWeights = floats(bestWeights ? parameterCount * lanes : 0)
        self.owned = owned
        allocatedBytes = allocated
    }

    deinit {
        for raw in owned { raw.deallocate() }
    }
}
