import Synchronization

/// How many threads one caller's large products may use, changed by another thread at any time: the grid runner
/// lends the cores of workers that ran out of trials to the trainers still running, and a trainer reads its
/// allowance once per forward and once per backward pass. Reading is one relaxed atomic load: no lock, no
/// allocation.
///
/// Results never depend on it: `GEMM.multiply(threads:)` splits a product only on backends that compute every
/// element of C the same way in a block as in one call, and runs it on one thread on the others.
public final class ThreadAllowance: Sendable {
    private let value: Atomic<Int>

    /// An allowance of `threads` (at least 1).
    public init(_ threads: Int = 1) {
        value = Atomic(max(1, threads))
    }

    /// The threads the holder may use now (at least 1).
    public var threads: Int { value.load(ordering: .relaxed) }

    /// Changes the allowance (clamped to at least 1); the holder sees it at its next read.
    public func set(_ threads: Int) {
        value.store(max(1, threads), ordering: .relaxed)
    }
}

extension GEMM {
    /// Products with fewer multiply-adds than this (m·n·k) run on the calling thread alone, whatever the thread
    /// count: handing a block to a Dispatch thread costs a few microseconds, and 2¹⁹ multiply-adds take about 10 µs
    /// on one core at 100 GFLOP/s. (OpenBLAS's own cut-off for its threads is 2¹⁸.)
    public static let parallelMinimumWork = 1 << 19

    /// Blocks of a split product start at multiples of this many rows or columns, so that a block is swept with the
    /// same tiles as those rows or columns in one call (the Swift kernel's packed path works in 16-column tiles and
    /// its narrow path in blocks of eight rows; the packed path does not depend on a row's position at all).
    public static let parallelRowAlignment = 16

    /// Runs `first` on the calling thread and `second` on another (`ParallelBlocks`) at the same time, and
    /// returns when both are done: two independent products that must each stay whole (OpenBLAS's, which do not
    /// split exactly) still use two cores.
    /// The caller promises what the compiler cannot check: the two closures touch disjoint memory (each product
    /// writes its own output buffer), so running them at once is safe although they capture raw pointers.
    public static func concurrently(_ first: () -> Void, _ second: () -> Void) {
        ParallelBlocks.run(2) { $0 == 0 ? first() : second() }
    }

    /// `multiply(threads:)`, then `finish(rows, columns)` on each block of C, on the thread that has just written it
    /// and while it is still in that thread's cache (once on the whole of C when the product is not split): an
    /// element-wise pass over the product's output (a layer's bias and activation) shares the product's threads
    /// instead of running after it on the calling thread alone. `finish` must touch only its block's elements of
    /// C and buffers of the same shape; the blocks are those of `parallelSplit`.
    public static func multiply(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float, a: UnsafePointer<Float>,
        lda: Int, b: UnsafePointer<Float>, ldb: Int, beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int,
        backend: GEMMBackend, threads: Int, finishingEachBlock finish: (Range<Int>, Range<Int>) -> Void
    ) {
        if threads > 1 && backend.splitsExactly && m > 0 && n > 0 {
            let split = parallelSplit(m: m, n: n, k: k, threads: threads)
            if split.blocks > 1 {
                let operands = SplitOperands(transA: transA, transB: transB, m: m, n: n, k: k, alpha: alpha, a: a,
                                             lda: lda, b: b, ldb: ldb, beta: beta, c: c, ldc: ldc, backend: backend)
                if split.byColumns {
                    operands.multiply(columnBlocks: split.blocks, finish: finish)
                } else {
                    operands.multiply(rowBlocks: split.blocks, finish: finish)
                }
                return
            }
        }
        multiply(transA, transB, m: m, n: n, k: k, alpha: alpha, a: a, lda: lda, b: b, ldb: ldb, beta: beta, c: c,
                 ldc: ldc, backend: backend)
        finish(0 ..< m, 0 ..< n)
    }

    /// Which way `multiply(threads:)` cuts a product, and into how many blocks (`blocks == 1`: no split).
    ///
    /// A product with at least as many rows as columns is cut into blocks of rows (the weight gradient `xᵀ·dZ`, or
    /// any product at a large batch); a wider one into blocks of columns (`x·W` and `dZ·Wᵀ` at a small batch). The
    /// Goto/BLIS kernel packs all of op(B) for every block of rows, so cutting a 32-row product by rows packs the
    /// same weights once per thread for sixteen rows of work each; cut by columns, each thread packs only its own
    /// columns of op(B). Column blocks need at least sixteen columns each, so that every block takes the packed
    /// path that the whole product takes (a block under sixteen columns would take the narrow path, whose order
    /// of operations differs).
    static func parallelSplit(m: Int, n: Int, k: Int, threads: Int) -> (byColumns: Bool, blocks: Int) {
        guard threads > 1, m * n * k >= parallelMinimumWork else { return (false, 1) }
        if m >= n { return (false, max(1, min(threads, m / parallelRowAlignment))) }
        return (true, max(1, min(threads, n / parallelRowAlignment)))
    }

    /// Rows in each block but the last: m / blocks rounded up to the alignment.
    public static func rowsPerBlock(m: Int, blocks: Int) -> Int {
        let share = (m + blocks - 1) / blocks
        return (share + parallelRowAlignment - 1) / parallelRowAlignment * parallelRowAlignment
    }

    /// Columns in a block before the rest is shared out: n / blocks rounded **down** to the alignment, so that every
    /// block has at least n / blocks ≥ 16 columns (`parallelSplit` makes at most n / 16 blocks); see
    /// `SplitOperands.multiply(columnBlocks:)` for where the rest goes.
    static func columnsPerBlock(n: Int, blocks: Int) -> Int {
        max(parallelRowAlignment, n / blocks / parallelRowAlignment * parallelRowAlignment)
    }

    /// The columns of block `block` of `blocks` of an n-column product, each starting at a multiple of 16 with at
    /// least `columnsPerBlock` columns. The rest's whole 16-column tiles go to block 0, the calling thread's, which
    /// starts at once while another thread's block starts only once that thread has seen the hand-off (with them on
    /// the helper's side, a 784-column product made the caller wait for the helper's 400 columns after its own
    /// 384); a partial tile goes to the last block.
    static func columnBlock(_ block: Int, of blocks: Int, n: Int) -> Range<Int> {
        let columnsPerBlock = columnsPerBlock(n: n, blocks: blocks)
        let extra = (n - blocks * columnsPerBlock) / parallelRowAlignment * parallelRowAlignment
        let first = block == 0 ? 0 : extra + block * columnsPerBlock
        let last = block == blocks - 1 ? n : extra + (block + 1) * columnsPerBlock
        return first ..< last
    }
}

extension GEMMBackend {
    /// Whether a block of C's rows computed on its own holds the same bits as those rows of one call, so that
    /// `GEMM.multiply(threads:)` may split products. True for AEGrid's own kernels, whose order of operations per
    /// element depends only on k and n. False for OpenBLAS: its result for a block of rows differs in the last bits
    /// for some shapes (189 of 2766 random row splits at multiples of 16 rows on OpenBLAS 0.3.21, Zen 3), and
    /// OpenBLAS's own threads change the bits of products with more than a few hundred k steps; products on the
    /// BLAS backend therefore run on one thread, and OpenBLAS at one thread, whenever AEGrid trains.
    public var splitsExactly: Bool { self != .blas }
}

/// One product split by rows or by columns (`GEMM.multiply(threads:)`), bitwise equal to one call on a backend that
/// `splitsExactly`: C is cut into blocks of whole rows or whole columns (`GEMM.parallelRowAlignment` multiples, see
/// `GEMM.parallelSplit`), and each block is one product of the same backend on its own thread (the calling thread
/// takes one). Such a backend computes an element of C from its row of op(A) and its column of op(B) in an order
/// that depends only on k and on whether the product takes the packed or the narrow path, never on the element's
/// position or on the number of rows or columns around it, so the blocks hold exactly what one call writes
/// (`ParallelGEMMTests`). The extra threads come from `ParallelBlocks` (a persistent helper for two blocks,
/// Dispatch's pool for more). Each thread reads A and B and writes its own block of C, so sharing the pointers is safe.
// @unchecked: raw pointers into the caller's matrices; each thread writes only its own block of C (see above).
struct SplitOperands: @unchecked Sendable {
    let transA: Transpose, transB: Transpose
    let m: Int, n: Int, k: Int
    let alpha: Float
    let a: UnsafePointer<Float>, lda: Int
    let b: UnsafePointer<Float>, ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let backend: GEMMBackend

    /// `blocks` blocks of whole rows, each followed on its thread by `finish(its rows, all columns)`.
    func multiply(rowBlocks blocks: Int, finish: (Range<Int>, Range<Int>) -> Void = { _, _ in }) {
        let rowsPerBlock = GEMM.rowsPerBlock(m: m, blocks: blocks)
        ParallelBlocks.run(blocks) { block in
            let first = block * rowsPerBlock
            let rows = min(rowsPerBlock, m - first)
            guard rows > 0 else { return }
            // Row `first` of op(A): row `first` of A, or column `first` of a transposed A.
            let aBlock = a + (transA == .none ? first * lda : first)
            GEMM.multiply(transA, transB, m: rows, n: n, k: k, alpha: alpha, a: aBlock, lda: lda, b: b, ldb: ldb,
                          beta: beta, c: c + first * ldc, ldc: ldc, backend: backend)
            finish(first ..< first + rows, 0 ..< n)
        }
    }

    /// `blocks` blocks of whole columns (`GEMM.columnBlock`), each followed on its thread by `finish(all rows, its
    /// columns)`.
    func multiply(columnBlocks blocks: Int, finish: (Range<Int>, Range<Int>) -> Void = { _, _ in }) {
        ParallelBlocks.run(blocks) { block in
            let range = GEMM.columnBlock(block, of: blocks, n: n)
            let first = range.lowerBound, columns = range.count
            // Column `first` of op(B): column `first` of B, or row `first` of a transposed B.
            let bBlock = b + (transB == .none ? first : first * ldb)
            GEMM.multiply(transA, transB, m: m, n: columns, k: k, alpha: alpha, a: a, lda: lda, b: bBlock, ldb: ldb,
                          beta: beta, c: c + first, ldc: ldc, backend: backend)
            finish(0 ..< m, range)
        }
    }
}
