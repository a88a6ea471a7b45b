/// The narrow-product path: products with fewer than 16 columns (a 32×10 · 10×4 layer of a small autoencoder and
/// its gradients, a bottleneck layer), where padding to 16-wide tiles would double the arithmetic and packing
/// would cost more than it saves.
extension SwiftGEMM {
    /// Reads op(A) and, when not transposed, B where they lie (a transposed B, and the last one to three columns,
    /// are first copied into a small zero-padded block), and sweeps C in column chunks of eight or four with
    /// blocks of eight rows: eight independent accumulator chains hide the fused multiply-add latency (smaller
    /// remainder blocks split the k sum into even and odd steps for the same reason).
    static func narrowProduct(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        // Element op(A)[i, p] sits at a[i * rowStride + p * depthStride].
        let rowStride = transA == .none ? lda : 1
        let depthStride = transA == .none ? 1 : lda
        // op(B) as row-major k×? rows `source` + p * sourceStride: B itself, or a packed copy.
        var source = b, sourceStride = ldb
        // Columns that exist as whole SIMD4 groups in the source; the rest (n % 4) goes through `tail`.
        var wholeColumns = n / 4 * 4
        let tailColumns = n - wholeColumns
        // Only transposed or ragged B needs the workspace (fetching it costs a thread-local lookup).
        var tail: UnsafeMutablePointer<Float>? = nil
        if transB == .transposed {
            // op(B)[p, j] = B[j, p]: gather into k×⌈n/4⌉·4, zero-padded, and treat every column as whole.
            let ldp = (n + 3) / 4 * 4
            let packed = GEMMWorkspace.buffers(a: 0, b: k * ldp).packedB
            for p in 0 ..< k {
                let row = packed + p * ldp
                for j in 0 ..< n { row[j] = b[j * ldb + p] }
                for j in n ..< ldp { row[j] = 0 }
            }
            source = UnsafePointer(packed)
            sourceStride = ldp
            wholeColumns = ldp
        } else if tailColumns > 0 {
            // The last n % 4 columns, zero-padded to four, so that no load reads past the end of B.
            tail = GEMMWorkspace.buffers(a: 0, b: k * 4).packedB
            for p in 0 ..< k {
                let row = tail! + p * 4, from = b + (p * ldb + wholeColumns)
                for j in 0 ..< tailColumns { row[j] = from[j] }
                for j in tailColumns ..< 4 { row[j] = 0 }
            }
        }

        var j = 0
        while j + 8 <= wholeColumns {
            narrowColumns(SIMD8<Float>.self, width: min(8, n - j), m: m, k: k, a: a, rowStride: rowStride,
                          depthStride: depthStride, b: source + j, bStride: sourceStride, alpha: alpha, beta: beta,
                          c: c + j, ldc: ldc)
            j += 8
        }
        if j < wholeColumns {
            narrowColumns(SIMD4<Float>.self, width: min(4, n - j), m: m, k: k, a: a, rowStride: rowStride,
                          depthStride: depthStride, b: source + j, bStride: sourceStride, alpha: alpha, beta: beta,
                          c: c + j, ldc: ldc)
            j += 4
        }
        if j < n, let tail {
            narrowColumns(SIMD4<Float>.self, width: n - j, m: m, k: k, a: a, rowStride: rowStride,
                          depthStride: depthStride, b: tail, bStride: 4, alpha: alpha, beta: beta,
                          c: c + j, ldc: ldc)
        }
    }

    /// Columns `0 ..< width` (`width ≤ V.scalarCount`) of C, every row: blocks of eight rows, then at most one
    /// block each of four, two and one row for the remainder.
    @inline(__always)
    private static func narrowColumns<V: SIMD>(
        _: V.Type, width: Int, m: Int, k: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int,
        b: UnsafePointer<Float>, bStride: Int, alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) where V.Scalar == Float {
        func block(_ rows: Int, at first: Int) {
            narrowBlock(V.self, rows: rows, width: width, k: k,
                        a: a + first * rowStride, rowStride: rowStride, depthStride: depthStride,
                        b: b, bStride: bStride, alpha: alpha, beta: beta, c: c + first * ldc, ldc: ldc)
        }
        var i = 0
        while i + 8 <= m {
            block(8, at: i)
            i += 8
        }
        if i + 4 <= m {
            block(4, at: i)
            i += 4
        }
        if i + 2 <= m {
            block(2, at: i)
            i += 2
        }
        if i < m { block(1, at: i) }
    }

    /// `rows` (8, 4, 2 or 1, a constant after inlining) rows × `width` columns of C.
    @inline(__always)
    private static func narrowBlock<V: SIMD>(
        _: V.Type, rows: Int, width: Int, k: Int,
        a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b: UnsafePointer<Float>, bStride: Int,
        alpha: Float, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) where V.Scalar == Float {
        var acc0 = V(), acc1 = V(), acc2 = V(), acc3 = V(), acc4 = V(), acc5 = V(), acc6 = V(), acc7 = V()
        let a0 = a, a1 = a0 + rowStride, a2 = a1 + rowStride, a3 = a2 + rowStride
        let a4 = a3 + rowStride, a5 = a4 + rowStride, a6 = a5 + rowStride, a7 = a6 + rowStride
        var pb = UnsafeRawPointer(b)
        let bBytes = bStride &* MemoryLayout<Float>.stride
        var q = 0
        if rows == 8 {
            for _ in 0 ..< k {
                let bv = pb.loadUnaligned(as: V.self)
                acc0 = acc0.addingProduct(V(repeating: a0[q]), bv)
                acc1 = acc1.addingProduct(V(repeating: a1[q]), bv)
                acc2 = acc2.addingProduct(V(repeating: a2[q]), bv)
                acc3 = acc3.addingProduct(V(repeating: a3[q]), bv)
                acc4 = acc4.addingProduct(V(repeating: a4[q]), bv)
                acc5 = acc5.addingProduct(V(repeating: a5[q]), bv)
                acc6 = acc6.addingProduct(V(repeating: a6[q]), bv)
                acc7 = acc7.addingProduct(V(repeating: a7[q]), bv)
                q &+= depthStride
                pb += bBytes
            }
        } else {
            // Fewer rows than needed to hide the FMA latency: odd k steps go to a second set of accumulators
            // (acc4, acc5, …), added at the end.
            var p = 0
            while p + 2 <= k {
                let even = pb.loadUnaligned(as: V.self), odd = pb.loadUnaligned(fromByteOffset: bBytes, as: V.self)
                let q1 = q &+ depthStride
                if rows == 4 {
                    acc0 = acc0.addingProduct(V(repeating: a0[q]), even)
                    acc1 = acc1.addingProduct(V(repeating: a1[q]), even)
                    acc2 = acc2.addingProduct(V(repeating: a2[q]), even)
                    acc3 = acc3.addingProduct(V(repeating: a3[q]), even)
                    acc4 = acc4.addingProduct(V(repeating: a0[q1]), odd)
                    acc5 = acc5.addingProduct(V(repeating: a1[q1]), odd)
                    acc6 = acc6.addingProduct(V(repeating: a2[q1]), odd)
                    acc7 = acc7.addingProduct(V(repeating: a3[q1]), odd)
                } else if rows == 2 {
                    acc0 = acc0.addingProduct(V(repeating: a0[q]), even)
                    acc1 = acc1.addingProduct(V(repeating: a1[q]), even)
                    acc4 = acc4.addingProduct(V(repeating: a0[q1]), odd)
                    acc5 = acc5.addingProduct(V(repeating: a1[q1]), odd)
                } else {
                    acc0 = acc0.addingProduct(V(repeating: a0[q]), even)
                    acc4 = acc4.addingProduct(V(repeating: a0[q1]), odd)
                }
                q = q1 &+ depthStride
                pb += 2 &* bBytes
                p += 2
            }
            if p < k {
                let bv = pb.loadUnaligned(as: V.self)
                acc0 = acc0.addingProduct(V(repeating: a0[q]), bv)
                if rows >= 2 { acc1 = acc1.addingProduct(V(repeating: a1[q]), bv) }
                if rows == 4 {
                    acc2 = acc2.addingProduct(V(repeating: a2[q]), bv)
                    acc3 = acc3.addingProduct(V(repeating: a3[q]), bv)
                }
            }
            acc0 += acc4
            if rows >= 2 { acc1 += acc5 }
            if rows == 4 { acc2 += acc6; acc3 += acc7 }
        }
        for r in 0 ..< rows {
            let acc: V
            switch r {
            case 0: acc = acc0
            case 1: acc = acc1
            case 2: acc = acc2
            case 3: acc = acc3
            case 4: acc = acc4
            case 5: acc = acc5
            case 6: acc = acc6
            default: acc = acc7
            }
            storeNarrow(acc, width: width, alpha: alpha, beta: beta, to: c + r * ldc)
        }
    }

    /// `row[0..<width] ← α·acc + β·row`; `beta == 0` never reads the row.
    @inline(__always)
    private static func storeNarrow<V: SIMD>(_ acc: V, width: Int, alpha: Float, beta: Float,
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
