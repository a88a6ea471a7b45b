import LinearAlgebra

/// One Dense layer of an autoencoder, `a = f(a_prev · W + b)` with W `inputs × outputs` (row-major, as Keras
/// stores its kernel), and where its parameters live in the model's flat buffer.
public struct DenseLayer: Equatable, Hashable, Sendable {
    /// Position in the model, from 0.
    public var index: Int
    public var inputs: Int
    public var outputs: Int
    /// Offset of the kernel in the flat parameter buffer; the bias follows the kernel.
    public var kernelOffset: Int
    public var activation: Activation

    public var kernelCount: Int { inputs * outputs }
    public var biasOffset: Int { kernelOffset + kernelCount }
    public var parameterCount: Int { kernelCount + outputs }
    /// Keras's default layer name (`dense_0`, …), also the tensor name prefix in model files.
    public var name: String { "dense_\(index)" }

    /// Forward pass for `rows` samples: `z = x · W + b`, `a = f(z)` (`a` may equal `z` for `linear`).
    ///
    /// x: (rows, inputs) with rows `ldx` apart · W: (inputs, outputs) + b → z, a: (rows, outputs), dense.
    /// `threads`: how many threads the product may use (`GEMM.multiply(threads:)`: the same bits for any count).
    func forward(x: UnsafePointer<Float>, ldx: Int, rows: Int, parameters: UnsafePointer<Float>,
                 z: UnsafeMutablePointer<Float>, a: UnsafeMutablePointer<Float>, backend: GEMMBackend,
                 threads: Int = 1) {
        let n = outputs
        let bias = parameters + biasOffset, activation = self.activation
        // The bias and activation of each block of z on the thread that has just written it (`finishingEachBlock`).
        GEMM.multiply(.none, .none, m: rows, n: n, k: inputs, alpha: 1, a: x, lda: ldx, b: parameters + kernelOffset,
                      ldb: n, beta: 0, c: z, ldc: n, backend: backend, threads: threads) { rowRange, columns in
            DenseLayer.finishForward(z: z, a: a, n: n, bias: bias, activation: activation, rows: rowRange,
                                     columns: columns)
        }
    }

    /// `z += b` and `a = f(z)` on rows `rows` and columns `columns` of the (rows, n) outputs: per element the same
    /// operations whatever the block, so blocks give the whole pass's bits.
    @inline(__always)
    static func finishForward(z: UnsafeMutablePointer<Float>, a: UnsafeMutablePointer<Float>, n: Int,
                              bias: UnsafePointer<Float>, activation: Activation, rows: Range<Int>,
                              columns: Range<Int>) {
        for r in rows {
            let zr = z + r * n
            for c in columns { zr[c] += bias[c] }
        }
        if columns.count == n {
            activation.apply(z + rows.lowerBound * n, into: a + rows.lowerBound * n, count: rows.count * n)
        } else {
            for r in rows {
                let offset = r * n + columns.lowerBound
                activation.apply(z + offset, into: a + offset, count: columns.count)
            }
        }
    }

    /// Parameter gradients from dZ: `dW = xᵀ · dZ`, `db = Σ_rows dZ` (overwritten, not accumulated).
    ///
    /// x: (rows, inputs), rows `ldx` apart; dZ: (rows, outputs) → dW: (inputs, outputs), db: (outputs).
    func parameterGradients(x: UnsafePointer<Float>, ldx: Int, dZ: UnsafePointer<Float>, rows: Int,
                            gradients: UnsafeMutablePointer<Float>, backend: GEMMBackend, threads: Int = 1) {
        let n = outputs
        GEMM.multiply(.transposed, .none, m: inputs, n: n, k: rows, alpha: 1, a: x, lda: ldx,
                      b: dZ, ldb: n, beta: 0, c: gradients + kernelOffset, ldc: n, backend: backend, threads: threads)
        biasGradient(dZ: dZ, rows: rows, gradients: gradients)
    }

    /// `db = Σ_rows dZ`, each column summed over the rows in row order (overwritten).
    func biasGradient(dZ: UnsafePointer<Float>, rows: Int, gradients: UnsafeMutablePointer<Float>) {
        let n = outputs
        let db = gradients + biasOffset
        db.update(from: dZ, count: n)
        for r in 1 ..< max(rows, 1) {
            let dzr = dZ + r * n
            for c in 0 ..< n { db[c] += dzr[c] }
        }
    }

    /// Gradient with respect to the layer's input: `dX = dZ · Wᵀ`.
    ///
    /// dZ: (rows, outputs) · Wᵀ: (outputs, inputs) → dX: (rows, inputs), dense. `scratch` ((inputs, rows) floats,
    /// `scratchCount` of them) lets a small batch on AEGrid's own kernel compute `dXᵀ = W · dZᵀ` instead and
    /// transpose it, with the same bits, rather than gather Wᵀ for every product (`GEMM.multiplyByTransposedB`).
    func inputGradient(dZ: UnsafePointer<Float>, rows: Int, parameters: UnsafePointer<Float>,
                       dX: UnsafeMutablePointer<Float>, scratch: UnsafeMutablePointer<Float>, scratchCount: Int,
                       backend: GEMMBackend, threads: Int = 1) {
        GEMM.multiplyByTransposedB(m: rows, n: inputs, k: outputs, a: dZ, lda: outputs, b: parameters + kernelOffset,
                                   ldb: outputs, c: dX, ldc: inputs, scratch: scratch, scratchCount: scratchCount,
                                   backend: backend, threads: threads)
    }
}
