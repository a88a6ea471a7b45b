/// AEGrid's own single-precision GEMM, the backend of the fallback build and a peer of OpenBLAS in the BLAS build.
///
/// It follows the Goto/BLIS recipe: loop `jc → pc → ic → jr → ir` over the plan in `GEMMBlocking`, pack a
/// `kc×nc` slab of op(B) and an `mc×kc` block of op(A) into zero-padded slivers (`SwiftGEMM+Packing.swift`), and
/// call one 6×16 micro-kernel of `SIMD8<Float>` fused multiply-adds per tile of C (`SwiftGEMM+MicroKernel.swift`).
/// Products too small to repay packing (fewer than 16 columns, fewer than 6 rows, or a few thousand multiply-adds,
/// like a 32×10 · 10×4 layer) take `smallProduct` instead.
///
/// Contract: exactly `GEMM.multiply`'s (`C ← α·op(A)·op(B) + β·C`, row-major, `beta == 0` never reads C); sizes
/// and leading dimensions are checked there. Every k-sum is accumulated in order p = 0, 1, … with fused
/// multiply-adds. Packing buffers come from the calling thread's `GEMMWorkspace`, so concurrent calls from
/// different threads are safe and steady-state calls allocate nothing.
enum SwiftGEMM {
    static func sgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        blocking: GEMMBlocking = .default
    ) {
        if m == 0 || n == 0 { return }
        if k == 0 || alpha == 0 {
            scale(m: m, n: n, beta: beta, c: c, ldc: ldc)
            return
        }
        if n < blocking.nr || m < blocking.mr || m * n * k <= blocking.smallProductLimit {
            smallProduct(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                         beta: beta, c: c, ldc: ldc)
        } else {
            packedProduct(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
                          beta: beta, c: c, ldc: ldc, blocking: blocking)
        }
    }

    /// `C ← β·C` (zeros when `beta == 0`, without reading C).
    static func scale(m: Int, n: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int) {
        if beta == 1 { return }
        for i in 0 ..< m {
            let row = c + i * ldc
            if beta == 0 {
                row.update(repeating: 0, count: n)
            } else {
                for j in 0 ..< n { row[j] *= beta }
            }
        }
    }

    /// The Goto/BLIS loop nest over packed blocks.
    static func packedProduct(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int, blocking: GEMMBlocking
    ) {
        let mr = blocking.mr, nr = blocking.nr
        let kcMax = min(blocking.kc, k)
        let ncMax = min(blocking.nc, (n + nr - 1) / nr * nr)
        let mcMax = min(blocking.mc, (m + mr - 1) / mr * mr)
        let workspace = GEMMWorkspace.current
        workspace.reserve(a: mcMax * kcMax, b: kcMax * ncMax)
        let packedA = workspace.packedA, packedB = workspace.packedB, edge = workspace.edgeTile

        var jc = 0
        while jc < n {
            let nc = min(blocking.nc, n - jc)
            var pc = 0
            while pc < k {
                let kc = min(blocking.kc, k - pc)
                // The first k slice applies the caller's β; later slices accumulate onto it.
                let betaSlice: Float = pc == 0 ? beta : 1
                packB(transB, b: b, ldb: ldb, pc: pc, kc: kc, jc: jc, nc: nc, into: packedB)
                var ic = 0
                while ic < m {
                    let mc = min(blocking.mc, m - ic)
                    packA(transA, a: a, lda: lda, ic: ic, mc: mc, pc: pc, kc: kc, into: packedA)
                    var jr = 0
                    while jr < nc {
                        let width = min(nr, nc - jr)
                        let slabB = packedB + jr * kc
                        var ir = 0
                        while ir < mc {
                            let height = min(mr, mc - ir)
                            let sliverA = packedA + ir * kc
                            let tile = c + ((ic + ir) * ldc + jc + jr)
                            if height == mr && width == nr {
                                microKernel6x16(kc: kc, a: sliverA, b: slabB, c: tile, ldc: ldc,
                                                alpha: alpha, beta: betaSlice)
                            } else {
                                // Edge of C: compute the full padded tile aside, then merge the part that exists.
                                microKernel6x16(kc: kc, a: sliverA, b: slabB, c: edge, ldc: nr, alpha: 1, beta: 0)
                                mergeEdge(edge, ldEdge: nr, height: height, width: width, alpha: alpha,
                                          beta: betaSlice, into: tile, ldc: ldc)
                            }
                            ir += mr
                        }
                        jr += nr
                    }
                    ic += mc
                }
                pc += kc
            }
            jc += nc
        }
    }

    /// `tile[0..<height, 0..<width] ← α·edge + β·tile`; `beta == 0` never reads the tile.
    @inline(__always)
    static func mergeEdge(_ edge: UnsafePointer<Float>, ldEdge: Int, height: Int, width: Int, alpha: Float,
                          beta: Float, into tile: UnsafeMutablePointer<Float>, ldc: Int) {
        for r in 0 ..< height {
            let src = edge + r * ldEdge, dst = tile + r * ldc
            if beta == 0 {
                for j in 0 ..< width { dst[j] = alpha * src[j] }
            } else {
                for j in 0 ..< width { dst[j] = (beta * dst[j]).addingProduct(alpha, src[j]) }
            }
        }
    }
}
