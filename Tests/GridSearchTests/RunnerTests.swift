import Foundation
import LinearAlgebra
import XCTest
@testable import GridSearch

/// The runner's scheduling contract: every item once, in the source's order of starting, deliveries serialised,
/// cancellation stops new starts.
final class RunnerTests: XCTestCase {
    final class Countdown: RunnerWorkSource {
        var items: [Int]
        var handedOut: [Int] = []
        init(_ items: [Int]) { self.items = items }
        func next() -> Int? {
            guard !items.isEmpty else { return nil }
            let item = items.removeFirst()
            handedOut.append(item)
            return item
        }
    }

    func testEveryItemRunsOnceForEveryJobCount() {
        for jobs in 1 ... 5 {
            let source = Countdown(Array(0 ..< 37))
            let runner = Runner(jobs: jobs)
            var seen: [Int] = []
            var concurrentDeliveries = 0, maximumConcurrentDeliveries = 0
            runner.run(source) { item, context in
                context.deliver {
                    concurrentDeliveries += 1
                    maximumConcurrentDeliveries = max(maximumConcurrentDeliveries, concurrentDeliveries)
                    seen.append(item)
                    concurrentDeliveries -= 1
                }
            }
            XCTAssertEqual(seen.sorted(), Array(0 ..< 37), "jobs \(jobs)")
            XCTAssertEqual(source.handedOut, Array(0 ..< 37), "items start in the source's order")
            XCTAssertEqual(maximumConcurrentDeliveries, 1, "deliveries are serialised")
        }
    }

    func testWorkersRunSideBySide() {
        // Two items that each wait for the other to have started can only finish with two workers at once.
        let runner = Runner(jobs: 2)
        let bothStarted = DispatchGroup()
        bothStarted.enter()
        bothStarted.enter()
        var waitedOut = 0
        runner.run(Countdown([0, 1])) { _, context in
            bothStarted.leave()
            if bothStarted.wait(timeout: .now() + 10) == .timedOut { context.deliver { waitedOut += 1 } }
        }
        XCTAssertEqual(waitedOut, 0)
    }

    func testTheCallingThreadIsWorkerZero() {
        // Each item waits until both have started, so each worker takes exactly one.
        let caller = pthread_self()
        let bothStarted = DispatchGroup()
        bothStarted.enter()
        bothStarted.enter()
        var onCaller: [Int: Bool] = [:]
        Runner(jobs: 2).run(Countdown([0, 1])) { item, context in
            bothStarted.leave()
            _ = bothStarted.wait(timeout: .now() + 10)
            let here = pthread_equal(pthread_self(), caller) != 0
            context.deliver { onCaller[context.worker] = here }
        }
        XCTAssertEqual(onCaller, [0: true, 1: false], "worker 0 runs on the thread that called run, worker 1 does not")
        var jobs1: [Bool] = []
        Runner(jobs: 1).run(Countdown([0, 1, 2])) { _, context in
            let here = pthread_equal(pthread_self(), caller) != 0
            context.deliver { jobs1.append(here) }
        }
        XCTAssertEqual(jobs1, [true, true, true], "one worker: everything on the calling thread")
    }

    func testCancelStopsStartingItems() {
        let runner = Runner(jobs: 1)
        var ran: [Int] = []
        runner.run(Countdown(Array(0 ..< 100))) { item, context in
            context.deliver { ran.append(item) }
            if item == 4 { runner.cancel() }
            XCTAssertEqual(context.shouldCancel(), item >= 4)
        }
        XCTAssertEqual(ran, [0, 1, 2, 3, 4])
        XCTAssertTrue(runner.isCancelled)
    }

    func testDefaultJobsIsTheCoreCount() {
        XCTAssertEqual(Runner().jobs, ProcessInfo.processInfo.activeProcessorCount)
        XCTAssertEqual(Runner(jobs: 0).jobs, 1)
    }

    func testOpenBLASThreadsDuringARunAndRestoredAfter() {
        let before = BLASThreads.count
        defer { BLASThreads.set(before) }
        guard GEMMBackend.available.contains(.blas) else {
            var seen: [Int] = []
            Runner(jobs: 1, blasThreads: 4).run(Countdown([0])) { _, context in context.deliver { seen.append(BLASThreads.count) } }
            XCTAssertEqual(seen, [1], "the fallback build has no OpenBLAS: always one thread")
            return
        }
        BLASThreads.set(2)
        for (jobs, blasThreads, expected) in [(2, nil, 1), (1, nil, 2), (1, 1, 1), (2, 3, 3)] as [(Int, Int?, Int)] {
            var seen: [Int] = []
            Runner(jobs: jobs, blasThreads: blasThreads).run(Countdown([0])) { _, context in
                context.deliver { seen.append(BLASThreads.count) }
            }
            XCTAssertEqual(seen, [expected], "jobs \(jobs), blasThreads \(String(describing: blasThreads))")
            XCTAssertEqual(BLASThreads.count, 2, "restored after the run")
        }
    }

    func testSearchKeepsOpenBLASThreadsOnlyForOneWorkerOnLargeLayers() {
        let small = 32 * (10 * 16 + 16 * 8 + 8 * 16 + 16 * 10)  // the seed's grid 2 at batch 32
        let large = 256 * 2 * (784 * 256 + 256 * 64)             // Fashion-MNIST 784-256-64 at batch 256
        XCTAssertEqual(Search.blasThreads(jobs: 2, largestStepMultiplyAdds: large), 1)
        XCTAssertEqual(Search.blasThreads(jobs: 1, largestStepMultiplyAdds: small), 1)
        XCTAssertNil(Search.blasThreads(jobs: 1, largestStepMultiplyAdds: large))
    }
}
