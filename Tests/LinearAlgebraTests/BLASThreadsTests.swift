import Foundation
import XCTest
@testable import LinearAlgebra

/// OpenBLAS's thread count, and that one thread also means no idle OpenBLAS worker threads (they busy-wait on the
/// other cores otherwise).
final class BLASThreadsTests: XCTestCase {
    /// The threads of this process (their ids), from /proc.
    private func threadIDs() -> Set<String> {
        Set((try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? [])
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

    /// Two threads start OpenBLAS's worker, one stops it, two bring it back. Other threads of the test process
    /// (Dispatch's workers, left by earlier tests, end on their own timers) can start or end at any moment, so an
    /// attempt counts only when the threads with OpenBLAS at one thread are the same set at its start, middle and
    /// end; within such an attempt, the threads OpenBLAS adds must be exactly the ones that go.
    func testOneThreadStopsOpenBLASWorkerThreadsAndMoreStartThemAgain() {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        guard GEMMBackend.available.contains(.blas) else {
            BLASThreads.set(2)
            XCTAssertEqual(BLASThreads.count, 1, "the fallback build has no OpenBLAS: always one thread")
            return
        }

        var lastExtra = 0
        for _ in 0 ..< 20 {
            BLASThreads.set(1)
            XCTAssertEqual(BLASThreads.count, 1)
            let alone = threadIDs()
            BLASThreads.set(2)
            XCTAssertEqual(BLASThreads.count, 2)
            multiply(512)
            let withPool = threadIDs()
            BLASThreads.set(1)
            let stopped = threadIDs()
            multiply(512)  // still correct single-threaded, without its pool
            BLASThreads.set(2)
            multiply(512)
            let withPoolAgain = threadIDs()
            BLASThreads.set(1)
            // Another thread came or went (try again), or `set(1)` did not stop OpenBLAS's worker.
            guard alone == stopped, stopped == threadIDs() else {
                lastExtra = stopped.subtracting(alone).count
                continue
            }
            XCTAssertTrue(withPool.isStrictSuperset(of: stopped), "two threads start OpenBLAS's worker")
            XCTAssertTrue(withPoolAgain.isStrictSuperset(of: stopped), "two threads bring OpenBLAS's worker back")
            return
        }
        XCTFail("in 20 attempts, BLASThreads.set(1) never brought the process back to the threads it had before "
                + "set(2) started OpenBLAS's worker (the last attempt had \(lastExtra) more), or other threads never "
                + "held still")
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
