#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LinearAlgebra

/// The element-wise nonlinearity of a dense layer, with Keras 3's definitions (strings as `Dense(activation=…)`).
///
/// | case | f(z) | f′(z) |
/// |---|---|---|
/// | `linear` | z | 1 |
/// | `relu` | max(z, 0) | z > 0 ? 1 : 0 (0 at z = 0, like TF's `ReluGrad`) |
/// | `sigmoid` | 1 / (1 + e^−z) | a·(1 − a) |
/// | `tanh` | tanh z | 1 − a² |
/// | `elu` | z > 0 ? z : e^z − 1 (alpha 1) | z > 0 ? 1 : a + 1 |
/// | `leaky_relu` | z > 0 ? z : 0.2·z (Keras 3's default slope) | z > 0 ? 1 : 0.2 |
/// | `gelu` | exact: ½·z·erfc(−z/√2) | ½·erfc(−z/√2) + z·φ(z) |
///
/// Everything is Float32 except `gelu`, which is evaluated in Double and rounded (as TF's erfc-based kernel is
/// accurate to Float32 rounding). `sigmoid` uses a vectorisable exponential within 1 ulp (`expApproximation`; the
/// logistic function within 2 ulp), as TF uses a vectorised approximation rather than libm.
public enum Activation: String, CaseIterable, Codable, Sendable {
    case linear, relu, sigmoid, tanh, elu
    case leakyRelu = "leaky_relu"
    case gelu

    /// Keras 3's `leaky_relu` negative slope.
    public static let leakyReluSlope: Float = 0.2

    /// f(z) for one value.
    @inline(__always)
    public func value(_ z: Float) -> Float {
        switch self {
        case .linear: return z
        case .relu: return z > 0 ? z : 0
        case .sigmoid: return logistic(z)
        case .tanh: return tanhf(z)
        case .elu: return z > 0 ? z : expm1f(z)
        case .leakyRelu: return z > 0 ? z : Activation.leakyReluSlope * z
        case .gelu:
            let zd = Double(z)
            return Float(0.5 * zd * erfc(-zd * 0.7071067811865476))
        }
    }

    /// f′(z), given z and a = f(z) (some derivatives are cheapest from the output).
    @inline(__always)
    public func derivative(z: Float, a: Float) -> Float {
        switch self {
        case .linear: return 1
        case .relu: return z > 0 ? 1 : 0
        case .sigmoid: return a * (1 - a)
        case .tanh: return 1 - a * a
        case .elu: return z > 0 ? 1 : a + 1
        case .leakyRelu: return z > 0 ? 1 : Activation.leakyReluSlope
        case .gelu: return Float(Activation.geluDerivative(Double(z)))
        }
    }

    @inline(__always)
    static func geluDerivative(_ z: Double) -> Double {
        0.5 * erfc(-z * 0.7071067811865476) + z * exp(-0.5 * z * z) * 0.3989422804014327
    }

    /// `a[i] = f(z[i])` for `i < count`. `a` may equal `z` (in place).
    func apply(_ z: UnsafePointer<Float>, into a: UnsafeMutablePointer<Float>, count: Int) {
        switch self {
        case .linear:
            if UnsafePointer(a) != z { a.update(from: z, count: count) }
        case .relu:
            for i in 0 ..< count { let v = z[i]; a[i] = v > 0 ? v : 0 }
        case .sigmoid:
            for i in 0 ..< count { a[i] = logistic(z[i]) }
        case .leakyRelu:
            let slope = Activation.leakyReluSlope
            for i in 0 ..< count { let v = z[i]; a[i] = v > 0 ? v : slope * v }
        case .tanh:
            for i in 0 ..< count { a[i] = tanhf(z[i]) }
        case .elu:
            for i in 0 ..< count { let v = z[i]; a[i] = v > 0 ? v : expm1f(v) }
        case .gelu:
            for i in 0 ..< count {
                let v = Double(z[i])
                a[i] = Float(0.5 * v * erfc(-v * 0.7071067811865476))
            }
        }
    }

    /// Backpropagates through the activation in place: `g[i] ← g[i] · f′(z[i])`, with `a = f(z)`. Every caller
    /// turns a gradient into the next one where it lies; one pointer for both (rather than `da` and `dz` that may be
    /// equal) lets the loops vectorize without a run-time overlap check that equal pointers would fail.
    func backward(z: UnsafePointer<Float>, a: UnsafePointer<Float>, gradient g: UnsafeMutablePointer<Float>,
                  count: Int) {
        switch self {
        case .linear:
            return
        case .relu:
            for i in 0 ..< count { g[i] = z[i] > 0 ? g[i] : 0 }
        case .sigmoid:
            for i in 0 ..< count { let v = a[i]; g[i] = g[i] * v * (1 - v) }
        case .tanh:
            for i in 0 ..< count { let v = a[i]; g[i] = g[i] * (1 - v * v) }
        case .elu:
            for i in 0 ..< count { let d = g[i]; g[i] = z[i] > 0 ? d : d * (a[i] + 1) }
        case .leakyRelu:
            let slope = Activation.leakyReluSlope
            for i in 0 ..< count { let d = g[i]; g[i] = z[i] > 0 ? d : slope * d }
        case .gelu:
            for i in 0 ..< count { g[i] = Float(Double(g[i]) * Activation.geluDerivative(Double(z[i]))) }
        }
    }
}
