import Dispatch
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

    /// Row blocks of a split product start at multiples of this many rows, so that a block is swept with the same
    /// tiles as those rows in one call (the Swift kernel's narrow path works in blocks of eight rows; its packed path
    /// does not depend on a row's position at all).
    static let parallelRowAlignment = 16

    /// Runs `first` on the calling thread and `second` on another (from Dispatch's pool) at the same time, and
    /// returns when both are done: two independent products that must each stay whole (OpenBLAS's, which do not
    /// split exactly) still use two cores.
    /// The caller promises what the compiler cannot check: the two closures touch disjoint memory (each product
    /// writes its own output buffer), so running them at once is safe although they capture raw pointers.
    public static func concurrently(_ first: () -> Void, _ second: () -> Void) {
        withoutActuallyEscaping(first) { first in
            withoutActuallyEscaping(second) { second in
                nonisolated(unsafe) let pair = (first, second)
                DispatchQueue.concurrentPerform(iterations: 2) { $0 == 0 ? pair.0() : pair.1() }
            }
        }
    }

    /// The number of row blocks `multiply(threads:)` cuts an m×n×k product into (1: no split).
    static func parallelBlocks(m: Int, n: Int, k: Int, threads: Int) -> Int {
        guard threads > 1, m * n * k >= parallelMinimumWork else { return 1 }
        return max(1, min(threads, m / parallelRowAlignment))
    }

    /// Rows in each block but the last: m / blocks rounded up to the alignment.
    static func rowsPerBlock(m: Int, blocks: Int) -> Int {
        let share = (m + blocks - 1) / blocks
        return (share + parallelRowAlignment - 1) / parallelRowAlignment * parallelRowAlignment
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

/// One product split by rows (`GEMM.multiply(threads:)`), bitwise equal to one call on a backend that
/// `splitsExactly`: C is cut into blocks of whole rows (`GEMM.parallelRowAlignment` multiples), and each block is one
/// product of the same backend on its own thread (the calling thread takes one). Such a backend computes an element
/// of C from its row of op(A) and its column of op(B) in an order that depends only on k and n, never on the row's
/// position or the number of rows, so the blocks hold exactly what one call writes (`ParallelGEMMTests`). The
/// extra threads come from Dispatch's pool (`concurrentPerform`), which keeps them between calls. Each thread reads
/// A and B and writes its own rows of C, so sharing the pointers is safe.
// @unchecked: raw pointers into the caller's matrices; each thread writes only its own rows of C (see above).
struct SplitOperands: @unchecked Sendable {
    let transA: Transpose, transB: Transpose
    let m: Int, n: Int, k: Int
    let alpha: Float
    let a: UnsafePointer<Float>, lda: Int
    let b: UnsafePointer<Float>, ldb: Int
    let beta: Float
    let c: UnsafeMutablePointer<Float>, ldc: Int
    let backend: GEMMBackend

    func multiply(blocks: Int) {
        let rowsPerBlock = GEMM.rowsPerBlock(m: m, blocks: blocks)
        DispatchQueue.concurrentPerform(iterations: blocks) { block in
            let first = block * rowsPerBlock
            let rows = min(rowsPerBlock, m - first)
            guard rows > 0 else { return }
            // Row `first` of op(A): row `first` of A, or column `first` of a transposed A.
            let aBlock = a + (transA == .none ? first * lda : first)
            GEMM.multiply(transA, transB, m: rows, n: n, k: k, alpha: alpha, a: aBlock, lda: lda, b: b, ldb: ldb,
                          beta: beta, c: c + first * ldc, ldc: ldc, backend: backend)
        }
    }
}
