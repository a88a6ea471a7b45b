/// The 6×16 micro-kernel: the only place the Swift GEMM does its multiply-adds for packed products.
extension SwiftGEMM {
    /// `C[0..<6, 0..<16] ← α·(Ã·B̃) + β·C` for one tile, where `a` is a packed `kc×6` sliver of op(A) (six values
    /// per k step) and `b` a packed `kc×16` sliver of op(B) (sixteen values per k step, 64-byte aligned).
    /// `beta == 0` never reads C.
    ///
    /// Twelve `SIMD8<Float>` accumulators, two B vectors and one broadcast fill 15 of the 16 AVX2 registers. The
    /// function must stay `@inline(never)`: inlined into the blocking loops the register allocator spills the
    /// accumulators. `addingProduct` is what becomes `vfmadd231ps` (`c += a * b` does not fuse).
    @inline(never)
    static func microKernel6x16(
        kc: Int, a: UnsafePointer<Float>, b: UnsafePointer<Float>,
        c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c00 = SIMD8<Float>(), c01 = SIMD8<Float>()
        var c10 = SIMD8<Float>(), c11 = SIMD8<Float>()
        var c20 = SIMD8<Float>(), c21 = SIMD8<Float>()
        var c30 = SIMD8<Float>(), c31 = SIMD8<Float>()
        var c40 = SIMD8<Float>(), c41 = SIMD8<Float>()
        var c50 = SIMD8<Float>(), c51 = SIMD8<Float>()
        var pa = a
        var pb = UnsafeRawPointer(b)
        for _ in 0 ..< kc {
            let b0 = pb.load(as: SIMD8<Float>.self)
            let b1 = pb.load(fromByteOffset: 32, as: SIMD8<Float>.self)
            var ai = SIMD8<Float>(repeating: pa[0])
            c00 = c00.addingProduct(ai, b0)
            c01 = c01.addingProduct(ai, b1)
            ai = SIMD8<Float>(repeating: pa[1])
            c10 = c10.addingProduct(ai, b0)
            c11 = c11.addingProduct(ai, b1)
            ai = SIMD8<Float>(repeating: pa[2])
            c20 = c20.addingProduct(ai, b0)
            c21 = c21.addingProduct(ai, b1)
            ai = SIMD8<Float>(repeating: pa[3])
            c30 = c30.addingProduct(ai, b0)
            c31 = c31.addingProduct(ai, b1)
            ai = SIMD8<Float>(repeating: pa[4])
            c40 = c40.addingProduct(ai, b0)
            c41 = c41.addingProduct(ai, b1)
            ai = SIMD8<Float>(repeating: pa[5])
            c50 = c50.addingProduct(ai, b0)
            c51 = c51.addingProduct(ai, b1)
            pa += 6
            pb += 64
        }
        storeRow(c00, c01, to: c, alpha: alpha, beta: beta)
        storeRow(c10, c11, to: c + ldc, alpha: alpha, beta: beta)
        storeRow(c20, c21, to: c + 2 * ldc, alpha: alpha, beta: beta)
        storeRow(c30, c31, to: c + 3 * ldc, alpha: alpha, beta: beta)
        storeRow(c40, c41, to: c + 4 * ldc, alpha: alpha, beta: beta)
        storeRow(c50, c51, to: c + 5 * ldc, alpha: alpha, beta: beta)
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
