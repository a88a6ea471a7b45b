import Foundation
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
}
