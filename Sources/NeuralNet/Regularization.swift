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
        if l1 != 0 {
            var sum: Float = 0
            for i in 0 ..< count { sum += abs(kernel[i]) }
            result += l1 * sum
        }
        if l2 != 0 {
            var sum: Float = 0
            for i in 0 ..< count { sum += kernel[i] * kernel[i] }
            result += l2 * sum
        }
        return result
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
