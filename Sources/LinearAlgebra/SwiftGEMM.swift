/// AEGrid's own single-precision GEMM, the backend of the fallback build and a peer of OpenBLAS in the BLAS build.
///
/// It follows the Goto/BLIS recipe: loop `jc → pc → ic → jr → ir` over the plan in `GEMMBlocking`, pack a
/// `kc×nc` slab of op(B) and an `mc×kc` block of op(A) into zero-padded slivers (`SwiftGEMM+Packing.swift`), and
/// call one 6×16 micro-kernel of `SIMD8<Float>` fused multiply-adds per tile of C (`SwiftGEMM+MicroKernel.swift`).
/// Narrow products (fewer than 16 columns, like a 32×10 · 10×4 layer) take `narrowProduct` instead, products
/// too narrow to repay packing A read it in place (`GEMMBlocking.packAMinimumColumns`), and products with too few
/// rows to repay packing a stored B read its full slivers in place (`GEMMBlocking.readBInPlaceMaximumRows`, and
/// `wideReadBInPlaceMaximumRows` for the AVX-512 tiles).
///
/// Contract: exactly `GEMM.multiply`'s (`C ← α·op(A)·op(B) + β·C`, row-major, `beta == 0` never reads C); sizes
/// and leading dimensions are checked there. Sums use fused multiply-adds, in k order within each `kc` slice for
/// products of 16 columns or more (narrow products with few rows add even and odd k steps separately). Packing
/// buffers come from the calling thread's `GEMMWorkspace`, so concurrent calls from different threads are safe
/// and steady-state calls allocate nothing.
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
        if n < blocking.nr {
            narrowProduct(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb,
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
        // Pairs of full slivers to the AVX-512 kernels, where asked for and the CPU has them; a product with few
        // enough rows there reads both operands where they lie (`GEMMBlocking.wideInPlaceMaximumRows`).
        let wide = n >= 2 * nr && blocking.usesWideTiles
        let wideInPlace = wide && m <= blocking.wideInPlaceMaximumRows
        // A is packed only when each packed block is reused across enough column tiles to repay the copy;
        // otherwise the micro-kernel reads op(A) where it lies. A transposed A is packed too (read in place, each k
        // step would touch a new cache line), except by the AVX-512 tiles at a small depth (a weight gradient's,
        // whose depth is the batch: `GEMMBlocking.wideInPlaceMaximumDepth`), which read 8 contiguous floats a k step.
        let packsA = transA == .none ? n >= blocking.packAMinimumColumns && !wideInPlace
                                     : !(wide && k <= blocking.wideInPlaceMaximumDepth)
        // Likewise B's full 16-column slivers when few rows reuse them (only a stored B: a transposed one would be
        // read a column at a time), up to the row limit of the kernels this product uses, and on the AVX-512 kernels
        // only beside an A read in place (B in place lost beside 6-row panels of A); a partial last sliver is still
        // packed, zero-padded.
        let readsBInPlace = transB == .none
            && (wide ? wideInPlace && !packsA : m <= blocking.readBInPlaceMaximumRows)
        let (packedA, packedB, edge) = GEMMWorkspace.buffers(a: packsA ? mcMax * kcMax : 0, b: kcMax * ncMax)
        // Strides of op(A) as the kernels read it: between rows of a tile, between k steps.
        let rowStride = packsA ? 1 : (transA == .none ? lda : 1)
        let depthStride = packsA ? mr : (transA == .none ? 1 : lda)

        var jc = 0
        while jc < n {
            let nc = min(blocking.nc, n - jc)
            var pc = 0
            while pc < k {
                let kc = min(blocking.kc, k - pc)
                // The first k slice applies the caller's β; later slices accumulate onto it.
                let betaSlice: Float = pc == 0 ? beta : 1
                // Columns jc ..< jc + fullSlivers are read in place; the rest (all of them without readsBInPlace)
                // are packed.
                let fullSlivers = readsBInPlace ? nc / nr * nr : 0
                if fullSlivers < nc {
                    packB(transB, b: b, ldb: ldb, pc: pc, kc: kc, jc: jc + fullSlivers, nc: nc - fullSlivers,
                          into: packedB)
                }
                var ic = 0
                while ic < m {
                    let mc = min(blocking.mc, m - ic)
                    if packsA { packA(transA, a: a, lda: lda, ic: ic, mc: mc, pc: pc, kc: kc, into: packedA) }
                    var jr = 0
                    while jr < nc {
                        let width = min(nr, nc - jr)
                        let inPlace = jr < fullSlivers
                        let sliverB: UnsafePointer<Float> = inPlace ? b + (pc * ldb + jc + jr)
                                                                     : UnsafePointer(packedB + (jr - fullSlivers) * kc)
                        let bStride = inPlace ? ldb : nr
                        // A second full sliver beside this one, read the same way: the pair's tiles are 32 columns wide
                        // for the AVX-512 kernels (`SwiftGEMM+WideTiles.swift`).
                        let paired = wide && nc - jr >= 2 * nr && (jr + nr < fullSlivers) == inPlace
                        let nextSliverB = inPlace ? sliverB + nr : sliverB + nr * kc
                        // A pair's full tiles have 8 rows where op(A) is read in place (the 8×32 kernel), else the
                        // packed panels' 6.
                        let tileRows = paired && !packsA ? wideTileRows : mr
                        var ir = 0
                        while ir < mc {
                            let height = min(tileRows, mc - ir)
                            // The top-left element of this tile of op(A): in the packed block or in A itself.
                            let offsetA: Int = transA == .none ? (ic + ir) * lda + pc : pc * lda + ic + ir
                            let sliverA: UnsafePointer<Float> = packsA ? UnsafePointer(packedA + ir * kc) : a + offsetA
                            let tile = c + ((ic + ir) * ldc + jc + jr)
                            if paired && height == tileRows {
                                wideTile(rows: tileRows, kc: kc, a: sliverA, rowStride: rowStride,
                                         depthStride: depthStride, b0: sliverB, b1: nextSliverB, bStride: bStride,
                                         c: tile, ldc: ldc, alpha: alpha, beta: betaSlice)
                            } else if paired {
                                wideEdgeTile(height: height, kc: kc, a: sliverA, rowStride: rowStride,
                                             depthStride: depthStride, b0: sliverB, b1: nextSliverB, bStride: bStride,
                                             c: tile, ldc: ldc, alpha: alpha, beta: betaSlice)
                            } else if height == mr && width == nr {
                                microKernel6x16(kc: kc, a: sliverA, rowStride: rowStride, depthStride: depthStride,
                                                b: sliverB, bStride: bStride, c: tile, ldc: ldc, alpha: alpha,
                                                beta: betaSlice)
                            } else {
                                edgeTile(height: height, width: width, kc: kc, a: sliverA, rowStride: rowStride,
                                         depthStride: depthStride, b: sliverB, bStride: bStride, c: tile, ldc: ldc,
                                         alpha: alpha, beta: betaSlice, scratch: edge)
                            }
                            ir += tileRows
                        }
                        jr += paired ? 2 * nr : nr
                    }
                    ic += mc
                }
                pc += kc
            }
            jc += nc
        }
    }

    /// A tile at the bottom or right edge of C: `height` rows (< 6, or 6 with `width` < 16) are covered by 6-, 4-,
    /// 2- and 1-row kernels that read only existing rows of A; a partial width is computed into `scratch` (one
    /// 6×16 tile) and merged, since the kernels always write sixteen columns.
    @inline(__always)
    static func edgeTile(
        height: Int, width: Int, kc: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int,
        b: UnsafePointer<Float>, bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float,
        scratch: UnsafeMutablePointer<Float>
    ) {
        let direct = width == 16
        let target = direct ? c : scratch, ldTarget = direct ? ldc : 16
        let tileAlpha: Float = direct ? alpha : 1, tileBeta: Float = direct ? beta : 0
        var r = 0
        while r < height {
            let rows = edgeTileRows(height - r)
            let ar = a + r * rowStride, cr = target + r * ldTarget
            switch rows {
            case 6: microKernel6x16(kc: kc, a: ar, rowStride: rowStride, depthStride: depthStride, b: b,
                                    bStride: bStride, c: cr, ldc: ldTarget, alpha: tileAlpha, beta: tileBeta)
            case 4: microKernel4x16(kc: kc, a: ar, rowStride: rowStride, depthStride: depthStride, b: b,
                                    bStride: bStride, c: cr, ldc: ldTarget, alpha: tileAlpha, beta: tileBeta)
            case 2: microKernel2x16(kc: kc, a: ar, rowStride: rowStride, depthStride: depthStride, b: b,
                                    bStride: bStride, c: cr, ldc: ldTarget, alpha: tileAlpha, beta: tileBeta)
            default: microKernel1x16(kc: kc, a: ar, rowStride: rowStride, depthStride: depthStride, b: b,
                                     bStride: bStride, c: cr, ldc: ldTarget, alpha: tileAlpha, beta: tileBeta)
            }
            r += rows
        }
        if !direct {
            mergeEdge(scratch, ldEdge: 16, height: height, width: width, alpha: alpha, beta: beta, into: c, ldc: ldc)
        }
    }

    /// The rows of the next kernel call covering `remaining` rows of an edge: 6, 4, 2 or 1 (the kernels' heights).
    @inline(__always)
    static func edgeTileRows(_ remaining: Int) -> Int {
        remaining >= 6 ? 6 : remaining >= 4 ? 4 : remaining >= 2 ? 2 : 1
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
