import LinearAlgebra

/// Keras's `L1L2` kernel regulariser, applied to every Dense kernel (never to biases).
///
/// Penalty of one kernel W: `l1·Σ|W| + l2·ΣW²` (a term is skipped when its factor is 0, as Keras does). The batch's
/// total loss is the data loss plus the sum of the kernels' penalties, added **once per batch** (not divided by the
/// batch size). Gradient: `∂/∂W += l1·sign(W) + 2·l2·W`, with sign(0) = 0.
public struct Regularization: Equatable, Sendable {
    public var l1: Float
    public var l2: Float

    public init(l1: Float = 0, l2: Float = 0) {
        self.l1 = l1
        self.l2 = l2
    }

    /// True when both factors are zero (no penalty, no gradient).
    public var isNone: Bool { l1 == 0 && l2 == 0 }

    /// The penalty of one kernel of `count` values.
    func penalty(_ kernel: UnsafePointer<Float>, count: Int) -> Float {
        var result: Float = 0
        if l1 != 0 { result += l1 * Regularization.sum(kernel, count: count) { abs($0) } }
        if l2 != 0 { result += l2 * Regularization.sum(kernel, count: count) { $0 * $0 } }
        return result
    }

    /// Σ f(values) in 8 interleaved partial sums (a fixed order, so the result is reproducible).
    @inline(__always)
    static func sum(_ values: UnsafePointer<Float>, count: Int, _ f: (Float) -> Float) -> Float {
        var partial = Float8(repeating: 0)
        var i = 0
        while i + 8 <= count {
            let v = load8(values + i)
            partial += Float8(f(v[0]), f(v[1]), f(v[2]), f(v[3]), f(v[4]), f(v[5]), f(v[6]), f(v[7]))
            i += 8
        }
        var total = laneSum(partial)
        while i < count { total += f(values[i]); i += 1 }
        return total
    }

    /// Adds the penalty's gradient to a kernel's gradient: `dW[i] += l1·sign(W[i]) + 2·l2·W[i]`.
    func addGradient(_ kernel: UnsafePointer<Float>, to dKernel: UnsafeMutablePointer<Float>, count: Int) {
        let l1 = self.l1, twoL2 = 2 * self.l2
        switch (l1 != 0, l2 != 0) {
        case (false, false):
            return
        case (true, false):
            for i in 0 ..< count { let w = kernel[i]; dKernel[i] += l1 * (w > 0 ? 1 : (w < 0 ? -1 : 0)) }
        case (false, true):
            for i in 0 ..< count { dKernel[i] += twoL2 * kernel[i] }
        case (true, true):
            for i in 0 ..< count {
                let w = kernel[i]
                dKernel[i] += l1 * (w > 0 ? 1 : (w < 0 ? -1 : 0)) + twoL2 * w
            }
        }
    }
}
