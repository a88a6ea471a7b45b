import Foundation
import XCTest
@testable import LinearAlgebra

/// OpenBLAS's thread count, and that one thread also means no idle OpenBLAS worker threads (they busy-wait on the
/// other cores otherwise).
final class BLASThreadsTests: XCTestCase {
    /// The threads of this process, from /proc.
    private func threadCount() -> Int {
        ((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []).count
    }

    /// A product large enough that OpenBLAS splits it over its threads.
    private func multiply(_ n: Int) {
        let a = [Float](repeating: 1, count: n * n)
        var c = [Float](repeating: 0, count: n * n)
        a.withUnsafeBufferPointer { pa in
            c.withUnsafeMutableBufferPointer { pc in
                GEMM.multiply(.none, .none, m: n, n: n, k: n, alpha: 1, a: pa.baseAddress!, lda: n,
                              b: pa.baseAddress!, ldb: n, beta: 0, c: pc.baseAddress!, ldc: n, backend: .blas)
            }
        }
        XCTAssertEqual(c[n + 1], Float(n))
    }

    func testOneThreadStopsOpenBLASWorkerThreadsAndMoreStartThemAgain() {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        guard GEMMBackend.available.contains(.blas) else {
            BLASThreads.set(2)
            XCTAssertEqual(BLASThreads.count, 1, "the fallback build has no OpenBLAS: always one thread")
            return
        }

        BLASThreads.set(2)
        multiply(512)
        let withPool = threadCount()
        BLASThreads.set(1)
        XCTAssertEqual(BLASThreads.count, 1)
        XCTAssertLessThan(threadCount(), withPool, "OpenBLAS's worker thread stopped")
        multiply(512)  // still correct single-threaded, without its pool

        BLASThreads.set(2)
        XCTAssertEqual(BLASThreads.count, 2)
        multiply(512)
        XCTAssertEqual(threadCount(), withPool, "two threads bring OpenBLAS's worker back")
    }

    func testWithRestoresTheCount() {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        BLASThreads.set(1)
        let inside = BLASThreads.with(2) { BLASThreads.count }
        XCTAssertEqual(inside, GEMMBackend.available.contains(.blas) ? 2 : 1)
        XCTAssertEqual(BLASThreads.count, 1)
    }
}
