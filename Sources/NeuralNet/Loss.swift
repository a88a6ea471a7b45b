#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LinearAlgebra

/// The reconstruction loss, with Keras's default reduction `sum_over_batch_size`: the per-sample loss is the mean
/// over the d features, and the batch loss is the sum of per-sample losses divided by the batch's n rows.
///
/// - `mse`: `L = (1/n) Σᵢ (1/d) Σⱼ (xᵢⱼ − ŷᵢⱼ)²`, `∂L/∂ŷ = 2(ŷ − x)/d/n`.
/// - `binary_crossentropy`: after a `sigmoid` output, Keras computes it **from the logits** z (no clipping):
///   per element `max(z, 0) − z·x + log1p(e^−|z|)`, `∂L/∂z = (σ(z) − x)/d/n`. After any other output activation
///   it uses the clipped probability form `−[x·log p + (1 − x)·log(1 − p)]`, `p = clip(ŷ, 1e-7, 1 − 1e-7)`, whose
///   gradient is zero where the clip is active (as TF's `clip_by_value`).
public enum Loss: String, CaseIterable, Codable, Sendable {
    case mse
    case binaryCrossentropy = "binary_crossentropy"

    /// Keras's `backend.epsilon()`, the clip bound of the probability form of binary cross-entropy.
    static let probabilityEpsilon: Float = 1e-7

    /// The batch loss of predictions against targets, and (when `gradient` is given) its gradient with respect to
    /// the output layer's pre-activation z, written into `gradient` (n×d, row-major, may alias nothing else).
    ///
    /// - Parameters: `z` and `a` are the output layer's pre-activation and activation (n×d, rows `d` apart);
    ///   `target` is n×d with rows `targetStride` apart.
    func evaluate(z: UnsafePointer<Float>, a: UnsafePointer<Float>, target: UnsafePointer<Float>, targetStride: Int,
                  rows n: Int, columns d: Int, outputActivation: Activation,
                  gradient: UnsafeMutablePointer<Float>?) -> Float {
        let fd = Float(d), fn = Float(n)
        var total: Float = 0
        switch self {
        case .mse:
            for r in 0 ..< n {
                let y = a + r * d, x = target + r * targetStride
                // Σ (x − ŷ)² in 8 lanes, then the tail.
                var sums = Float8(repeating: 0)
                var c = 0
                while c + 8 <= d {
                    let e = load8(x + c) - load8(y + c)
                    sums += e * e
                    c += 8
                }
                var rowSum = laneSum(sums)
                while c < d { let e = x[c] - y[c]; rowSum += e * e; c += 1 }
                total += rowSum / fd
                if let g = gradient {
                    let gr = g + r * d
                    for c in 0 ..< d { gr[c] = 2 * (y[c] - x[c]) / fd / fn }
                }
            }
            if let g = gradient {
                outputActivation.backward(z: z, a: a, gradient: g, count: n * d)
            }
        case .binaryCrossentropy where outputActivation == .sigmoid:
            for r in 0 ..< n {
                let zr = z + r * d, x = target + r * targetStride
                var rowSum: Float = 0
                for c in 0 ..< d {
                    let v = zr[c]
                    rowSum += (max(v, 0) - v * x[c]) + log1pf(expf(-abs(v)))
                }
                total += rowSum / fd
                if let g = gradient {
                    let gr = g + r * d, ar = a + r * d
                    for c in 0 ..< d { gr[c] = (ar[c] - x[c]) / fd / fn }
                }
            }
        case .binaryCrossentropy:
            let lo = Loss.probabilityEpsilon, hi = 1 - Loss.probabilityEpsilon
            for r in 0 ..< n {
                let y = a + r * d, x = target + r * targetStride
                var rowSum: Float = 0
                for c in 0 ..< d {
                    let p = min(max(y[c], lo), hi)
                    rowSum += -(x[c] * logf(p) + (1 - x[c]) * logf(1 - p))
                }
                total += rowSum / fd
                if let g = gradient {
                    let gr = g + r * d
                    for c in 0 ..< d {
                        let v = y[c]
                        let p = min(max(v, lo), hi)
                        // d/dp of −[x log p + (1−x) log(1−p)], zero where the clip is active.
                        gr[c] = (v < lo || v > hi) ? 0 : (-(x[c] / p) + (1 - x[c]) / (1 - p)) / fd / fn
                    }
                }
            }
            if let g = gradient {
                outputActivation.backward(z: z, a: a, gradient: g, count: n * d)
            }
        }
        return total / fn
    }
}
