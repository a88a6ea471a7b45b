#if arch(x86_64)
import SwiftGEMMAVX512
#endif

/// Full 6×32 and 8×32 tiles of C for the AVX-512 micro-kernels (`SwiftGEMMAVX512`), on CPUs that have them.
///
/// `packedProduct` sweeps C in 16-column slivers of op(B). Where two full slivers lie side by side, read the same
/// way (both in place at B's row stride, or both packed, `kc × 16` floats apart), and `GEMMBlocking.usesWideTiles`,
/// their tiles go to one 32-column call of 512-bit fused multiply-adds instead of two 6×16 calls of 256-bit ones:
/// 8 rows a call where op(A) is read in place (`wideTileRows`), 6 where it is packed in 6-row panels, and the
/// bottom edge's rest in 6-, 4-, 2- and 1-row calls. Each element of C is the same chain of operations either way,
/// so the bits do not depend on the CPU (`GEMMTests.testWideTilesGiveTheNarrowTilesBits`); only the instruction
/// count does, by half in the inner loop.
extension SwiftGEMM {
    /// Whether this CPU can run the AVX-512 kernel: the operating system reports x86-64-v4's AVX-512 subsets.
    static let wideTilesAvailable = CPUFeatures.hasAVX512

    /// Rows of a full 32-column tile whose op(A) is read in place: the 8-row kernel's.
    static let wideTileRows = 8

    /// `C[0..<rows, 0..<32] ← α·A·[B₀ B₁] + β·C` on the AVX-512 kernel, `rows` 6 or `wideTileRows`; only called
    /// when `wideTilesAvailable`.
    @inline(__always)
    static func wideTile(
        rows: Int, kc: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b0: UnsafePointer<Float>,
        b1: UnsafePointer<Float>, bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        #if arch(x86_64)
        AVX512MicroKernel.tile(rows: rows, kc: kc, a: a, rowStride: rowStride, depthStride: depthStride, b0: b0,
                               b1: b1, bStride: bStride, c: c, ldc: ldc, alpha: alpha, beta: beta)
        #else
        preconditionFailure("SwiftGEMM: the 32-column tiles need an x86-64 CPU with AVX-512")
        #endif
    }

    /// The bottom edge of a pair of full slivers (`height` under a full tile's rows): 6-, 4-, 2- and 1-row tiles of 32
    /// columns, as `edgeTile` covers a 16-column sliver's edge with the AVX2 kernels. Only called when
    /// `wideTilesAvailable`.
    @inline(__always)
    static func wideEdgeTile(
        height: Int, kc: Int, a: UnsafePointer<Float>, rowStride: Int, depthStride: Int, b0: UnsafePointer<Float>,
        b1: UnsafePointer<Float>, bStride: Int, c: UnsafeMutablePointer<Float>, ldc: Int, alpha: Float, beta: Float
    ) {
        #if arch(x86_64)
        var r = 0
        while r < height {
            let rows = edgeTileRows(height - r)
            AVX512MicroKernel.tile(rows: rows, kc: kc, a: a + r * rowStride, rowStride: rowStride,
                                   depthStride: depthStride, b0: b0, b1: b1, bStride: bStride, c: c + r * ldc, ldc: ldc,
                                   alpha: alpha, beta: beta)
            r += rows
        }
        #else
        preconditionFailure("SwiftGEMM: the 32-column tiles need an x86-64 CPU with AVX-512")
        #endif
    }
}
