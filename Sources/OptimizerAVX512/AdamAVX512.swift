/// Adam's update over a run of parameters in 512-bit vectors: the loop of `NeuralNet`'s `OptimizerState.update`,
/// sixteen parameters per instruction.
///
/// This module is compiled for x86-64-v4 (AVX-512, `Package.swift`), so its `SIMD16<Float>` operations are single
/// 512-bit instructions; `NeuralNet` calls it only on a CPU that has AVX-512 (`CPUFeatures.hasAVX512`), and nothing
/// here is inlinable into code compiled for other CPUs.
///
/// On Zen 5 Adam's pass is bound by its square root and division rather than by memory (a standalone pass over the
/// 434,176 parameters of 784→256→64→256→784: 113–126 µs in 256-bit vectors, 63–90 µs in 512-bit ones), and
/// `vsqrtps`/`vdivps` on 512 bits do twice the work per instruction. Every parameter gets exactly the operations of
/// the portable loop, each correctly rounded (subtract, multiply, add, square root, divide; no fused multiply-add),
/// so the bits are the same (`OptimizerTests`).
#if arch(x86_64)
public enum AdamAVX512 {
    /// For i in 0..<count, a multiple of 16: `m += (g − m)·(1 − β₁)`, `v += (g² − v)·(1 − β₂)`, `w −= m·α/(√v + ε)`,
    /// in place (the caller updates a shorter tail with its own loop). Returns the OR of every updated weight's
    /// non-finite flag word (`(bits & 0x7F80_0000) + 0x0080_0000`, whose top bit is set exactly for NaN and ±∞), for
    /// the caller's divergence check.
    @inline(never)
    public static func update(
        weights w: UnsafeMutablePointer<Float>, gradients g: UnsafePointer<Float>, m: UnsafeMutablePointer<Float>,
        v: UnsafeMutablePointer<Float>, count: Int, alpha: Float, oneMinusBeta1: Float, oneMinusBeta2: Float,
        epsilon: Float
    ) -> UInt32 {
        precondition(count % 16 == 0, "AdamAVX512.update: \(count) parameters, not a multiple of 16")
        let alpha16 = SIMD16<Float>(repeating: alpha), b1 = SIMD16<Float>(repeating: oneMinusBeta1)
        let b2 = SIMD16<Float>(repeating: oneMinusBeta2), eps = SIMD16<Float>(repeating: epsilon)
        let exponent = SIMD16<UInt32>(repeating: 0x7F80_0000), step = SIMD16<UInt32>(repeating: 0x0080_0000)
        var bad = SIMD16<UInt32>(repeating: 0)
        var i = 0
        while i < count {
            let gi = load(g + i), mOld = load(m + i), vOld = load(v + i)
            let mi = mOld + (gi - mOld) * b1
            let vi = vOld + (gi * gi - vOld) * b2
            store(mi, m + i)
            store(vi, v + i)
            let wi = load(w + i) - (mi * alpha16) / (vi.squareRoot() + eps)
            store(wi, w + i)
            bad |= (unsafeBitCast(wi, to: SIMD16<UInt32>.self) & exponent) &+ step
            i += 16
        }
        var flags: UInt32 = 0
        for lane in 0 ..< 16 { flags |= bad[lane] }
        return flags
    }

    @inline(__always)
    private static func load(_ p: UnsafePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    private static func load(_ p: UnsafeMutablePointer<Float>) -> SIMD16<Float> {
        UnsafeRawPointer(p).loadUnaligned(as: SIMD16<Float>.self)
    }

    @inline(__always)
    private static func store(_ x: SIMD16<Float>, _ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: x, as: SIMD16<Float>.self)
    }
}
#endif
