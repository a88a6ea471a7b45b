import Foundation
import LinearAlgebra
import XCTest
@testable import GridSearch
import Synchronization
import TestSupport

/// The runner's scheduling contract: every item once, in the source's order of starting, deliveries serialised,
/// cancellation stops new starts.
final class RunnerTests: XCTestCase {
    /// Hands out `items` in order, recording each in `handedOut` (the source itself belongs to the runner once
    /// handed over).
    final class Countdown: RunnerWorkSource {
        var items: [Int]
        let handedOut: Locked<[Int]>
        init(_ items: [Int], handedOut: Locked<[Int]> = Locked([])) {
            self.items = items
            self.handedOut = handedOut
        }
        func next() -> Int? {
            guard !items.isEmpty else { return nil }
            let item = items.removeFirst()
            handedOut.withLock { $0.append(item) }
            return item
        }
    }

    func testEveryItemRunsOnceForEveryJobCount() {
        for jobs in 1 ... 5 {
            let handedOut = Locked<[Int]>([])
            let runner = Runner(jobs: jobs)
            let seen = Locked<[Int]>([])
            // Counted without a lock of its own: only the runner's delivery lock keeps two deliveries apart.
            let concurrentDeliveries = Atomic(0), maximumConcurrentDeliveries = Atomic(0)
            runner.run(Countdown(Array(0 ..< 37), handedOut: handedOut)) { item, context in
                context.deliver {
                    let now = concurrentDeliveries.add(1, ordering: .relaxed).newValue
                    maximumConcurrentDeliveries.max(now, ordering: .relaxed)
                    usleep(50)
                    seen.withLock { $0.append(item) }
                    concurrentDeliveries.subtract(1, ordering: .relaxed)
                }
            }
            XCTAssertEqual(seen.value.sorted(), Array(0 ..< 37), "jobs \(jobs)")
            XCTAssertEqual(handedOut.value, Array(0 ..< 37), "items start in the source's order")
            XCTAssertEqual(maximumConcurrentDeliveries.load(ordering: .relaxed), 1, "deliveries are serialised")
        }
    }

    func testWorkersRunSideBySide() {
        // Two items that each wait for the other to have started can only finish with two workers at once.
        let runner = Runner(jobs: 2)
        let bothStarted = DispatchGroup()
        bothStarted.enter()
        bothStarted.enter()
        let waitedOut = Locked(0)
        runner.run(Countdown([0, 1])) { _, context in
            bothStarted.leave()
            if bothStarted.wait(timeout: .now() + 10) == .timedOut { waitedOut.withLock { $0 += 1 } }
        }
        XCTAssertEqual(waitedOut.value, 0)
    }

    func testTheCallingThreadIsWorkerZero() {
        // Each item waits until both have started, so each worker takes exactly one.
        let caller = pthread_self()
        let bothStarted = DispatchGroup()
        bothStarted.enter()
        bothStarted.enter()
        let onCaller = Locked<[Int: Bool]>([:])
        Runner(jobs: 2).run(Countdown([0, 1])) { item, context in
            bothStarted.leave()
            _ = bothStarted.wait(timeout: .now() + 10)
            let here = pthread_equal(pthread_self(), caller) != 0
            onCaller.withLock { $0[context.worker] = here }
        }
        XCTAssertEqual(onCaller.value, [0: true, 1: false], "worker 0 runs on the thread that called run, worker 1 does not")
        let jobs1 = Locked<[Bool]>([])
        Runner(jobs: 1).run(Countdown([0, 1, 2])) { _, context in
            let here = pthread_equal(pthread_self(), caller) != 0
            jobs1.withLock { $0.append(here) }
        }
        XCTAssertEqual(jobs1.value, [true, true, true], "one worker: everything on the calling thread")
    }

    func testCancelStopsStartingItems() {
        let runner = Runner(jobs: 1)
        let ran = Locked<[Int]>([])
        runner.run(Countdown(Array(0 ..< 100))) { item, context in
            ran.withLock { $0.append(item) }
            if item == 4 { runner.cancel() }
            XCTAssertEqual(context.shouldCancel(), item >= 4)
        }
        XCTAssertEqual(ran.value, [0, 1, 2, 3, 4])
        XCTAssertTrue(runner.isCancelled)
    }

    func testDefaultJobsIsTheCoreCount() {
        XCTAssertEqual(Runner().jobs, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertEqual(Runner(jobs: 0).jobs, 1)
    }

    func testOpenBLASRunsAtOneThreadForAnyJobCountAndIsRestoredAfter() {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        BLASThreads.set(2)
        let expectedAfter = BLASThreads.count  // 1 in the fallback build, which has no OpenBLAS
        for jobs in [1, 2] {
            let seen = Locked<[Int]>([])
            Runner(jobs: jobs, cores: 2).run(Countdown([0])) { _, context in
                seen.withLock { $0.append(BLASThreads.count) }
            }
            XCTAssertEqual(seen.value, [1], "jobs \(jobs): OpenBLAS's own threads would change the bits of large products")
            XCTAssertEqual(BLASThreads.count, expectedAfter, "restored after the run")
        }
    }

    func testCoresGoToTheWorkersStillRunning() {
        func threads(_ lending: CoreLending) -> [Int] { lending.allowances.map(\.threads) }
        XCTAssertEqual(threads(CoreLending(workers: 1, cores: 2)), [2], "a lone worker gets every core")
        XCTAssertEqual(threads(CoreLending(workers: 2, cores: 5)), [3, 2])
        let pair = CoreLending(workers: 2, cores: 2)
        XCTAssertEqual(threads(pair), [1, 1])
        pair.finished(1)
        XCTAssertEqual(threads(pair)[0], 2, "the last worker running gets the finished worker's core")
        let crowd = CoreLending(workers: 3, cores: 2)
        XCTAssertEqual(threads(crowd), [1, 1, 1], "more workers than cores: one thread each")
        crowd.finished(0)
        XCTAssertEqual(Array(threads(crowd)[1...]), [1, 1])
        crowd.finished(2)
        XCTAssertEqual(threads(crowd)[1], 2)
    }

    /// Two workers, two items: the worker left with the long item sees its allowance rise to both cores once the
    /// other worker has finished the short one and found nothing else.
    func testTheLastItemRunningIsLentTheFreeCore() {
        let observed = Locked<[Int: Int]>([:])
        Runner(jobs: 2, cores: 2).run(Countdown([0, 1])) { item, context in
            var threads = context.threads.threads
            if item == 0 {
                let deadline = Date().addingTimeInterval(10)
                while threads < 2 && Date() < deadline {
                    usleep(1000)
                    threads = context.threads.threads
                }
            }
            observed.withLock { $0[item] = threads }
        }
        XCTAssertEqual(observed.value[0], 2)
        XCTAssertEqual(observed.value[1], 1, "while both workers had items, one thread each")
    }
}
