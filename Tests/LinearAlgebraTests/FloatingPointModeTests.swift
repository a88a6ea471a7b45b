import Dispatch
import Foundation
import Synchronization
import XCTest
@testable import LinearAlgebra

/// Denormals flushed to zero, as TensorFlow computes, on the calling thread and on every thread `ParallelBlocks`
/// lends it; the caller's own mode back afterwards.
final class FloatingPointModeTests: XCTestCase {
    /// 1e-39 is below Float's smallest normal (1.18e-38): a denormal.
    static let tiny: Float = 1e-39

    /// `a × b` where the compiler cannot fold it: the product is computed at run time, in the thread's mode.
    @inline(never) static func product(_ a: Float, _ b: Float) -> Float { a * b }

    override func setUpWithError() throws {
        #if !arch(x86_64)
        throw XCTSkip("the flush-to-zero mode is x86-64's MXCSR; elsewhere the mode is always gradual")
        #endif
        XCTAssertTrue(Self.tiny.isSubnormal)
    }

    func testFlushingDenormalsFlushesThenRestoresTheThreadsMode() {
        XCTAssertEqual(FloatingPointMode.current, .gradual, "every thread starts with gradual underflow")
        XCTAssertEqual(Self.product(Self.tiny, 1), Self.tiny)
        let inside: (Float, Float, FloatingPointMode) = FloatingPointMode.flushingDenormals {
            // FTZ flushes a denormal result; DAZ reads a denormal input as zero.
            (Self.product(1e-20, 1e-19), Self.product(Self.tiny, 1e30), FloatingPointMode.current)
        }
        XCTAssertEqual(inside.0, 0, "a denormal result is flushed")
        XCTAssertEqual(inside.1, 0, "a denormal input reads as zero")
        XCTAssertEqual(inside.2, .flushToZero)
        XCTAssertEqual(FloatingPointMode.current, .gradual, "the thread's mode is back")
        let after = Self.product(1e-20, 1e-19)
        XCTAssertTrue(after.isSubnormal && after > 0, "gradual underflow again: \(after)")

        // Nested: the inner call leaves the outer mode in place.
        FloatingPointMode.flushingDenormals {
            FloatingPointMode.with(.gradual) { XCTAssertEqual(Self.product(Self.tiny, 1), Self.tiny) }
            XCTAssertEqual(FloatingPointMode.current, .flushToZero)
        }
        XCTAssertEqual(FloatingPointMode.current, .gradual)
    }

    /// Two blocks (the helper thread) and four (Dispatch's pool), flushed then gradual then flushed: each block
    /// computes in the caller's mode whichever thread runs it, and the helper, which keeps the last block's mode,
    /// follows the next caller's.
    func testParallelBlocksRunEveryBlockInTheCallersMode() {
        for count in [2, 4, 2] {
            for mode in [FloatingPointMode.flushToZero, .gradual, .flushToZero] {
                let results = Mutex([Float](repeating: -1, count: count))
                let modes = Mutex([FloatingPointMode?](repeating: nil, count: count))
                let threads = Mutex(Set<UInt>())
                let arrived = Atomic(0)
                FloatingPointMode.with(mode) {
                    ParallelBlocks.run(count) { block in
                        // Each block waits (up to 2 s) until a second one has started, so the blocks really run on
                        // two threads: the caller cannot finish its own and then run the other itself.
                        arrived.add(1, ordering: .sequentiallyConsistent)
                        let deadline = DispatchTime.now().uptimeNanoseconds + 2_000_000_000
                        while arrived.load(ordering: .sequentiallyConsistent) < 2
                            && DispatchTime.now().uptimeNanoseconds < deadline {}
                        let value = Self.product(Self.tiny, 1)
                        let seen = FloatingPointMode.current
                        results.withLock { $0[block] = value }
                        modes.withLock { $0[block] = seen }
                        threads.withLock { _ = $0.insert(UInt(bitPattern: Int(bitPattern: pthread_self()))) }
                    }
                }
                XCTAssertGreaterThanOrEqual(threads.withLock { $0.count }, 2, "the blocks ran on at least two threads")
                let expected: Float = mode == .flushToZero ? 0 : Self.tiny
                XCTAssertEqual(results.withLock { $0 }, [Float](repeating: expected, count: count), "\(count) blocks, \(mode)")
                XCTAssertEqual(modes.withLock { $0 }, [FloatingPointMode?](repeating: mode, count: count))
                XCTAssertEqual(FloatingPointMode.current, .gradual)
            }
        }
    }
}
