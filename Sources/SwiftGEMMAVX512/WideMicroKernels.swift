/// The Swift GEMM's AVX-512 micro-kernels: one 6×32 or 8×32 tile of C from two adjacent 16-column slivers of B, and
/// the 4-, 2- and 1-row variants for the bottom edge.
///
/// This module alone is compiled for x86-64-v4 (AVX-512, `Package.swift`), so its `SIMD16<Float>` operations are
/// single 512-bit instructions; `LinearAlgebra` calls it only on a CPU whose kernel reports AVX-512
/// (`SwiftGEMM.wideTilesAvailable`), and nothing here is inlinable into code compiled for other CPUs.
///
/// Every element of C gets exactly the operations of `LinearAlgebra`'s 6×16 AVX2 kernel: a sum from 0 of fused
/// multiply-adds in k order, then `sum·α` (β = 0, C never read) or `fma(sum, α, C·β)`. Only the vector width
/// differs, so the bits are the same (`GEMMTests.testWideTilesGiveTheNarrowTilesBits`). The 6-row tile has twelve
/// 512-bit accumulators, two loads of B and one broadcast per row per k step: the 6×16 kernels' register plan and
/// structure at twice the width. The 8-row tile uses sixteen of AVX-512's 32 registers for accumulators, for rows of
/// A read where they lie (no 6-row panels to follow): a 32-row batch is four whole tiles instead of five and a 2-row
/// edge, and each pair of B's slivers is read four times instead of six.
#if arch(x86_64)
public enum AVX512MicroKernel {
    /// `C[0..<rows, 0..<32] ← α·A·[B₀ B₁] + β·C` for `rows` 8 (rows of A read in place, `rowStride` apart), 6 (the
    /// packed panels' height) or 4, 2 and 1 (the bottom edge), where B₀ and B₁ are the slivers of C's columns 0..<16
    /// and 16..<32, each read 16 floats per k step, `bStride` floats apart; A's row r, step p is
    /// `a[r·rowStride + p·depthStride]`. Each height is its own copy of the body with the row count a constant, so
    /// the row tests fold away and the accumulators stay in registers.
    @inline(never)
    public static func tile(
        rows: Int, kc: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b0: UnsafePointer<Float>,
        b1: UnsafePointer<Float>, bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        switch rows {
        case 8: body(rows: 8, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b0: b0, b1: b1,
                     bStride: bStride, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case 6: body(rows: 6, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b0: b0, b1: b1,
                     bStride: bStride, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case 4: body(rows: 4, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b0: b0, b1: b1,
                     bStride: bStride, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case 2: body(rows: 2, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b0: b0, b1: b1,
                     bStride: bStride, c: c, ldc: ldc, alpha: alpha, beta: beta)
        case 1: body(rows: 1, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b0: b0, b1: b1,
                     bStride: bStride, c: c, ldc: ldc, alpha: alpha, beta: beta)
        default: preconditionFailure("AVX512MicroKernel: a tile of \(rows) rows (8, 6, 4, 2 or 1)")
        }
    }

    /// The body of every height; `rows` is a constant at each call, so the row tests fold away.
    @inline(__always)
    private static func body(
        rows: Int, kc: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b0: UnsafePointer<Float>,
        b1: UnsafePointer<Float>, bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        var c00 = SIMD16<Float>(), c01 = SIMD16<Float>()
        var c10 = SIMD16<Float>(), c11 = SIMD16<Float>()
        var c20 = SIMD16<Float>(), c21 = SIMD16<Float>()
        var c30 = SIMD16<Float>(), c31 = SIMD16<Float>()
        var c40 = SIMD16<Float>(), c41 = SIMD16<Float>()
        var c50 = SIMD16<Float>(), c51 = SIMD16<Float>()
        var c60 = SIMD16<Float>(), c61 = SIMD16<Float>()
        var c70 = SIMD16<Float>(), c71 = SIMD16<Float>()
        let a0 = a, a1 = a0 + rowStride, a2 = a1 + rowStride
        let a3 = a2 + rowStride, a4 = a3 + rowStride, a5 = a4 + rowStride
        let a6 = a5 + rowStride, a7 = a6 + rowStride
        var p0 = UnsafeRawPointer(b0), p1 = UnsafeRawPointer(b1)
        let bStep = bStride &* 4
        var q = 0
        for _ in 0 ..< kc {
            let v0 = p0.loadUnaligned(as: SIMD16<Float>.self)
            let v1 = p1.loadUnaligned(as: SIMD16<Float>.self)
            var ai = SIMD16<Float>(repeating: a0[q])
            c00 = c00.addingProduct(ai, v0)
            c01 = c01.addingProduct(ai, v1)
            if rows > 1 {
                ai = SIMD16<Float>(repeating: a1[q])
                c10 = c10.addingProduct(ai, v0)
                c11 = c11.addingProduct(ai, v1)
            }
            if rows > 2 {
                ai = SIMD16<Float>(repeating: a2[q])
                c20 = c20.addingProduct(ai, v0)
                c21 = c21.addingProduct(ai, v1)
                ai = SIMD16<Float>(repeating: a3[q])
                c30 = c30.addingProduct(ai, v0)
                c31 = c31.addingProduct(ai, v1)
            }
            if rows > 4 {
                ai = SIMD16<Float>(repeating: a4[q])
                c40 = c40.addingProduct(ai, v0)
                c41 = c41.addingProduct(ai, v1)
                ai = SIMD16<Float>(repeating: a5[q])
                c50 = c50.addingProduct(ai, v0)
                c51 = c51.addingProduct(ai, v1)
            }
            if rows > 6 {
                ai = SIMD16<Float>(repeating: a6[q])
                c60 = c60.addingProduct(ai, v0)
                c61 = c61.addingProduct(ai, v1)
                ai = SIMD16<Float>(repeating: a7[q])
                c70 = c70.addingProduct(ai, v0)
                c71 = c71.addingProduct(ai, v1)
            }
            q &+= depthStride
            p0 += bStep
            p1 += bStep
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
        if rows > 6 {
            storeRow(c60, c61, to: c + 6 &* ldc, alpha: alpha, beta: beta)
            storeRow(c70, c71, to: c + 7 &* ldc, alpha: alpha, beta: beta)
        }
    }

    /// `row[0..<32] ← α·(lo, hi) + β·row`, as the 6×16 kernel's `storeRow` per element; `beta == 0` never reads
    /// the row.
    @inline(__always)
    private static func storeRow(_ lo: SIMD16<Float>, _ hi: SIMD16<Float>, to row: UnsafeMutablePointer<Float>,
                                 alpha: Float, beta: Float) {
        let raw = UnsafeMutableRawPointer(row)
        if beta == 0 {
            raw.storeBytes(of: lo * alpha, as: SIMD16<Float>.self)
            raw.storeBytes(of: hi * alpha, toByteOffset: 64, as: SIMD16<Float>.self)
        } else {
            let oldLo = UnsafeRawPointer(raw).loadUnaligned(as: SIMD16<Float>.self)
            let oldHi = UnsafeRawPointer(raw).loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            raw.storeBytes(of: (oldLo * beta).addingProduct(lo, alpha), as: SIMD16<Float>.self)
            raw.storeBytes(of: (oldHi * beta).addingProduct(hi, alpha), toByteOffset: 64, as: SIMD16<Float>.self)
        }
    }
}
#endif
