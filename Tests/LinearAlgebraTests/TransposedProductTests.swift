import XCTest
@testable import LinearAlgebra

/// `GEMM.multiplyByTransposedB` computes `A·Bᵀ` as `(B·Aᵀ)ᵀ` at small row counts on AEGrid's own kernels; it must
/// write exactly the bits of the direct product, on every backend, for row counts on both sides of the 16-column
/// narrow path and of `transposedProductMaximumRows`, any column count (partial 16-column tiles, fewer than 16),
/// depths across a `kc` slice, padded leading dimensions, and any thread count.
final class TransposedProductTests: XCTestCase {
    func testTheTransposedProductHasTheDirectProductsBits() {
        var rng = SeededGenerator(seed: 41)
        let saved = BLASThreads.count
        BLASThreads.set(1)
        defer { BLASThreads.set(saved) }
        for backend in GEMMBackend.available {
            let rowCounts = backend == .naive ? [15, 16, 33] : [1, 15, 16, 17, 32, 48, 64, 65, 96]
            let columnCounts = backend == .naive ? [16, 40] : [8, 15, 16, 17, 64, 200, 784]
            // Depths that put B on both sides of `transposedProductMinimumSizeOfB` (the naive oracle's 40 × 500 too).
            let depths = backend == .naive ? [7, 500] : [1, 64, 300]
            for m in rowCounts {
                for n in columnCounts {
                    for k in depths {
                        let padding = (m + n + k) % 3
                        let lda = k + padding, ldb = k + padding, ldc = n + padding
                        let a = (0 ..< m * lda).map { _ in 2 * rng.nextUnitFloat() - 1 }
                        let b = (0 ..< n * ldb).map { _ in 2 * rng.nextUnitFloat() - 1 }
                        let direct = directProduct(a, lda: lda, b, ldb: ldb, m: m, n: n, k: k, ldc: ldc,
                                                   backend: backend)
                        for threads in [1, 2, 3] {
                            var c = [Float](repeating: .nan, count: m * ldc)
                            var scratch = [Float](repeating: .nan, count: m * n)
                            withPointers(a, b, &c, &scratch) { pa, pb, pc, ps in
                                GEMM.multiplyByTransposedB(m: m, n: n, k: k, a: pa, lda: lda, b: pb, ldb: ldb, c: pc,
                                                           ldc: ldc, scratch: ps.baseAddress!, scratchCount: ps.count,
                                                           backend: backend, threads: threads)
                            }
                            // Padding columns stay NaN in both; compare every stored element's bits.
                            XCTAssertEqual(c.map(\.bitPattern), direct.map(\.bitPattern),
                                           "\(backend) \(m)×\(n)×\(k) on \(threads) threads")
                        }
                    }
                }
            }
        }
    }

    /// `A·Bᵀ` as one direct product (`GEMM.multiply(.none, .transposed, …)`), C's padding columns left NaN.
    private func directProduct(_ a: [Float], lda: Int, _ b: [Float], ldb: Int, m: Int, n: Int, k: Int, ldc: Int,
                               backend: GEMMBackend) -> [Float] {
        var c = [Float](repeating: .nan, count: m * ldc)
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    GEMM.multiply(.none, .transposed, m: m, n: n, k: k, alpha: 1, a: pa.baseAddress!, lda: lda,
                                  b: pb.baseAddress!, ldb: ldb, beta: 0, c: pc.baseAddress!, ldc: ldc, backend: backend)
                }
            }
        }
        return c
    }

    /// Runs `body` with the addresses of `a`, `b` and `c` and the buffer of `scratch`.
    private func withPointers(
        _ a: [Float], _ b: [Float], _ c: inout [Float], _ scratch: inout [Float],
        _ body: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>,
                 UnsafeMutableBufferPointer<Float>) -> Void
    ) {
        a.withUnsafeBufferPointer { pa in
            b.withUnsafeBufferPointer { pb in
                c.withUnsafeMutableBufferPointer { pc in
                    scratch.withUnsafeMutableBufferPointer { ps in body(pa.baseAddress!, pb.baseAddress!, pc.baseAddress!, ps) }
                }
            }
        }
    }

    /// Blocks of C's columns computed one at a time (`multiplyByTransposedB(columns:)`, each thread of a trainer
    /// taking the columns of its rows of W) give exactly the direct product's bits, for blocks at any multiple of 16,
    /// uneven and empty ones included, and touch no column outside their own.
    func testColumnBlocksOfTheTransposedProductHaveTheDirectProductsBits() {
        var rng = SeededGenerator(seed: 43)
        for backend in GEMMBackend.available where backend.splitsExactly && backend != .naive {
            for (m, n, k) in [(32, 784, 256), (16, 256, 64), (64, 64, 256), (17, 200, 300)] {
                XCTAssertTrue(GEMM.transposesProduct(m: m, n: n, k: k, backend: backend), "\(m)×\(n)×\(k)")
                let lda = k + 1, ldb = k, ldc = n + 2
                let a = (0 ..< m * lda).map { _ in 2 * rng.nextUnitFloat() - 1 }
                let b = (0 ..< n * ldb).map { _ in 2 * rng.nextUnitFloat() - 1 }
                let direct = directProduct(a, lda: lda, b, ldb: ldb, m: m, n: n, k: k, ldc: ldc, backend: backend)
                for bounds in [[0, n], [0, 16, n], [0, 48, 48, n], [0, n / 32 * 16, n]] {
                    var c = [Float](repeating: .nan, count: m * ldc)
                    var scratch = [Float](repeating: .nan, count: m * n)
                    for (first, last) in zip(bounds, bounds.dropFirst()) {
                        withPointers(a, b, &c, &scratch) { pa, pb, pc, ps in
                            GEMM.multiplyByTransposedB(m: m, n: n, k: k, a: pa, lda: lda, b: pb, ldb: ldb, c: pc,
                                                       ldc: ldc, columns: first ..< last, scratch: ps.baseAddress!,
                                                       scratchCount: ps.count, backend: backend)
                        }
                        // Columns after this block are still untouched.
                        for r in 0 ..< m {
                            for j in last ..< ldc { XCTAssertTrue(c[r * ldc + j].isNaN, "column \(j) written early") }
                        }
                    }
                    XCTAssertEqual(c.map(\.bitPattern), direct.map(\.bitPattern),
                                   "\(backend) \(m)×\(n)×\(k) in blocks \(bounds)")
                }
            }
        }
    }

    func testOnlyAEGridsKernelsTransposeAndOnlySmallBatchesThatStayOnThePackedPath() {
        XCTAssertTrue(GEMM.transposesProduct(m: 32, n: 784, k: 256, backend: .swift))
        XCTAssertTrue(GEMM.transposesProduct(m: 16, n: 16, k: 1024, backend: .naive))
        XCTAssertFalse(GEMM.transposesProduct(m: 32, n: 32, k: 64, backend: .swift), "a small kernel: gathered")
        XCTAssertFalse(GEMM.transposesProduct(m: 32, n: 784, k: 256, backend: .blas), "OpenBLAS promises no bits")
        XCTAssertFalse(GEMM.transposesProduct(m: 15, n: 784, k: 256, backend: .swift), "Cᵀ would be narrow")
        XCTAssertFalse(GEMM.transposesProduct(m: 32, n: 15, k: 256, backend: .swift), "C is narrow")
        XCTAssertFalse(GEMM.transposesProduct(m: GEMM.transposedProductMaximumRows + 1, n: 784, k: 256,
                                              backend: .swift))
    }
}
