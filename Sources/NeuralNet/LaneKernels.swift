#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LinearAlgebra

/// The arithmetic of `TrainingGroup`: dense layers, losses and penalties over **interleaved** buffers, where a
/// tensor of `count` elements holds `count × 8` floats and element k of lane j is at `k·8 + j`. Lane j is one
/// trial; every operation below is a lane-wise `Float8` operation (or a per-lane scalar loop), so lane j's results
/// are a function of lane j's inputs only, whatever the other lanes hold: the same bits alone, in a group of eight,
/// in any position.
///
/// Each lane's arithmetic is a fixed sequence of Float32 operations: a product `Σᵢ xᵢ·wᵢ` starts from 0 and takes
/// the terms in index order, each as one fused multiply-add (`s = fma(xᵢ, wᵢ, s)`, one rounding per term, as GEMM
/// kernels on FMA hardware compute, OpenBLAS's and AEGrid's own), then adds the bias; everything else is separate
/// operations. It is not bitwise `Trainer`'s (whose GEMM sums in its own blocked order, different per backend);
/// `TrainingGroupTests` holds it to the Double oracle, to `Trainer` and to the Keras fixtures. The pointers are the
/// caller's workspace; nothing here allocates.
enum LaneKernels {
    /// Trials per group: one per lane of an AVX2 register.
    static let width = 8

    @inline(__always) static func lane(_ p: UnsafePointer<Float>, _ k: Int) -> Float8 { load8(p + k &* 8) }
    @inline(__always) static func lane(_ p: UnsafeMutablePointer<Float>, _ k: Int) -> Float8 { load8(p + k &* 8) }
    @inline(__always) static func store(_ v: Float8, _ p: UnsafeMutablePointer<Float>, _ k: Int) { store8(v, p + k &* 8) }

    // MARK: - Dense layer

    /// `z = x·W + b`, `a = f(z)`, lane by lane.
    ///
    /// x: (rows, inputs) · W: (inputs, outputs) + b → z, a: (rows, outputs); all interleaved, W and b at the layer's
    /// offsets in the interleaved parameter buffer. `a` may equal `z` (a `linear` layer). Two rows and four outputs
    /// are computed at a time (eight independent sums, each still in input order), so the adds' latency overlaps.
    static func forward(_ layer: DenseLayer, x: UnsafePointer<Float>, rows: Int, parameters: UnsafePointer<Float>,
                        z: UnsafeMutablePointer<Float>, a: UnsafeMutablePointer<Float>) {
        let n = layer.inputs, m = layer.outputs
        let w = parameters + layer.kernelOffset &* 8, b = parameters + layer.biasOffset &* 8
        // Strides in floats: a row of x, a row of z, a row of W (one input's outputs).
        let xStride = n &* 8, zStride = m &* 8, wStride = m &* 8
        var r = 0
        while r &+ 2 <= rows {
            let x0 = x + r &* xStride, x1 = x0 + xStride, z0 = z + r &* zStride, z1 = z0 + zStride
            var o = 0
            while o &+ 4 <= m {
                var s00 = Float8(repeating: 0), s01 = s00, s02 = s00, s03 = s00
                var s10 = s00, s11 = s00, s12 = s00, s13 = s00
                var xp = x0, xq = x1, wp = w + o &* 8
                for _ in 0 ..< n {
                    let u = load8(xp), v = load8(xq)
                    let w0 = load8(wp), w1 = load8(wp + 8), w2 = load8(wp + 16), w3 = load8(wp + 24)
                    s00.addProduct(u, w0); s01.addProduct(u, w1); s02.addProduct(u, w2); s03.addProduct(u, w3)
                    s10.addProduct(v, w0); s11.addProduct(v, w1); s12.addProduct(v, w2); s13.addProduct(v, w3)
                    xp += 8; xq += 8; wp += wStride
                }
                let b0 = lane(b, o), b1 = lane(b, o &+ 1), b2 = lane(b, o &+ 2), b3 = lane(b, o &+ 3)
                store(s00 + b0, z0, o); store(s01 + b1, z0, o &+ 1)
                store(s02 + b2, z0, o &+ 2); store(s03 + b3, z0, o &+ 3)
                store(s10 + b0, z1, o); store(s11 + b1, z1, o &+ 1)
                store(s12 + b2, z1, o &+ 2); store(s13 + b3, z1, o &+ 3)
                o &+= 4
            }
            while o < m {
                var s0 = Float8(repeating: 0), s1 = s0
                var xp = x0, xq = x1, wp = w + o &* 8
                for _ in 0 ..< n {
                    let wi = load8(wp)
                    s0.addProduct(load8(xp), wi)
                    s1.addProduct(load8(xq), wi)
                    xp += 8; xq += 8; wp += wStride
                }
                store(s0 + lane(b, o), z0, o)
                store(s1 + lane(b, o), z1, o)
                o &+= 1
            }
            r &+= 2
        }
        if r < rows {
            let xr = x + r &* xStride, zr = z + r &* zStride
            for o in 0 ..< m {
                var s = Float8(repeating: 0)
                var xp = xr, wp = w + o &* 8
                for _ in 0 ..< n {
                    s.addProduct(load8(xp), load8(wp))
                    xp += 8; wp += wStride
                }
                store(s + lane(b, o), zr, o)
            }
        }
        layer.activation.apply(z, into: a, count: rows &* m &* 8)
    }

    /// `dW = xᵀ·dZ` (each entry summed over the rows in row order) and `db = Σ_rows dZ` (row order), overwritten.
    ///
    /// x: (rows, inputs), dZ: (rows, outputs) → dW: (inputs, outputs), db: (outputs), at the layer's offsets in the
    /// interleaved gradient buffer. Two inputs and four outputs at a time.
    static func parameterGradients(_ layer: DenseLayer, x: UnsafePointer<Float>, dZ: UnsafePointer<Float>, rows: Int,
                                   gradients: UnsafeMutablePointer<Float>) {
        let n = layer.inputs, m = layer.outputs
        let dw = gradients + layer.kernelOffset &* 8, db = gradients + layer.biasOffset &* 8
        // Strides in floats: a row of x, a row of dZ.
        let xStride = n &* 8, dStride = m &* 8
        var i = 0
        while i < n {
            let pair = i &+ 1 < n
            let i1 = pair ? i &+ 1 : i
            var o = 0
            while o &+ 4 <= m {
                var s00 = Float8(repeating: 0), s01 = s00, s02 = s00, s03 = s00
                var s10 = s00, s11 = s00, s12 = s00, s13 = s00
                var xp = x + i &* 8, xq = x + i1 &* 8, d = dZ + o &* 8
                for _ in 0 ..< rows {
                    let u = load8(xp), v = load8(xq)
                    let d0 = load8(d), d1 = load8(d + 8), d2 = load8(d + 16), d3 = load8(d + 24)
                    s00.addProduct(u, d0); s01.addProduct(u, d1); s02.addProduct(u, d2); s03.addProduct(u, d3)
                    s10.addProduct(v, d0); s11.addProduct(v, d1); s12.addProduct(v, d2); s13.addProduct(v, d3)
                    xp += xStride; xq += xStride; d += dStride
                }
                let k0 = i &* m &+ o, k1 = i1 &* m &+ o
                store(s00, dw, k0); store(s01, dw, k0 &+ 1); store(s02, dw, k0 &+ 2); store(s03, dw, k0 &+ 3)
                if pair {
                    store(s10, dw, k1); store(s11, dw, k1 &+ 1); store(s12, dw, k1 &+ 2); store(s13, dw, k1 &+ 3)
                }
                o &+= 4
            }
            while o < m {
                var s0 = Float8(repeating: 0), s1 = s0
                var xp = x + i &* 8, xq = x + i1 &* 8, d = dZ + o &* 8
                for _ in 0 ..< rows {
                    let dv = load8(d)
                    s0.addProduct(load8(xp), dv)
                    s1.addProduct(load8(xq), dv)
                    xp += xStride; xq += xStride; d += dStride
                }
                store(s0, dw, i &* m &+ o)
                if pair { store(s1, dw, i1 &* m &+ o) }
                o &+= 1
            }
            i &+= 2
        }
        var o = 0
        while o + 4 <= m {
            var s0 = lane(dZ, o), s1 = lane(dZ, o + 1), s2 = lane(dZ, o + 2), s3 = lane(dZ, o + 3)
            for r in 1 ..< max(rows, 1) {
                let d = dZ + (r * m + o) * 8
                s0 += load8(d); s1 += load8(d + 8); s2 += load8(d + 16); s3 += load8(d + 24)
            }
            store(s0, db, o); store(s1, db, o + 1); store(s2, db, o + 2); store(s3, db, o + 3)
            o += 4
        }
        while o < m {
            var s = lane(dZ, o)
            for r in 1 ..< max(rows, 1) { s += lane(dZ, r * m + o) }
            store(s, db, o)
            o += 1
        }
    }

    /// `dX = dZ·Wᵀ`, each entry summed over the outputs in order, with the kernel before its update.
    ///
    /// dZ: (rows, outputs) · Wᵀ: (outputs, inputs) → dX: (rows, inputs). Two rows and four inputs at a time.
    static func inputGradient(_ layer: DenseLayer, dZ: UnsafePointer<Float>, rows: Int,
                              parameters: UnsafePointer<Float>, dX: UnsafeMutablePointer<Float>) {
        let n = layer.inputs, m = layer.outputs
        let w = parameters + layer.kernelOffset &* 8
        // Strides in floats: a row of dZ, a row of dX, a row of W (one input's outputs).
        let dStride = m &* 8, xStride = n &* 8, wStride = m &* 8
        var r = 0
        while r < rows {
            let pair = r &+ 1 < rows
            let r1 = pair ? r &+ 1 : r
            let d0 = dZ + r &* dStride, d1 = dZ + r1 &* dStride, x0 = dX + r &* xStride, x1 = dX + r1 &* xStride
            var i = 0
            while i &+ 4 <= n {
                var s00 = Float8(repeating: 0), s01 = s00, s02 = s00, s03 = s00
                var s10 = s00, s11 = s00, s12 = s00, s13 = s00
                var dp = d0, dq = d1, wp = w + i &* wStride
                for _ in 0 ..< m {
                    let u = load8(dp), v = load8(dq)
                    let w0 = load8(wp), w1 = load8(wp + wStride)
                    let w2 = load8(wp + 2 &* wStride), w3 = load8(wp + 3 &* wStride)
                    s00.addProduct(u, w0); s01.addProduct(u, w1); s02.addProduct(u, w2); s03.addProduct(u, w3)
                    s10.addProduct(v, w0); s11.addProduct(v, w1); s12.addProduct(v, w2); s13.addProduct(v, w3)
                    dp += 8; dq += 8; wp += 8
                }
                store(s00, x0, i); store(s01, x0, i &+ 1); store(s02, x0, i &+ 2); store(s03, x0, i &+ 3)
                if pair {
                    store(s10, x1, i); store(s11, x1, i &+ 1); store(s12, x1, i &+ 2); store(s13, x1, i &+ 3)
                }
                i &+= 4
            }
            while i < n {
                var s0 = Float8(repeating: 0), s1 = s0
                var dp = d0, dq = d1, wp = w + i &* wStride
                for _ in 0 ..< m {
                    let wi = load8(wp)
                    s0.addProduct(load8(dp), wi)
                    s1.addProduct(load8(dq), wi)
                    dp += 8; dq += 8; wp += 8
                }
                store(s0, x0, i)
                if pair { store(s1, x1, i) }
                i &+= 1
            }
            r &+= 2
        }
    }

    // MARK: - Loss

    /// Each lane's batch loss (Keras's `sum_over_batch_size`, as `Loss.evaluate`: per row the mean over the d
    /// features, summed in row order, divided by n) and, with `gradient`, its gradient with respect to the output
    /// layer's z.
    ///
    /// z, a: the output layer's (rows, d); target: (rows, d); gradient: (rows, d) or nil. All interleaved.
    static func loss(_ loss: Loss, z: UnsafePointer<Float>, a: UnsafePointer<Float>, target: UnsafePointer<Float>,
                     rows n: Int, columns d: Int, outputActivation: Activation,
                     gradient: UnsafeMutablePointer<Float>?) -> Float8 {
        let fd = Float8(repeating: Float(d)), fn = Float8(repeating: Float(n))
        var total = Float8(repeating: 0)
        switch loss {
        case .mse:
            guard let g = gradient else {
                for r in 0 ..< n {
                    var rowSum = Float8(repeating: 0)
                    for c in 0 ..< d {
                        let e = lane(target, r * d + c) - lane(a, r * d + c)
                        rowSum += e * e
                    }
                    total += rowSum / fd
                }
                break
            }
            // The gradient 2·(ŷ − x)/(d·n) as one multiply by the rounded constant: two divisions per element were
            // a tenth of a step (within an ulp of `Loss.evaluate`'s `/ d / n`). A sigmoid output's backward,
            // dz = da·a·(1 − a), is applied in the same pass, while the values are in registers.
            let scale = Float8(repeating: 2 / (Float(d) * Float(n)))
            let sigmoid = outputActivation == .sigmoid
            for r in 0 ..< n {
                var rowSum = Float8(repeating: 0)
                for c in 0 ..< d {
                    let k = r * d + c
                    let y = lane(a, k), x = lane(target, k)
                    let e = x - y
                    rowSum += e * e
                    let dy = (y - x) * scale
                    store(sigmoid ? dy * y * (1 - y) : dy, g, k)
                }
                total += rowSum / fd
            }
            if !sigmoid { outputActivation.backward(z: z, a: a, gradient: g, count: n * d * 8) }
        case .binaryCrossentropy where outputActivation == .sigmoid:
            // From the logits, as Keras after a sigmoid: max(z, 0) − z·x + log1p(e^−|z|) per element.
            for r in 0 ..< n {
                var rowSum = Float8(repeating: 0)
                for c in 0 ..< d {
                    let k = r * d + c
                    let v = lane(z, k), x = lane(target, k)
                    var softplus = Float8()
                    for j in 0 ..< 8 { softplus[j] = log1pf(expf(-abs(v[j]))) }
                    var positive = Float8()
                    for j in 0 ..< 8 { positive[j] = max(v[j], 0) }
                    rowSum += (positive - v * x) + softplus
                }
                total += rowSum / fd
                if let g = gradient {
                    let scale = Float8(repeating: 1 / (Float(d) * Float(n)))
                    for c in 0 ..< d {
                        let k = r * d + c
                        store((lane(a, k) - lane(target, k)) * scale, g, k)
                    }
                }
            }
        case .binaryCrossentropy:
            let lo = Loss.probabilityEpsilon, hi = 1 - Loss.probabilityEpsilon
            for r in 0 ..< n {
                var rowSum = Float8(repeating: 0)
                for c in 0 ..< d {
                    let k = r * d + c
                    let y = lane(a, k), x = lane(target, k)
                    var term = Float8()
                    for j in 0 ..< 8 {
                        let p = min(max(y[j], lo), hi)
                        term[j] = -(x[j] * logf(p) + (1 - x[j]) * logf(1 - p))
                    }
                    rowSum += term
                }
                total += rowSum / fd
                if let g = gradient {
                    for c in 0 ..< d {
                        let k = r * d + c
                        let y = lane(a, k), x = lane(target, k)
                        var gk = Float8()
                        for j in 0 ..< 8 {
                            let v = y[j], p = min(max(v, lo), hi)
                            gk[j] = (v < lo || v > hi) ? 0 : (-(x[j] / p) + (1 - x[j]) / (1 - p)) / Float(d) / Float(n)
                        }
                        store(gk, g, k)
                    }
                }
            }
            if let g = gradient { outputActivation.backward(z: z, a: a, gradient: g, count: n * d * 8) }
        }
        return total / fn
    }

    // MARK: - Kernel penalty

    /// Each lane's `l1·Σ|W| + l2·ΣW²` over one kernel of `count` elements (sums in index order). Both terms are
    /// always computed, so a lane's bits never depend on another lane's factors; a factor of 0 adds +0.
    static func penalty(_ kernel: UnsafePointer<Float>, count: Int, l1: Float8, l2: Float8) -> Float8 {
        var absolute = Float8(repeating: 0), square = Float8(repeating: 0)
        for k in 0 ..< count {
            let w = lane(kernel, k)
            absolute += magnitude(w)
            square += w * w
        }
        return l1 * absolute + l2 * square
    }

    /// Adds the penalty's gradient to a kernel's gradient: `dW += l1·sign(W) + 2·l2·W`, sign(0) = 0.
    static func addPenaltyGradient(_ kernel: UnsafePointer<Float>, to dKernel: UnsafeMutablePointer<Float>, count: Int,
                                   l1: Float8, twoL2: Float8) {
        // A plain loop over each lane's element, which LLVM turns into compares and blends (Float8's own
        // per-lane selects would be scalarised).
        let a = l1, t = twoL2
        for k in 0 ..< count {
            let wk = kernel + k * 8, dk = dKernel + k * 8
            for j in 0 ..< 8 {
                let w = wk[j]
                dk[j] += a[j] * (w > 0 ? 1 : (w < 0 ? -1 : 0)) + t[j] * w
            }
        }
    }

    /// |w| lane by lane (the sign bit cleared).
    @inline(__always) static func magnitude(_ w: Float8) -> Float8 {
        unsafeBitCast(unsafeBitCast(w, to: SIMD8<UInt32>.self) & 0x7FFF_FFFF, to: Float8.self)
    }

}
