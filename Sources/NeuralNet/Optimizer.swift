#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LinearAlgebra
#if arch(x86_64)
import OptimizerAVX512
#endif

/// An optimiser and its hyperparameters, with Keras's defaults.
///
/// Keras keeps hyperparameters as Python doubles and rounds them to Float32 where they meet a tensor, so
/// `1 − beta_1` is `Float(1 − 0.9 as Double)` = 0.1, not `1 − Float(0.9)` = 0.100000024. AEGrid reproduces this by
/// reading each Float hyperparameter as the shortest decimal that round-trips it (the value the user wrote, e.g.
/// `0.9`), doing the Keras-side arithmetic in Double, and rounding once. `learningRate` is used as a Float32, as
/// Keras keeps it in a float32 variable.
public enum OptimizerConfiguration: Equatable, Codable, Sendable {
    /// Keras `Adam` (amsgrad off): `t += 1; α = lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ); m += (g − m)(1 − β₁);
    /// v += (g² − v)(1 − β₂); w −= m·α/(√v + ε)`. The bias correction is folded into α and ε is added to √v.
    case adam(learningRate: Float, beta1: Float = 0.9, beta2: Float = 0.999, epsilon: Float = 1e-7)
    /// Keras `SGD`: momentum 0: `w −= g·lr`; else `m = m·μ − g·lr` and `w += m` (nesterov: `w += m·μ − g·lr`).
    case sgd(learningRate: Float, momentum: Float = 0, nesterov: Bool = false)
    /// Keras `RMSprop` (not centered): `v = ρ·v + (1 − ρ)·g²; inc = lr·g/√(v + ε)` (ε inside the root); momentum 0:
    /// `w −= inc`, else `mom = μ·mom + inc; w −= mom`.
    case rmsprop(learningRate: Float, rho: Float = 0.9, momentum: Float = 0, epsilon: Float = 1e-7)

    /// The learning rate, whatever the optimiser.
    public var learningRate: Float {
        switch self {
        case .adam(let lr, _, _, _), .sgd(let lr, _, _), .rmsprop(let lr, _, _, _): return lr
        }
    }

    /// Keras's class name (`Adam`, `SGD`, `RMSprop`).
    public var kerasName: String {
        switch self {
        case .adam: return "Adam"
        case .sgd: return "SGD"
        case .rmsprop: return "RMSprop"
        }
    }

    /// Slots per parameter this optimiser keeps (Adam m and v, momentum, RMSprop velocity and momentum).
    var slotCount: Int {
        switch self {
        case .adam: return 2
        case .sgd(_, let momentum, _): return momentum == 0 ? 0 : 1
        case .rmsprop(_, _, let momentum, _): return momentum == 0 ? 1 : 2
        }
    }
}

/// The value a Python user typed for this Float: the shortest decimal that round-trips it, read as a Double.
@inline(__always)
func decimalDouble(_ x: Float) -> Double {
    Double(x.description) ?? Double(x)
}

/// The optimiser's state for one flat parameter buffer: every parameter (kernels and biases of every layer) is
/// updated by one loop. Keras updates variables one after another (kernel₀, bias₀, kernel₁, …), but every update is
/// element-wise, so one pass over the concatenation is the same arithmetic.
struct OptimizerState {
    let configuration: OptimizerConfiguration
    let count: Int
    /// `slotCount × count` floats, zero at the start; owned (allocated once, freed by `deallocate()`).
    let slots: UnsafeMutablePointer<Float>
    /// Keras's `optimizer.iterations`: batches applied so far.
    private(set) var iterations: Int = 0
    /// Float32 constants, rounded once as Keras rounds them (see `OptimizerConfiguration`): for Adam
    /// (1 − β₁, 1 − β₂, ε); for SGD (μ, –, –); for RMSprop (ρ, 1 − ρ, ε) and `momentum` μ.
    private let c0: Float, c1: Float, c2: Float, mu: Float

    init(configuration: OptimizerConfiguration, count: Int) {
        self.configuration = configuration
        self.count = count
        switch configuration {
        case .adam(_, let beta1, let beta2, let epsilon):
            c0 = Float(1 - decimalDouble(beta1)); c1 = Float(1 - decimalDouble(beta2)); c2 = Float(decimalDouble(epsilon))
            mu = 0
        case .sgd(_, let momentum, _):
            c0 = 0; c1 = 0; c2 = 0
            mu = Float(decimalDouble(momentum))
        case .rmsprop(_, let rho, let momentum, let epsilon):
            c0 = Float(decimalDouble(rho)); c1 = Float(1 - decimalDouble(rho)); c2 = Float(decimalDouble(epsilon))
            mu = Float(decimalDouble(momentum))
        }
        let n = max(1, configuration.slotCount * count)
        slots = .allocate(capacity: n)
        slots.initialize(repeating: 0, count: n)
    }

    func deallocate() { slots.deallocate() }

    /// Copies another state's slots and iteration count (same configuration and size).
    mutating func copy(from other: OptimizerState) {
        precondition(other.count == count && other.configuration == configuration)
        slots.update(from: other.slots, count: max(1, configuration.slotCount * count))
        iterations = other.iterations
    }

    /// Adam's step size for the current step, `lr·√(1 − β₂ᵗ)/(1 − β₁ᵗ)` (set by `beginStep`).
    private var alpha: Float = 0

    /// Starts step t = iterations + 1 (Keras's iteration counter goes up once per batch, shared by all variables).
    mutating func beginStep() {
        iterations += 1
        if case .adam(let lr, let beta1, let beta2, _) = configuration {
            let t = Float(iterations)
            alpha = lr * (1 - powf(beta2, t)).squareRoot() / (1 - powf(beta1, t))
        }
    }

    /// Parameters below which a block of the update is not worth a thread of its own: handing a block to the
    /// helper thread, awake between a step's hand-offs, costs about a microsecond, and one thread's Adam update of
    /// 2¹³ parameters about two (so a 256×64 kernel's update is cut in two, as its products are).
    static let parallelMinimumCount = 1 << 13

    /// `update(weights:gradients:range:)` on up to `threads` threads: the range is cut into blocks of consecutive
    /// parameters, one per thread (`ParallelBlocks`). At a small batch the update of a wide layer is a large share
    /// of the step (at 784→256→64→256→784, batch 32, one thread's Adam pass over the 434k parameters and their
    /// moments takes about a fifth of it), and it would otherwise run on one core while the products use two.
    /// Every update is element-wise and the blocks' finiteness flags are combined with a logical and, so the bits
    /// are one pass's for any `threads` (`TrainerTests`).
    func update(weights: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, range: Range<Int>,
                threads: Int) -> Bool {
        let blocks = min(threads, range.count / OptimizerState.parallelMinimumCount)
        guard blocks > 1 else { return update(weights: weights, gradients: gradients, range: range) }
        // Blocks of whole 64-byte lines (16 floats), so that two threads never write the same cache line of a buffer.
        let perBlock = ((range.count + blocks - 1) / blocks + 15) / 16 * 16
        return withUnsafeTemporaryAllocation(of: Bool.self, capacity: blocks) { finite in
            ParallelBlocks.run(blocks) { block in
                let lower = min(range.upperBound, range.lowerBound + block * perBlock)
                let upper = min(range.upperBound, lower + perBlock)
                // Each block writes its own parameters, moments and flag.
                finite[block] = update(weights: weights, gradients: gradients, range: lower ..< upper)
            }
            return finite.allSatisfy { $0 }
        }
    }

    /// Whether Adam's update runs in 512-bit vectors (`AdamAVX512`, the same bits): on a CPU with AVX-512, where its
    /// square roots and divisions take half the instructions. On Zen 5 they, not memory, bound the pass.
    static let adamUsesAVX512 = CPUFeatures.hasAVX512

    /// Adam's update of `count` parameters in place; returns the OR of the updated weights' `nonFiniteFlag` words.
    /// With `wideVectors` (only on a CPU with AVX-512) the whole multiples of 16 go to `AdamAVX512.update`, the same
    /// arithmetic in 512-bit vectors, and the rest to this loop, which LLVM vectorises in the build's own vectors.
    @inline(__always)
    static func adam(weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>,
                     m: UnsafeMutablePointer<Float>, v: UnsafeMutablePointer<Float>, count: Int, alpha: Float,
                     oneMinusBeta1: Float, oneMinusBeta2: Float, epsilon eps: Float, wideVectors: Bool) -> UInt32 {
        var bad: UInt32 = 0
        var start = 0
        #if arch(x86_64)
        if wideVectors {
            start = count / 16 * 16
            bad = AdamAVX512.update(weights: w, gradients: g, m: m, v: v, count: start, alpha: alpha,
                                    oneMinusBeta1: oneMinusBeta1, oneMinusBeta2: oneMinusBeta2, epsilon: eps)
        }
        #endif
        for i in start ..< count {
            let gi = g[i]
            let mi = m[i] + (gi - m[i]) * oneMinusBeta1
            let vi = v[i] + (gi * gi - v[i]) * oneMinusBeta2
            m[i] = mi
            v[i] = vi
            let wi = w[i] - (mi * alpha) / (vi.squareRoot() + eps)
            w[i] = wi
            bad |= nonFiniteFlag(wi)
        }
        return bad
    }

    /// Updates the parameters in `range` of the flat buffer (`w` and `g` point at the buffer's start): one flat loop.
    /// Every update is element-wise, so updating ranges one after another (e.g. a layer as soon as its gradient is
    /// known) gives the same bits as one pass over everything. Returns false when any updated weight is NaN or
    /// infinite (checked in the same pass, for divergence detection).
    func update(weights: UnsafeMutablePointer<Float>, gradients: UnsafePointer<Float>, range: Range<Int>) -> Bool {
        let n = range.count, start = range.lowerBound
        let w = weights + start, g = gradients + start
        var bad: UInt32 = 0
        switch configuration {
        case .adam:
            let m = slots + start, v = slots + count + start
            bad = OptimizerState.adam(weights: w, gradients: g, m: m, v: v, count: n, alpha: alpha,
                                      oneMinusBeta1: c0, oneMinusBeta2: c1, epsilon: c2,
                                      wideVectors: OptimizerState.adamUsesAVX512)
        case .sgd(let lr, let momentum, let nesterov):
            let mu = self.mu
            if momentum == 0 {
                for i in 0 ..< n {
                    let wi = w[i] - g[i] * lr
                    w[i] = wi
                    bad |= nonFiniteFlag(wi)
                }
            } else if nesterov {
                let m = slots + start
                for i in 0 ..< n {
                    let gl = g[i] * lr
                    let mi = m[i] * mu - gl
                    m[i] = mi
                    let wi = w[i] + (mi * mu - gl)
                    w[i] = wi
                    bad |= nonFiniteFlag(wi)
                }
            } else {
                let m = slots + start
                for i in 0 ..< n {
                    let mi = m[i] * mu - g[i] * lr
                    m[i] = mi
                    let wi = w[i] + mi
                    w[i] = wi
                    bad |= nonFiniteFlag(wi)
                }
            }
        case .rmsprop(let lr, _, let momentum, _):
            let rho = c0, oneMinusRho = c1, eps = c2, mu = self.mu
            let v = slots + start
            if momentum == 0 {
                for i in 0 ..< n {
                    let gi = g[i]
                    let vi = rho * v[i] + oneMinusRho * (gi * gi)
                    v[i] = vi
                    let wi = w[i] - (lr * gi) / (vi + eps).squareRoot()
                    w[i] = wi
                    bad |= nonFiniteFlag(wi)
                }
            } else {
                let mom = slots + count + start
                for i in 0 ..< n {
                    let gi = g[i]
                    let vi = rho * v[i] + oneMinusRho * (gi * gi)
                    v[i] = vi
                    let mi = mu * mom[i] + (lr * gi) / (vi + eps).squareRoot()
                    mom[i] = mi
                    let wi = w[i] - mi
                    w[i] = wi
                    bad |= nonFiniteFlag(wi)
                }
            }
        }
        return noneNonFinite(bad)
    }
}
