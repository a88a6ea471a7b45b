/// The small-shape path: products with few columns, few rows or little work (a 32×10 · 10×4 layer of a small
/// autoencoder and its gradients), where padding to 6×16 tiles and packing A would cost more than the arithmetic.
extension SwiftGEMM {
    /// Copies op(B) into a `k×⌈n/4⌉·4` row-major block (zero-padded columns), reads A in place, and sweeps C in
    /// blocks of four rows by eight (or, at the right edge, four) columns of `SIMD` fused multiply-adds.
    static func smallProduct(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        let ldp = (n + 3) / 4 * 4
        let workspace = GEMMWorkspace.current
        workspace.reserve(a: 0, b: k * ldp)
        let packed = workspace.packedB
        for p in 0 ..< k {
            let dst = packed + p * ldp
            if transB == .none {
                dst.update(from: b + p * ldb, count: n)
            } else {
                for j in 0 ..< n { dst[j] = b[j * ldb + p] }
            }
            for j in n ..< ldp { dst[j] = 0 }
        }
        // Element op(A)[i, p] sits at a[i * rowStride + p * depthStride].
        let rowStride = transA == .none ? lda : 1
        let depthStride = transA == .none ? 1 : lda
        var j = 0
        while j + 8 <= ldp {
            smallColumnBlock(SIMD8<Float>.self, column: j, width: min(8, n - j), m: m, k: k, alpha: alpha, a: a,
                             rowStride: rowStride, depthStride: depthStride, packed: packed, ldp: ldp,
                             beta: beta, c: c, ldc: ldc)
            j += 8
        }
        if j < ldp {
            smallColumnBlock(SIMD4<Float>.self, column: j, width: n - j, m: m, k: k, alpha: alpha, a: a,
                             rowStride: rowStride, depthStride: depthStride, packed: packed, ldp: ldp,
                             beta: beta, c: c, ldc: ldc)
        }
    }

    /// Columns `column ..< column + width` of C (`width ≤ V.scalarCount`), all rows, four rows at a time so four
    /// independent accumulator chains hide the FMA latency.
    @inline(__always)
    private static func smallColumnBlock<V: SIMD>(
        _: V.Type, column: Int, width: Int, m: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, rowStride: Int, depthStride: Int,
        packed: UnsafePointer<Float>, ldp: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) where V.Scalar == Float {
        let bColumn = UnsafeRawPointer(packed + column)
        let rowBytes = ldp * MemoryLayout<Float>.stride
        var i = 0
        while i + 4 <= m {
            var acc0 = V(), acc1 = V(), acc2 = V(), acc3 = V()
            let a0 = a + i * rowStride
            let a1 = a0 + rowStride, a2 = a1 + rowStride, a3 = a2 + rowStride
            var offset = 0
            for p in 0 ..< k {
                let bv = bColumn.loadUnaligned(fromByteOffset: offset, as: V.self)
                let q = p * depthStride
                acc0 = acc0.addingProduct(V(repeating: a0[q]), bv)
                acc1 = acc1.addingProduct(V(repeating: a1[q]), bv)
                acc2 = acc2.addingProduct(V(repeating: a2[q]), bv)
                acc3 = acc3.addingProduct(V(repeating: a3[q]), bv)
                offset += rowBytes
            }
            storeSmall(acc0, width: width, alpha: alpha, beta: beta, to: c + (i * ldc + column))
            storeSmall(acc1, width: width, alpha: alpha, beta: beta, to: c + ((i + 1) * ldc + column))
            storeSmall(acc2, width: width, alpha: alpha, beta: beta, to: c + ((i + 2) * ldc + column))
            storeSmall(acc3, width: width, alpha: alpha, beta: beta, to: c + ((i + 3) * ldc + column))
            i += 4
        }
        while i < m {
            var acc = V()
            let ai = a + i * rowStride
            var offset = 0
            for p in 0 ..< k {
                acc = acc.addingProduct(V(repeating: ai[p * depthStride]),
                                        bColumn.loadUnaligned(fromByteOffset: offset, as: V.self))
                offset += rowBytes
            }
            storeSmall(acc, width: width, alpha: alpha, beta: beta, to: c + (i * ldc + column))
            i += 1
        }
    }

    /// `row[0..<width] ← α·acc + β·row`; `beta == 0` never reads the row.
    @inline(__always)
    private static func storeSmall<V: SIMD>(_ acc: V, width: Int, alpha: Float, beta: Float,
                                            to row: UnsafeMutablePointer<Float>) where V.Scalar == Float {
        if width == V.scalarCount {
            let raw = UnsafeMutableRawPointer(row)
            if beta == 0 {
                raw.storeBytes(of: acc * alpha, as: V.self)
            } else {
                let old = UnsafeRawPointer(raw).loadUnaligned(as: V.self)
                raw.storeBytes(of: (old * beta).addingProduct(acc, alpha), as: V.self)
            }
        } else if beta == 0 {
            for j in 0 ..< width { row[j] = alpha * acc[j] }
        } else {
            for j in 0 ..< width { row[j] = (beta * row[j]).addingProduct(alpha, acc[j]) }
        }
    }
}
