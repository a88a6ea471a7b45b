import Foundation
@testable import NeuralNet

/// A Double-precision autoencoder loss, written independently of the Float32 trainer: the reference that
/// central differences are taken on.
struct DoubleOracle {
    var architecture: Architecture
    var loss: Loss
    var l1: Double = 0
    var l2: Double = 0

    static func activate(_ f: Activation, _ z: Double) -> Double {
        switch f {
        case .linear: return z
        case .relu: return max(z, 0)
        case .sigmoid: return 1 / (1 + exp(-z))
        case .tanh: return Foundation.tanh(z)
        case .elu: return z > 0 ? z : expm1(z)
        case .leakyRelu: return z > 0 ? z : 0.2 * z
        case .gelu: return 0.5 * z * erfc(-z / 2.0.squareRoot())
        }
    }

    /// Total loss (data + penalty) of `x` (rows × d, row-major) with flat parameters `p`.
    func totalLoss(_ p: [Double], x: [Double], rows n: Int) -> Double {
        let sizes = architecture.layerSizes
        let d = architecture.inputSize
        var a = x
        var offset = 0
        var z: [Double] = []
        var penalty = 0.0
        for l in 0 ..< sizes.count - 1 {
            let (fin, fout) = (sizes[l], sizes[l + 1])
            let kernel = offset, bias = offset + fin * fout
            z = [Double](repeating: 0, count: n * fout)
            for r in 0 ..< n {
                for c in 0 ..< fout {
                    var s = p[bias + c]
                    for k in 0 ..< fin { s += a[r * fin + k] * p[kernel + k * fout + c] }
                    z[r * fout + c] = s
                }
            }
            for i in 0 ..< fin * fout {
                penalty += l1 * abs(p[kernel + i]) + l2 * p[kernel + i] * p[kernel + i]
            }
            let f = architecture.activation(ofLayer: l)
            a = z.map { DoubleOracle.activate(f, $0) }
            offset = bias + fout
        }
        var data = 0.0
        for r in 0 ..< n {
            var row = 0.0
            for c in 0 ..< d {
                let t = x[r * d + c]
                switch loss {
                case .mse:
                    row += (t - a[r * d + c]) * (t - a[r * d + c])
                case .binaryCrossentropy:
                    precondition(architecture.outputActivation == .sigmoid, "oracle: BCE needs a sigmoid output")
                    let v = z[r * d + c]
                    row += max(v, 0) - v * t + log1p(exp(-abs(v)))
                }
            }
            data += row / Double(d)
        }
        return data / Double(n) + penalty
    }

    /// Central-difference gradient of `totalLoss` at `p`.
    func numericalGradient(_ p: [Double], x: [Double], rows n: Int, step h: Double = 1e-6) -> [Double] {
        var q = p
        var g = [Double](repeating: 0, count: p.count)
        for i in p.indices {
            q[i] = p[i] + h
            let up = totalLoss(q, x: x, rows: n)
            q[i] = p[i] - h
            let down = totalLoss(q, x: x, rows: n)
            q[i] = p[i]
            g[i] = (up - down) / (2 * h)
        }
        return g
    }
}
