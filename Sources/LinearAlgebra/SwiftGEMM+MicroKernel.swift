/// The micro-kernels: the only place the Swift GEMM does its multiply-adds for products of 16 columns or more.
///
/// One tile of C is `rows × 16` (rows = 6, 4, 2 or 1): per k step, two `SIMD8<Float>` of B are loaded from a
/// `kc×16` sliver whose k steps are `bStride` floats apart (16 in a packed sliver; B's leading dimension when a
/// stored B is read in place), and each of the tile's rows of A is broadcast and fused-multiply-added
/// into two accumulators. Six rows use twelve accumulators, two B vectors and one broadcast: 15 of the 16 AVX2
/// registers. Each kernel must stay `@inline(never)`: inlined into the blocking loops the register allocator
/// spills the accumulators. `addingProduct` is what becomes `vfmadd231ps` (`c += a * b` does not fuse).
///
/// A is read where it lies, at `a[r * rowStride + p * depthStride]` for row r and k step p: a packed sliver has
/// strides (1, 6); an unpacked op(A) has (lda, 1), or (1, lda) when transposed.
extension SwiftGEMM {
    /// `C[0..<6, 0..<16] ← α·op(A)·B̃ + β·C`; `beta == 0` never reads C.
    @inline(never)
    static func microKernel6x16(
        kc: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b: UnsafePointer<Float>,
        bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        tile(rows: 6, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b, bStride: bStride, c: c,
             ldc: ldc, alpha: alpha, beta: beta)
    }

    /// The 4-row tile, for the bottom edge of C.
    @inline(never)
    static func microKernel4x16(
        kc: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b: UnsafePointer<Float>,
        bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        tile(rows: 4, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b, bStride: bStride, c: c,
             ldc: ldc, alpha: alpha, beta: beta)
    }

    /// The 2-row tile, for the bottom edge of C.
    @inline(never)
    static func microKernel2x16(
        kc: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b: UnsafePointer<Float>,
        bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        tile(rows: 2, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b, bStride: bStride, c: c,
             ldc: ldc, alpha: alpha, beta: beta)
    }

    /// The 1-row tile, for the bottom edge of C.
    @inline(never)
    static func microKernel1x16(
        kc: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b: UnsafePointer<Float>,
        bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        tile(rows: 1, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b: b, bStride: bStride, c: c,
             ldc: ldc, alpha: alpha, beta: beta)
    }

    /// The body shared by the kernels; `rows` is a constant in each caller, so the row tests fold away.
    @inline(__always)
    private static func tile(
        rows: Int, kc: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b: UnsafePointer<Float>,
        bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
        var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        let a0 = a, a1 = a0 + rowStride, a2 = a1 + rowStride
        let a3 = a2 + rowStride, a4 = a3 + rowStride, a5 = a4 + rowStride
        var pb = UnsafeRawPointer(b)
        let bStep = bStride &* 4
        var q = 0
        for _ in 0 ..< kc {
            let b0 = pb.loadUnaligned(as: SIMD8<Float>.self)
            let b1 = pb.loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            var ai = SIMD8<Float>(repeating: a0[q])
            c00 = c00.addingProduct(ai, b0)
            c01 = c01.addingProduct(ai, b1)
            if rows > 1 {
                ai = SIMD8<Float>(repeating: a1[q])
                c10 = c10.addingProduct(ai, b0)
                c11 = c11.addingProduct(ai, b1)
            }
            if rows > 2 {
                ai = SIMD8<Float>(repeating: a2[q])
                c20 = c20.addingProduct(ai, b0)
                c21 = c21.addingProduct(ai, b1)
                ai = SIMD8<Float>(repeating: a3[q])
                c30 = c30.addingProduct(ai, b0)
                c31 = c31.addingProduct(ai, b1)
            }
            if rows > 4 {
                ai = SIMD8<Float>(repeating: a4[q])
                c40 = c40.addingProduct(ai, b0)
                c41 = c41.addingProduct(ai, b1)
                ai = SIMD8<Float>(repeating: a5[q])
                c50 = c50.addingProduct(ai, b0)
                c51 = c51.addingProduct(ai, b1)
            }
            q &+= depthStride
            pb += bStep
        }
        storeRow(c00, c01, to: c, alpha: alpha, beta: beta)
        if rows > 1 { storeRow(c10, c11, to: c + ldc, alpha: alpha, beta: beta) }
        if rows > 2 {
            storeRow(c20, c21, to: c + 2 &* ldc, alpha: alpha, beta: beta)
            storeRow(c30, c31, to: c + 3 &* ldc, alpha: alpha, beta: beta)
        }
        if rows > 4 {
            storeRow(c40, c41, to: c + 4 &* ldc, alpha: alpha, beta: beta)
            storeRow(c50, c51, to: c + 5 &* ldc, alpha: alpha, beta: beta)
        }
    }

    /// `row[0..<16] ← α·(lo, hi) + β·row`; `beta == 0` never reads the row.
    @inline(__always)
    private static func storeRow(_ lo: SIMD8<Float>, _ hi: SIMD8<Float>, to row: UnsafeMutablePointer<Float>,
                                 alpha: Float, beta: Float) {
        let raw = UnsafeMutableRawPointer(row)
        if beta == 0 {
            raw.storeBytes(of: lo * alpha, as: SIMD8<Float>.self)
            raw.storeBytes(of: hi * alpha, toByteOffset: 32, as: SIMD8<Float>.self)
        } else {
            let oldLo = UnsafeRawPointer(raw).loadUnaligned(as: SIMD8<Float>.self)
            let oldHi = UnsafeRawPointer(raw).loadUnaligned(fromByteOffset: 32, as: SIMD8<Float>.self)
            raw.storeBytes(of: (oldLo * beta).addingProduct(lo, alpha), as: SIMD8<Float>.self)
            raw.storeBytes(of: (oldHi * beta).addingProduct(hi, alpha), toByteOffset: 32, as: SIMD8<Float>.self)
        }
    }
}
