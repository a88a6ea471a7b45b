import XCTest
@testable import GridSearch
import SearchSpace

/// Work counted in epochs and planned cost: totals from the plan, epochs as trainers finish them, unrun epochs of a
/// family that ends early counted at its end.
final class WorkProgressTests: XCTestCase {
    func families(_ grid: String, samples: Int = 100) throws -> [TrialFamily] {
        let parsed = try ParameterGrid.load(argument: grid)
        var result: [TrialFamily] = []
        var next = 0
        let plan = TrialPlan(grid: parsed, nextIndex: {
            defer { next += 1 }
            return next < parsed.count ? next : nil
        }, isDone: { _ in false }, inputSize: 4, sampleCount: samples, baseSeed: 0)
        while let item = plan.next() {
            switch item {
            case let .family(f): result.append(f)
            case let .group(g): result.append(contentsOf: g)
            case .invalid: break
            }
        }
        return result
    }

    func testTotalsCountEachFamilyOnceToItsLargestEpochsPerFold() throws {
        // Two families (latent 1 and 2), each with members at 3 and 10 epochs: trained to 10 epochs, on 2 folds.
        let families = try self.families(#"{"latent_dim": [1, 2], "epochs": [3, 10]}"#)
        XCTAssertEqual(families.count, 2)
        let work = WorkProgress(families: families, folds: 2, workers: 2)
        XCTAssertEqual(work.totalEpochs, 40)
        let cost = families.map { WorkProgress.costPerEpoch($0) * 10 * 2 }.reduce(0, +)
        XCTAssertEqual(work.totalCost, cost)
        let start = work.snapshot()
        XCTAssertEqual(start.epochsDone, 0)
        XCTAssertNil(start.secondsRemaining)
        XCTAssertTrue(start.running.isEmpty)
    }

    func testEpochsMoveTheCountsAndAnEarlyEndCountsTheRest() throws {
        let families = try self.families(#"{"latent_dim": [1, 2], "epochs": [10]}"#)
        let work = WorkProgress(families: families, folds: 1, workers: 2)
        work.start()
        let first = work.begin(families[0], worker: 1, folds: 1)
        XCTAssertEqual(work.snapshot().running.map { [$0.epoch, $0.epochs, $0.fold, $0.folds] }, [[0, 10, 1, 1]])
        for epoch in 1 ... 4 { first.epochEnded(0, epoch) }
        var now = work.snapshot()
        XCTAssertEqual(now.epochsDone, 4)
        XCTAssertEqual(now.costDone, 4 * WorkProgress.costPerEpoch(families[0]))
        XCTAssertEqual(now.running.map { [$0.epoch, $0.epochs] }, [[4, 10]])
        XCTAssertNotNil(now.secondsRemaining)
        first.ended()  // stopped early at epoch 4: its 6 unrun epochs are no longer pending
        now = work.snapshot()
        XCTAssertEqual(now.epochsDone, 10)
        XCTAssertTrue(now.running.isEmpty)
        let second = work.begin(families[1], worker: 0, folds: 1)
        for epoch in 1 ... 10 { second.epochEnded(0, epoch) }
        second.ended()
        now = work.snapshot()
        XCTAssertEqual(now.epochsDone, now.totalEpochs)
        XCTAssertEqual(now.costDone, now.totalCost)
        XCTAssertEqual(now.fraction, 1)
        XCTAssertEqual(now.secondsRemaining, 0)
    }

    func testCountsBeyondAnIntegerSaturateInsteadOfTrapping() throws {
        // Keras takes any epoch count (early stopping ends the run); 2⁶³ − 1 of them on 3 folds, twice over, must
        // neither trap while the plan is counted nor wrap negative as the epochs are.
        let families = try self.families(#"{"latent_dim": [1, 2], "epochs": [9223372036854775807]}"#, samples: 1 << 40)
        let work = WorkProgress(families: families, folds: 3, workers: 2)
        XCTAssertEqual(work.totalEpochs, Int.max)
        XCTAssertEqual(work.totalCost, Int.max)
        work.start()
        let first = work.begin(families[0], worker: 0, folds: 3)
        first.epochEnded(0, 1)
        first.ended()  // stopped after one epoch: the rest counts as done, up to Int.max
        let second = work.begin(families[1], worker: 1, folds: 3)
        second.epochEnded(0, 1)
        let now = work.snapshot()
        XCTAssertEqual(now.epochsDone, Int.max)
        XCTAssertEqual(now.costDone, Int.max)
        XCTAssertEqual(now.fraction, 1)
        second.ended()
        XCTAssertEqual(work.snapshot().epochsDone, Int.max)
    }
}
