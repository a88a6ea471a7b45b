#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LinearAlgebra

/// The arithmetic of a `TrainingGroup` of one member, over **plain** buffers (element k at k, no lanes):
/// vectorised inside the trial, along a layer's outputs (forward product, dW, db), along its inputs (dX) and along
/// the parameters (optimiser, penalty gradient), instead of across eight lanes of which seven would be padding.
///
/// **Every element gets exactly `LaneKernels`' sequence of Float32 operations**, so a member's bits are the same on
/// either path: each product starts from 0 and takes its `x·w` terms as fused multiply-adds in the same index order
/// (inputs for z, rows for dW, outputs for dX), then adds the bias; db starts from the first row's dZ and adds the
/// others in row order; the loss, its gradient and the penalty are the same formulas, with the row sums, the batch
/// total and the penalty sums kept serial in the same order. A block of outputs (or inputs) is one SIMD vector;
/// where the width is not a multiple of the vector, the last block overlaps the one before it and recomputes those
/// elements with the same operations, to the same bits. `TrainingGroupTests` holds both paths to bitwise equality.
/// Nothing here allocates.
enum SoloKernels {
    // MARK: - Dense layer

    /// `z = x·W + b`, `a = f(z)`. x: (rows, inputs), W: (inputs, outputs), z, a: (rows, outputs), plain.
    static func forward(_ layer: DenseLayer, x: UnsafePointer<Float>, rows: Int, parameters: UnsafePointer<Float>,
                        z: UnsafeMutablePointer<Float>, a: UnsafeMutablePointer<Float>) {
        forEachBlock(width: layer.outputs, ForwardBlock(x: x, rows: rows, n: layer.inputs, m: layer.outputs,
                                                         w: parameters + layer.kernelOffset,
                                                         b: parameters + layer.biasOffset, z: z))
        layer.activation.apply(z, into: a, count: rows * layer.outputs)
    }

    private struct ForwardBlock: SoloBlockVisitor {
        let x: UnsafePointer<Float>, rows: Int, n: Int, m: Int
        let w: UnsafePointer<Float>, b: UnsafePointer<Float>, z: UnsafeMutablePointer<Float>
        @inline(__always) func visit<V: SoloVector>(_: V.Type, at o: Int) {
            productBlock(V.self, a: x, depth: n, rows: rows, b: w + o, bStride: m, bias: V.load(b + o), c: z + o,
                         cStride: m)
        }
    }

    /// Calls `visitor` for the blocks that cover `width` columns: whole octets, then a tail of one to four columns
    /// as one `SIMD4` and of five to seven as an octet overlapping the one before; widths 4–7 as two overlapping
    /// `SIMD4`s (one for 4), 2–3 as `SIMD2`s, 1 as a float. An element gets the same operations whichever block
    /// computes it (an overlap recomputes elements to the same bits), so the split changes only the instruction
    /// count: a short tail in a `SIMD4` is half an octet's work where 256-bit operations run as two halves (Zen 1
    /// and 2) and the same elsewhere, and a `SIMD2` does a two- or three-wide layer in half the scalar operations.
    @inline(__always)
    private static func forEachBlock<Visitor: SoloBlockVisitor>(width: Int, _ visitor: Visitor) {
        if width >= 8 {
            var o = 0
            while o &+ 8 <= width {
                visitor.visit(Float8.self, at: o)
                o &+= 8
            }
            let tail = width &- o
            if tail > 4 {
                visitor.visit(Float8.self, at: width &- 8)
            } else if tail > 0 {
                visitor.visit(SIMD4<Float>.self, at: width &- 4)
            }
        } else if width >= 4 {
            visitor.visit(SIMD4<Float>.self, at: 0)
            if width > 4 { visitor.visit(SIMD4<Float>.self, at: width &- 4) }
        } else if width >= 2 {
            visitor.visit(SIMD2<Float>.self, at: 0)
            if width > 2 { visitor.visit(SIMD2<Float>.self, at: width &- 2) }
        } else if width == 1 {
            visitor.visit(Float.self, at: 0)
        }
    }

    /// One block of `V.lanes` columns of a plain product, `C[r][c…] = Σ_k A[r][k]·B[k][c…]` (then `+ bias`), for
    /// every row: each element's sum starts from 0 and adds the terms in k order. A is `rows × depth` (row stride
    /// `depth`); `b` and `c` point at the block's first column of B's and C's first rows, `bStride` and `cStride`
    /// floats apart. Eight rows at a time, so eight independent sums hide the adds' latency (four left the adder
    /// waiting), then four, then one. The forward product (B = W, with the bias) and dX (B = Wᵀ) are both this.
    @inline(__always)
    private static func productBlock<V: SoloVector>(_: V.Type, a: UnsafePointer<Float>, depth: Int, rows: Int,
                                                    b: UnsafePointer<Float>, bStride: Int, bias: V?,
                                                    c: UnsafeMutablePointer<Float>, cStride: Int) {
        @inline(__always) func finish(_ s: V) -> V { bias.map { s + $0 } ?? s }
        var r = 0
        while r &+ 8 <= rows {
            let a0 = a + r &* depth, a1 = a0 + depth, a2 = a1 + depth, a3 = a2 + depth
            let a4 = a3 + depth, a5 = a4 + depth, a6 = a5 + depth, a7 = a6 + depth
            var s0 = V(repeating: 0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0
            var bk = b
            for k in 0 ..< depth {
                let bv = V.load(bk)
                s0 = s0.addingProduct(V(repeating: a0[k]), bv)
                s1 = s1.addingProduct(V(repeating: a1[k]), bv)
                s2 = s2.addingProduct(V(repeating: a2[k]), bv)
                s3 = s3.addingProduct(V(repeating: a3[k]), bv)
                s4 = s4.addingProduct(V(repeating: a4[k]), bv)
                s5 = s5.addingProduct(V(repeating: a5[k]), bv)
                s6 = s6.addingProduct(V(repeating: a6[k]), bv)
                s7 = s7.addingProduct(V(repeating: a7[k]), bv)
                bk += bStride
            }
            let c0 = c + r &* cStride
            finish(s0).store(c0); finish(s1).store(c0 + cStride)
            finish(s2).store(c0 + 2 &* cStride); finish(s3).store(c0 + 3 &* cStride)
            finish(s4).store(c0 + 4 &* cStride); finish(s5).store(c0 + 5 &* cStride)
            finish(s6).store(c0 + 6 &* cStride); finish(s7).store(c0 + 7 &* cStride)
            r &+= 8
        }
        while r &+ 4 <= rows {
            let a0 = a + r &* depth, a1 = a0 + depth, a2 = a1 + depth, a3 = a2 + depth
            var s0 = V(repeating: 0), s1 = s0, s2 = s0, s3 = s0
            var bk = b
            for k in 0 ..< depth {
                let bv = V.load(bk)
                s0 = s0.addingProduct(V(repeating: a0[k]), bv)
                s1 = s1.addingProduct(V(repeating: a1[k]), bv)
                s2 = s2.addingProduct(V(repeating: a2[k]), bv)
                s3 = s3.addingProduct(V(repeating: a3[k]), bv)
                bk += bStride
            }
            let c0 = c + r &* cStride
            finish(s0).store(c0); finish(s1).store(c0 + cStride)
            finish(s2).store(c0 + 2 &* cStride); finish(s3).store(c0 + 3 &* cStride)
            r &+= 4
        }
        while r < rows {
            let ar = a + r &* depth
            var s = V(repeating: 0), bk = b
            for k in 0 ..< depth {
                s = s.addingProduct(V(repeating: ar[k]), V.load(bk))
                bk += bStride
            }
            finish(s).store(c + r &* cStride)
            r &+= 1
        }
    }

    /// `dW = xᵀ·dZ` (summed over the rows in row order, from 0) and `db = Σ_rows dZ` (from the first row), overwritten.
    static func parameterGradients(_ layer: DenseLayer, x: UnsafePointer<Float>, dZ: UnsafePointer<Float>, rows: Int,
                                   gradients: UnsafeMutablePointer<Float>) {
        forEachBlock(width: layer.outputs, GradientBlock(x: x, dZ: dZ, rows: rows, n: layer.inputs, m: layer.outputs,
                                                          dw: gradients + layer.kernelOffset,
                                                          db: gradients + layer.biasOffset))
    }

    private struct GradientBlock: SoloBlockVisitor {
        let x: UnsafePointer<Float>, dZ: UnsafePointer<Float>, rows: Int, n: Int, m: Int
        let dw: UnsafeMutablePointer<Float>, db: UnsafeMutablePointer<Float>
        @inline(__always) func visit<V: SoloVector>(_: V.Type, at o: Int) {
            var i = 0
            while i < n {
                let remaining = n &- i
                if remaining >= 8 || (n >= 8 && remaining > 4) {
                    // Eight inputs at a time (eight independent sums); a last block of five to seven overlaps the
                    // one before (same sums, same bits).
                    let i0 = min(i, n &- 8)
                    var s0 = V(repeating: 0), s1 = s0, s2 = s0, s3 = s0, s4 = s0, s5 = s0, s6 = s0, s7 = s0
                    var d = dZ + o, xr = x + i0
                    for _ in 0 ..< rows {
                        let dv = V.load(d)
                        s0 = s0.addingProduct(V(repeating: xr[0]), dv)
                        s1 = s1.addingProduct(V(repeating: xr[1]), dv)
                        s2 = s2.addingProduct(V(repeating: xr[2]), dv)
                        s3 = s3.addingProduct(V(repeating: xr[3]), dv)
                        s4 = s4.addingProduct(V(repeating: xr[4]), dv)
                        s5 = s5.addingProduct(V(repeating: xr[5]), dv)
                        s6 = s6.addingProduct(V(repeating: xr[6]), dv)
                        s7 = s7.addingProduct(V(repeating: xr[7]), dv)
                        d += m
                        xr += n
                    }
                    let d0 = dw + i0 &* m + o
                    s0.store(d0); s1.store(d0 + m); s2.store(d0 + 2 &* m); s3.store(d0 + 3 &* m)
                    s4.store(d0 + 4 &* m); s5.store(d0 + 5 &* m); s6.store(d0 + 6 &* m); s7.store(d0 + 7 &* m)
                    i &+= 8
                } else if n >= 4 {
                    // Four inputs at a time: a width of four to seven, or a last one to four inputs after the
                    // octets (overlapping the inputs before, same sums, same bits: half the work of an
                    // overlapping octet, which a 10-wide layer's last two inputs had cost).
                    let i0 = min(i, n &- 4)
                    var s0 = V(repeating: 0), s1 = s0, s2 = s0, s3 = s0
                    var d = dZ + o, xr = x + i0
                    for _ in 0 ..< rows {
                        let dv = V.load(d)
                        s0 = s0.addingProduct(V(repeating: xr[0]), dv)
                        s1 = s1.addingProduct(V(repeating: xr[1]), dv)
                        s2 = s2.addingProduct(V(repeating: xr[2]), dv)
                        s3 = s3.addingProduct(V(repeating: xr[3]), dv)
                        d += m
                        xr += n
                    }
                    let d0 = dw + i0 &* m + o
                    s0.store(d0); s1.store(d0 + m); s2.store(d0 + 2 &* m); s3.store(d0 + 3 &* m)
                    i &+= 4
                } else if remaining >= 2 {
                    // A width of two or three: two inputs side by side, so that the row loop is not one chain of
                    // dependent adds per input.
                    var s0 = V(repeating: 0), s1 = s0
                    var d = dZ + o, xr = x + i
                    for _ in 0 ..< rows {
                        let dv = V.load(d)
                        s0 = s0.addingProduct(V(repeating: xr[0]), dv)
                        s1 = s1.addingProduct(V(repeating: xr[1]), dv)
                        d += m
                        xr += n
                    }
                    let d0 = dw + i &* m + o
                    s0.store(d0); s1.store(d0 + m)
                    i &+= 2
                } else {
                    var s = V(repeating: 0)
                    for r in 0 ..< rows { s = s.addingProduct(V(repeating: x[r * n + i]), V.load(dZ + r * m + o)) }
                    s.store(dw + i &* m + o)
                    i &+= 1
                }
            }
            var s = V.load(dZ + o), d = dZ + o
            for _ in 1 ..< max(rows, 1) {
                d += m
                s = s + V.load(d)
            }
            s.store(db + o)
        }
    }

    /// `dX = dZ·Wᵀ`, each entry summed over the outputs in order from 0, with the kernel before its update.
    /// `transposed` (inputs × outputs floats) receives Wᵀ, so that a block of inputs is one vector load.
    static func inputGradient(_ layer: DenseLayer, dZ: UnsafePointer<Float>, rows: Int, parameters: UnsafePointer<Float>,
                              transposed: UnsafeMutablePointer<Float>, dX: UnsafeMutablePointer<Float>) {
        let n = layer.inputs, m = layer.outputs
        let w = parameters + layer.kernelOffset
        // Row by row of W, each input's outputs to a column of Wᵀ (no overflow checks: the layer's own sizes).
        var source = w
        for i in 0 ..< n {
            var target = transposed + i
            for _ in 0 ..< m {
                target.pointee = source.pointee
                source += 1
                target += n
            }
        }
        forEachBlock(width: n, InputGradientBlock(dZ: dZ, rows: rows, n: n, m: m, wt: transposed, dX: dX))
    }

    private struct InputGradientBlock: SoloBlockVisitor {
        let dZ: UnsafePointer<Float>, rows: Int, n: Int, m: Int
        let wt: UnsafePointer<Float>, dX: UnsafeMutablePointer<Float>
        @inline(__always) func visit<V: SoloVector>(_: V.Type, at i: Int) {
            productBlock(V.self, a: dZ, depth: m, rows: rows, b: wt + i, bStride: n, bias: nil, c: dX + i, cStride: n)
        }
    }

    // MARK: - Loss

    /// The batch loss and (with `gradient`) its gradient with respect to the output layer's z, as
    /// `LaneKernels.loss` computes each lane's: the same per-element formulas, row sums and total in the same order.
    static func loss(_ loss: Loss, z: UnsafePointer<Float>, a: UnsafePointer<Float>, target: UnsafePointer<Float>,
                     rows n: Int, columns d: Int, outputActivation: Activation,
                     gradient: UnsafeMutablePointer<Float>?) -> Float {
        let fd = Float(d), fn = Float(n)
        var total: Float = 0
        switch loss {
        case .mse:
            // Each row's sum is one serial chain in column order (then `/ d`, added to the total in row order). In
            // training the squared errors are computed first, eight at a time, into `gradient` (overwritten just
            // below), so the chains only add; four chains side by side keep the adder busy.
            if let g = gradient {
                for k in 0 ..< n * d {
                    let e = target[k] - a[k]
                    g[k] = e * e
                }
                total = sumOfRowMeans(rows: n, columns: d) { g[$0] }
            } else {
                total = sumOfRowMeans(rows: n, columns: d) { k in
                    let e = target[k] - a[k]
                    return e * e
                }
            }
            guard let g = gradient else { break }
            let scale = 2 / (Float(d) * Float(n))
            if outputActivation == .sigmoid {
                for k in 0 ..< n * d {
                    let y = a[k], x = target[k]
                    let dy = (y - x) * scale
                    g[k] = dy * y * (1 - y)
                }
            } else {
                for k in 0 ..< n * d { g[k] = (a[k] - target[k]) * scale }
                outputActivation.backward(z: z, a: a, gradient: g, count: n * d)
            }
        case .binaryCrossentropy where outputActivation == .sigmoid:
            for r in 0 ..< n {
                var rowSum: Float = 0
                for c in 0 ..< d {
                    let k = r * d + c
                    let v = z[k], x = target[k]
                    let softplus = log1pf(expf(-abs(v)))
                    let positive = max(v, 0)
                    rowSum += (positive - v * x) + softplus
                }
                total += rowSum / fd
            }
            if let g = gradient {
                let scale = 1 / (Float(d) * Float(n))
                for k in 0 ..< n * d { g[k] = (a[k] - target[k]) * scale }
            }
        case .binaryCrossentropy:
            let lo = Loss.probabilityEpsilon, hi = 1 - Loss.probabilityEpsilon
            for r in 0 ..< n {
                var rowSum: Float = 0
                for c in 0 ..< d {
                    let k = r * d + c
                    let y = a[k], x = target[k]
                    let p = min(max(y, lo), hi)
                    rowSum += -(x * logf(p) + (1 - x) * logf(1 - p))
                }
                total += rowSum / fd
            }
            if let g = gradient {
                for k in 0 ..< n * d {
                    let v = a[k], x = target[k], p = min(max(v, lo), hi)
                    g[k] = (v < lo || v > hi) ? 0 : (-(x / p) + (1 - x) / (1 - p)) / Float(d) / Float(n)
                }
                outputActivation.backward(z: z, a: a, gradient: g, count: n * d)
            }
        }
        return total / fn
    }

    /// `Σ_rows (Σ_columns term(k)) / columns`, the rows' means summed, in row order from 0, each row's sum a serial
    /// chain in column order from 0 (`LaneKernels.loss`'s order); eight rows at a time, so eight chains keep both
    /// adders busy through an add's four-cycle latency (one chain waited three cycles per feature, a third of a
    /// 10→4→10 step; four left half the adds' throughput unused), then a batch's last rows one at a time.
    @inline(__always)
    private static func sumOfRowMeans(rows n: Int, columns d: Int, _ term: (Int) -> Float) -> Float {
        let fd = Float(d)
        var total: Float = 0
        var r = 0
        while r &+ 8 <= n {
            let k0 = r &* d, k1 = k0 &+ d, k2 = k1 &+ d, k3 = k2 &+ d
            let k4 = k3 &+ d, k5 = k4 &+ d, k6 = k5 &+ d, k7 = k6 &+ d
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            var s4: Float = 0, s5: Float = 0, s6: Float = 0, s7: Float = 0
            for c in 0 ..< d {
                s0 += term(k0 &+ c)
                s1 += term(k1 &+ c)
                s2 += term(k2 &+ c)
                s3 += term(k3 &+ c)
                s4 += term(k4 &+ c)
                s5 += term(k5 &+ c)
                s6 += term(k6 &+ c)
                s7 += term(k7 &+ c)
            }
            total += s0 / fd
            total += s1 / fd
            total += s2 / fd
            total += s3 / fd
            total += s4 / fd
            total += s5 / fd
            total += s6 / fd
            total += s7 / fd
            r &+= 8
        }
        while r < n {
            var rowSum: Float = 0
            for c in 0 ..< d { rowSum += term(r &* d &+ c) }
            total += rowSum / fd
            r &+= 1
        }
        return total
    }

    // MARK: - Kernel penalty

    /// `l1·Σ|W| + l2·ΣW²` over one kernel (sums in index order, both terms always computed).
    static func penalty(_ kernel: UnsafePointer<Float>, count: Int, l1: Float, l2: Float) -> Float {
        var absolute: Float = 0, square: Float = 0
        for k in 0 ..< count {
            let w = kernel[k]
            absolute += Float(bitPattern: w.bitPattern & 0x7FFF_FFFF)
            square += w * w
        }
        return l1 * absolute + l2 * square
    }

    /// `dW += l1·sign(W) + 2·l2·W`, sign(0) = 0.
    static func addPenaltyGradient(_ kernel: UnsafePointer<Float>, to dKernel: UnsafeMutablePointer<Float>, count: Int,
                                   l1: Float, twoL2: Float) {
        for k in 0 ..< count {
            let w = kernel[k]
            dKernel[k] += l1 * (w > 0 ? 1 : (w < 0 ? -1 : 0)) + twoL2 * w
        }
    }
}

/// What `SoloKernels.forEachBlock` calls for each block of a width.
private protocol SoloBlockVisitor {
    func visit<V: SoloVector>(_: V.Type, at offset: Int)
}

/// A block of a solo kernel: one SIMD vector of floats, or one float (a width of one).
protocol SoloVector {
    static var lanes: Int { get }
    init(repeating value: Float)
    static func load(_ p: UnsafePointer<Float>) -> Self
    func store(_ p: UnsafeMutablePointer<Float>)
    static func + (lhs: Self, rhs: Self) -> Self
    static func * (lhs: Self, rhs: Self) -> Self
    func addingProduct(_ lhs: Self, _ rhs: Self) -> Self
    static func - (lhs: Self, rhs: Self) -> Self
    static func / (lhs: Self, rhs: Self) -> Self
    func squareRoot() -> Self
}

/// The SIMD vectors' block operations: unaligned loads and stores of `scalarCount` floats.
extension SoloVector where Self: SIMD, Scalar == Float {
    static var lanes: Int { scalarCount }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Self {
        UnsafeRawPointer(p).loadUnaligned(as: Self.self)
    }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: self, as: Self.self)
    }
}

extension SIMD8: SoloVector where Scalar == Float {}
extension SIMD4: SoloVector where Scalar == Float {}
extension SIMD2: SoloVector where Scalar == Float {}

extension Float: SoloVector {
    static var lanes: Int { 1 }
    @inline(__always) init(repeating value: Float) { self = value }
    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Float { p.pointee }
    @inline(__always) func store(_ p: UnsafeMutablePointer<Float>) { p.pointee = self }
}
