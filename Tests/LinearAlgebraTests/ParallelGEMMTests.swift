import XCTest
@testable import LinearAlgebra
import TestSupport
import Synchronization

/// `GEMM.multiply(threads:)` must write exactly the bits of one call, on every backend, for any thread count: the
/// grid runner changes a trainer's threads while it trains, and results must never depend on scheduling.
final class ParallelGEMMTests: XCTestCase {
    /// Shapes above `parallelMinimumWork`: the training shapes of a wide model (784 ↔ 256 at batch 256, and a
    /// narrow bottleneck with fewer than 16 columns), row counts that are not multiples of the alignment, and padded
    /// leading dimensions. Those with more columns than rows are cut by columns: the wide model's products at batch
    /// 32 (x·W and dZ·Wᵀ, and the bottleneck's 32×64), column counts whose last block ends in a partial 16-column
    /// tile, and 40 or 47 columns, where a block of n / blocks rounded up would leave the last one under 16 columns
    /// (the narrow path, whose bits differ).
    private static let shapes: [(m: Int, n: Int, k: Int)] = [
        (256, 256, 784), (784, 256, 256), (256, 784, 256), (256, 8, 256), (1000, 10, 64),
        (97, 333, 101), (130, 17, 300), (64, 700, 40), (33, 1025, 20),
        (32, 256, 784), (32, 784, 256), (32, 64, 256), (64, 256, 32), (20, 40, 1000), (16, 47, 800),
    ]

    private func product(_ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, padding: Int,
                         alpha: Float, beta: Float, backend: GEMMBackend, threads: Int?, seed: UInt64) -> [Float] {
        var rng = SeededGenerator(seed: seed)
        let (aRows, aCols) = transA == .none ? (m, k) : (k, m)
        let (bRows, bCols) = transB == .none ? (k, n) : (n, k)
        let lda = aCols + padding, ldb = bCols + padding, ldc = n + padding
        let a = (0 ..< aRows * lda).map { _ in 2 * rng.nextUnitFloat() - 1 }
        let b = (0 ..< bRows * ldb).map { _ in 2 * rng.nextUnitFloat() - 1 }
        var c = (0 ..< m * ldc).map { _ in 2 * rng.nextUnitFloat() - 1 }
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    if let threads {
                        GEMM.multiply(transA, transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: lda,
                                      b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc,
                                      backend: backend, threads: threads)
                    } else {
                        GEMM.multiply(transA, transB, m: m, n: n, k: k, alpha: alpha, a: pa.baseAddress!, lda: lda,
                                      b: pb.baseAddress!, ldb: ldb, beta: beta, c: pc.baseAddress!, ldc: ldc,
                                      backend: backend)
                    }
                }
            }
        }
        return c
    }

    func testSplitProductsAreBitwiseOneCallOnEveryBackend() {
        let saved = BLASThreads.count
        BLASThreads.set(1)
        defer { BLASThreads.set(saved) }
        var seed: UInt64 = 1
        for backend in GEMMBackend.available where backend != .naive {
            // OpenBLAS is never split (it does not split exactly); its products must still come out as one call's.
            for (m, n, k) in Self.shapes {
                XCTAssertGreaterThanOrEqual(m * n * k, GEMM.parallelMinimumWork, "\(m)×\(n)×\(k) would not split")
                for transA in Transpose.allCases {
                    for transB in Transpose.allCases {
                        for (alpha, beta, padding) in [(Float(1), Float(0), 0), (-0.75, 0.5, 3)] {
                            seed += 1
                            let one = product(transA, transB, m: m, n: n, k: k, padding: padding, alpha: alpha,
                                              beta: beta, backend: backend, threads: nil, seed: seed)
                            for threads in [2, 3, 4] {
                                let split = product(transA, transB, m: m, n: n, k: k, padding: padding, alpha: alpha,
                                                    beta: beta, backend: backend, threads: threads, seed: seed)
                                XCTAssertEqual(split.map(\.bitPattern), one.map(\.bitPattern),
                                               "\(backend) \(transA)/\(transB) \(m)×\(n)×\(k) on \(threads) threads")
                            }
                        }
                    }
                }
            }
        }
    }

    func testOnlyAEGridsOwnKernelsSplit() {
        XCTAssertTrue(GEMMBackend.swift.splitsExactly)
        XCTAssertTrue(GEMMBackend.naive.splitsExactly)
        XCTAssertFalse(GEMMBackend.blas.splitsExactly)
    }

    /// The naive oracle splits the same way; one shape keeps its triple loop short.
    func testTheNaiveBackendSplitsToo() {
        let one = product(.none, .transposed, m: 64, n: 96, k: 96, padding: 1, alpha: 1, beta: 0, backend: .naive,
                          threads: nil, seed: 9)
        let split = product(.none, .transposed, m: 64, n: 96, k: 96, padding: 1, alpha: 1, beta: 0, backend: .naive,
                            threads: 4, seed: 9)
        XCTAssertEqual(split.map(\.bitPattern), one.map(\.bitPattern))
    }

    /// Products with more columns than rows are cut into blocks of whole 16-column tiles, each at least 16 wide.
    func testWideProductsAreCutIntoAlignedColumnBlocksOfSixteenOrMore() {
        XCTAssertTrue(GEMM.parallelSplit(m: 32, n: 784, k: 256, threads: 2) == (true, 2))
        XCTAssertTrue(GEMM.parallelSplit(m: 32, n: 256, k: 784, threads: 4) == (true, 4))
        XCTAssertTrue(GEMM.parallelSplit(m: 784, n: 256, k: 32, threads: 2) == (false, 2), "more rows: by rows")
        XCTAssertTrue(GEMM.parallelSplit(m: 20, n: 40, k: 1000, threads: 8) == (true, 2), "no block under 16 columns")
        XCTAssertEqual(GEMM.parallelSplit(m: 32, n: 784, k: 256, threads: 1).blocks, 1)
        XCTAssertEqual(GEMM.parallelSplit(m: 4, n: 15, k: 100_000, threads: 2).blocks, 1, "narrow: never by columns")
        for (n, blocks) in [(784, 2), (784, 3), (40, 2), (47, 2), (1025, 4), (64, 4), (33, 2), (256, 2), (95, 5)] {
            let columns = GEMM.columnsPerBlock(n: n, blocks: blocks)
            XCTAssertEqual(columns % GEMM.parallelRowAlignment, 0)
            XCTAssertGreaterThanOrEqual(n - (blocks - 1) * columns, 16, "the last of \(blocks) blocks of \(n) columns")
            // The blocks tile 0 ..< n in order, each starting on a 16-column boundary and at least 16 wide; the
            // caller's block 0 is the widest but for a partial tile at the end.
            let ranges = (0 ..< blocks).map { GEMM.columnBlock($0, of: blocks, n: n) }
            XCTAssertEqual(ranges.first?.lowerBound, 0)
            XCTAssertEqual(ranges.last?.upperBound, n)
            for (range, next) in zip(ranges, ranges.dropFirst()) { XCTAssertEqual(range.upperBound, next.lowerBound) }
            for range in ranges {
                XCTAssertEqual(range.lowerBound % GEMM.parallelRowAlignment, 0, "\(ranges)")
                XCTAssertGreaterThanOrEqual(range.count, 16, "\(ranges)")
                XCTAssertGreaterThanOrEqual(ranges[0].count, range.count / 16 * 16, "\(ranges)")
            }
        }
        XCTAssertEqual(GEMM.columnBlock(0, of: 2, n: 784), 0 ..< 400, "the caller takes the rest's whole tiles")
        XCTAssertEqual(GEMM.columnBlock(1, of: 2, n: 784), 400 ..< 784)
        XCTAssertEqual(GEMM.columnBlock(1, of: 2, n: 47), 16 ..< 47, "a partial tile goes last")
    }

    func testBlocksAreWholeAlignedRowRangesAndSmallProductsStayOnOneThread() {
        func rowBlocks(m: Int, n: Int, k: Int, threads: Int) -> Int {
            let split = GEMM.parallelSplit(m: m, n: n, k: k, threads: threads)
            return split.byColumns ? 1 : split.blocks
        }
        XCTAssertEqual(rowBlocks(m: 256, n: 256, k: 784, threads: 1), 1)
        XCTAssertEqual(rowBlocks(m: 256, n: 256, k: 784, threads: 2), 2)
        XCTAssertEqual(rowBlocks(m: 256, n: 256, k: 784, threads: 64), 16, "no block under 16 rows")
        XCTAssertEqual(rowBlocks(m: 32, n: 10, k: 10, threads: 2), 1, "below parallelMinimumWork")
        XCTAssertEqual(rowBlocks(m: 20, n: 4096, k: 4096, threads: 2), 1, "more columns: not by rows")
        XCTAssertEqual(GEMM.rowsPerBlock(m: 256, blocks: 2), 128)
        XCTAssertEqual(GEMM.rowsPerBlock(m: 784, blocks: 3), 272)
        XCTAssertEqual(GEMM.rowsPerBlock(m: 97, blocks: 4), 32)
        for (m, blocks) in [(256, 2), (784, 3), (97, 4), (130, 8), (33, 2)] {
            let rows = GEMM.rowsPerBlock(m: m, blocks: blocks)
            XCTAssertEqual(rows % GEMM.parallelRowAlignment, 0)
            XCTAssertGreaterThanOrEqual(rows * blocks, m, "the blocks cover every row of \(m)")
        }
    }

    func testAThreadAllowanceIsAtLeastOneAndChangesWhenSet() {
        let allowance = ThreadAllowance(0)
        XCTAssertEqual(allowance.threads, 1)
        allowance.set(3)
        XCTAssertEqual(allowance.threads, 3)
        allowance.set(-2)
        XCTAssertEqual(allowance.threads, 1)
        XCTAssertEqual(ThreadAllowance().threads, 1)
    }

    /// `multiply(finishingEachBlock:)` calls `finish` once per block of C, on blocks that tile C exactly (the split's
    /// row or column blocks, or all of C when the product is not split or not splittable), each after its block
    /// holds the product's final bits: here `finish` copies its block out, and the copies make up one call's C.
    func testFinishingEachBlockSeesEveryBlockOnceWithItsFinalBits() {
        let saved = BLASThreads.count
        BLASThreads.set(1)
        defer { BLASThreads.set(saved) }
        var seed: UInt64 = 500
        let shapes = [(m: 256, n: 256, k: 784), (m: 32, n: 784, k: 256), (m: 32, n: 256, k: 784), (m: 8, n: 8, k: 8)]
        for backend in GEMMBackend.available where backend != .naive {
            for (m, n, k) in shapes {
                for threads in [1, 2, 3] {
                    seed += 1
                    var rng = SeededGenerator(seed: seed)
                    let a = (0 ..< m * k).map { _ in 2 * rng.nextUnitFloat() - 1 }
                    let b = (0 ..< k * n).map { _ in 2 * rng.nextUnitFloat() - 1 }
                    var c = [Float](repeating: .nan, count: m * n), copied = c, expected = c
                    let visits = Mutex([Int](repeating: 0, count: m * n))
                    a.withUnsafeBufferPointer { pa in
                        b.withUnsafeBufferPointer { pb in
                            expected.withUnsafeMutableBufferPointer { pe in
                                GEMM.multiply(.none, .none, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: k,
                                              b: pb.baseAddress!, ldb: n, beta: 0, c: pe.baseAddress!, ldc: n,
                                              backend: backend)
                            }
                            c.withUnsafeMutableBufferPointer { pc in
                                copied.withUnsafeMutableBufferPointer { po in
                                    let (cc, oc) = (pc.baseAddress!, po.baseAddress!)
                                    GEMM.multiply(.none, .none, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!,
                                                  lda: k, b: pb.baseAddress!, ldb: n, beta: 0, c: cc, ldc: n,
                                                  backend: backend, threads: threads) { rows, columns in
                                        for r in rows {
                                            for j in columns { oc[r * n + j] = cc[r * n + j] }
                                        }
                                        visits.withLock { counts in
                                            for r in rows { for j in columns { counts[r * n + j] += 1 } }
                                        }
                                    }
                                }
                            }
                        }
                    }
                    let label = "\(backend) \(m)×\(n)×\(k), \(threads) threads"
                    XCTAssertTrue(visits.withLock { $0.allSatisfy { $0 == 1 } }, "\(label): a block missed or repeated")
                    XCTAssertEqual(copied.map(\.bitPattern), expected.map(\.bitPattern), label)
                }
            }
        }
    }
}
