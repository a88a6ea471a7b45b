import LinearAlgebra

/// Building blocks of the element-wise hot loops of training.
///
/// The loops themselves are plain `for i in 0 ..< count` loops over pointers, written with only operations LLVM's
/// loop vectoriser turns into 8-lane AVX2 code (arithmetic, comparisons/selects, `rounded(.down)`, bit casts):
/// Swift's generic `SIMD` methods (`replacing(with:where:)`, `rounded`, lane shifts) are scalarised lane by lane,
/// so they are avoided. Element-wise IEEE arithmetic gives the same bits vectorised or not, and Swift never fuses a
/// multiply and an add unless asked (`addingProduct`: in `expApproximation` here, and in the small-model engine's
/// products, `LaneKernels` and `SoloKernels`), which keeps Keras's rounding of the element-wise operations.
/// Floating-point sums are not reassociated by the vectoriser, so reductions accumulate explicitly in 8 lanes
/// (`Float8`) and are summed in a fixed order.
typealias Float8 = SIMD8<Float>

@inline(__always) func load8(_ p: UnsafePointer<Float>) -> Float8 {
    UnsafeRawPointer(p).loadUnaligned(as: Float8.self)
}

@inline(__always) func load4(_ p: UnsafePointer<Float>) -> SIMD4<Float> {
    UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Float>.self)
}

@inline(__always) func store8(_ v: Float8, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: Float8.self)
}

/// Horizontal sum of the 8 lanes, in a fixed order.
@inline(__always) func laneSum(_ v: Float8) -> Float {
    let h = v.lowHalf + v.highHalf
    let q = h.lowHalf + h.highHalf
    return q[0] + q[1]
}

/// e^x in Float32: Cephes `expf` (range reduction by ln 2 split in two constants, degree-5 minimax polynomial,
/// scaling by 2ⁿ through the exponent bits), vectorisable, evaluated with fused multiply-adds. Within 1 ulp of the
/// correctly rounded e^x on [−87, 88] (every seventh Float there: 99.2 % exact), as with separate multiplies and adds,
/// and the logistic function built on it within 2 ulp on [−30, 30]; inputs are clamped to that range
/// (e^−87 ≈ 1.6e−38, e^88 ≈ 1.7e38); NaN propagates.
///
/// The fused form is the one exception to the element-wise loops' rule of separate multiplies and adds: that rule
/// keeps the rounding of the operations Keras performs, and this polynomial is none of them. TensorFlow's own
/// sigmoid matches neither form bit for bit (within 6 ulp of the correctly rounded value, equal to it for 57 %;
/// measurements.md, 2026-12-02), and the fused one takes 11 fewer operations per element: the logistic function
/// costs 0.32 ns per element instead of 0.47, and it is the largest single cost of training a small model.
@inline(__always) func expApproximation(_ input: Float) -> Float {
    var x = input < -87 ? -87 : input
    x = x > 88 ? 88 : x
    let n = Float(0.5).addingProduct(x, 1.44269504088896341).rounded(.down)
    x = x.addingProduct(n, -0.693359375)
    x = x.addingProduct(n, 2.12194440e-4)
    var y: Float = 1.9875691500e-4
    y = Float(1.3981999507e-3).addingProduct(y, x)
    y = Float(8.3334519073e-3).addingProduct(y, x)
    y = Float(4.1665795894e-2).addingProduct(y, x)
    y = Float(1.6666665459e-1).addingProduct(y, x)
    y = Float(5.0000001201e-1).addingProduct(y, x)
    y = x.addingProduct(y, x * x) + 1
    // 2ⁿ: n + 1.5·2²³ holds n in its low mantissa bits; move n + 127 into the exponent field.
    let exponent = (n + 12582912).bitPattern &- 0x4B40_0000 &+ 127
    return y * Float(bitPattern: exponent &<< 23)
}

/// The logistic function 1 / (1 + e^−z) with `expApproximation`.
@inline(__always) func logistic(_ z: Float) -> Float {
    1 / (1 + expApproximation(-z))
}

/// A word whose top bit is set exactly when `x` is NaN or ±∞: its exponent bits, all ones only then, plus one
/// exponent step, which carries into bit 31 only then. OR the words of many values and test the result with
/// `noneNonFinite`. Three vector operations per eight values (and, add, or); the comparison it replaced made LLVM
/// narrow and pack the flags in every iteration, about 8 % of an Adam update's time.
@inline(__always) func nonFiniteFlag(_ x: Float) -> UInt32 {
    (x.bitPattern & 0x7F80_0000) &+ 0x0080_0000
}

/// Whether an OR of `nonFiniteFlag` words saw no NaN or infinity.
@inline(__always) func noneNonFinite(_ flags: UInt32) -> Bool {
    flags & 0x8000_0000 == 0
}
