import Dispatch
import Foundation
import Synchronization
import SearchSpace

/// A running search's work, counted in epochs and in the planner's cost units, readable at any moment from any
/// thread (a display's timer) without waiting for a trial to finish.
///
/// The plan's total is fixed before training: every pending family trained once per fold to its largest epoch
/// count, each epoch costing what `TrialConfiguration.estimatedCost` says (samples × parameters, the estimate the
/// plan sorts by, longest first). Trainers add one epoch at a time (`FamilyProgress.epochEnded`: a few atomic adds
/// and stores and a clock read; nothing per step, nothing allocated); a family that ends early (early stopping,
/// divergence) has its unrun epochs counted as done, so the done count reaches the total exactly when the plan is
/// finished.
///
/// The ETA is the remaining estimated cost divided by the measured speed (cost done per second of this run): the
/// planner's relative estimates, corrected by the machine's actual pace. Because the plan starts the costliest
/// families first, a trial count would make the first minutes look slower than the rest; the cost does not.
public final class WorkProgress: Sendable {
    /// Epochs in the plan (every fold of every pending family, to its largest epoch count), and their cost.
    public let totalEpochs: Int
    public let totalCost: Int
    private let epochsDone = Atomic<Int>(0)
    private let costDone = Atomic<Int>(0)
    private let started = Atomic<UInt64>(0)
    /// When the last epoch was counted (uptime nanoseconds; 0 before the first).
    private let lastEpochAt = Atomic<UInt64>(0)
    /// What each worker is training now (epochs == 0: idle).
    private let slots: [Slot]

    final class Slot: Sendable {
        let epoch = Atomic<Int>(0)
        let epochs = Atomic<Int>(0)
        let fold = Atomic<Int>(0)
        let folds = Atomic<Int>(0)
    }

    /// A moment's view of the work.
    public struct Snapshot: Sendable, Equatable {
        public var epochsDone: Int
        public var totalEpochs: Int
        public var costDone: Int
        public var totalCost: Int
        /// Seconds since `Search.run` started training (0 before), and at the end of the last counted epoch.
        public var elapsed: Double
        public var elapsedAtLastEpoch: Double
        /// Each busy worker's trial: epochs done in the current fold, of how many, and the fold (1-based) of how many.
        public var running: [(epoch: Int, epochs: Int, fold: Int, folds: Int)]

        /// Fraction of the plan's estimated cost done (0 ... 1).
        public var fraction: Double { totalCost > 0 ? min(1, Double(costDone) / Double(totalCost)) : 0 }

        /// Seconds until the plan is done: the remaining estimated cost at the speed measured when the last epoch
        /// ended, counted down since then (so it does not climb while long epochs run); nil before the first epoch.
        public var secondsRemaining: Double? {
            guard costDone > 0, elapsedAtLastEpoch > 0 else { return nil }
            let atLastEpoch = Double(max(0, totalCost - costDone)) * elapsedAtLastEpoch / Double(costDone)
            return max(0, atLastEpoch - (elapsed - elapsedAtLastEpoch))
        }

        public static func == (a: Snapshot, b: Snapshot) -> Bool {
            a.epochsDone == b.epochsDone && a.totalEpochs == b.totalEpochs && a.costDone == b.costDone
                && a.totalCost == b.totalCost && a.elapsed == b.elapsed && a.elapsedAtLastEpoch == b.elapsedAtLastEpoch
                && a.running.map { [$0.epoch, $0.epochs, $0.fold, $0.folds] }
                    == b.running.map { [$0.epoch, $0.epochs, $0.fold, $0.folds] }
        }
    }

    /// - Parameters:
    ///   - families: the plan's pending families (their largest member's epochs and cost are trained).
    ///   - folds: how many times each family is trained.
    ///   - workers: the runner's jobs.
    public init(families: [TrialFamily], folds: Int, workers: Int) {
        var epochs = 0, cost = 0
        for family in families {
            let trained = Self.saturating(family.largest.training.epochs, times: folds)
            epochs = Self.saturating(epochs, plus: trained)
            cost = Self.saturating(cost, plus: Self.saturating(Self.costPerEpoch(family), times: trained))
        }
        totalEpochs = epochs
        totalCost = cost
        slots = (0 ..< max(1, workers)).map { _ in Slot() }
    }

    /// The work of `plan`, drained here (a plan built for counting, not the one the runner takes).
    convenience init(plan: TrialPlan, folds: Int, workers: Int) {
        var families: [TrialFamily] = []
        while let item = plan.next() {
            switch item {
            case let .family(family): families.append(family)
            case let .group(group): families.append(contentsOf: group)
            case .invalid: break
            }
        }
        self.init(families: families, folds: folds, workers: workers)
    }

    /// No plan known (a grid too large to plan ahead): only trials are counted.
    public static let unknown = WorkProgress(families: [], folds: 1, workers: 1)

    static func costPerEpoch(_ family: TrialFamily) -> Int {
        let cost = (family.estimatedCost / Double(max(1, family.largest.training.epochs))).rounded()
        return cost >= 0x1p63 ? Int.max : max(1, Int(cost))
    }

    // The counts saturate at Int.max rather than trap: a grid may ask for 2⁶³ − 1 epochs (trained until early
    // stopping ends it, as Keras would), and a display must not be what stops the search.
    static func saturating(_ a: Int, plus b: Int) -> Int {
        let (sum, overflow) = a.addingReportingOverflow(b)
        return overflow ? Int.max : sum
    }

    static func saturating(_ a: Int, times b: Int) -> Int {
        let (product, overflow) = a.multipliedReportingOverflow(by: b)
        return overflow ? Int.max : product
    }

    /// Adds a non-negative `amount` to `counter`, stopping at Int.max.
    private static func add(_ amount: Int, to counter: borrowing Atomic<Int>) {
        var current = counter.load(ordering: .relaxed)
        while true {
            let (exchanged, original) = counter.compareExchange(expected: current,
                                                                desired: saturating(current, plus: amount),
                                                                ordering: .relaxed)
            if exchanged { return }
            current = original
        }
    }

    /// Marks the start of training (elapsed time counts from here).
    func start() { started.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed) }

    public func snapshot() -> Snapshot {
        let start = started.load(ordering: .relaxed), last = lastEpochAt.load(ordering: .relaxed)
        let elapsed = start == 0 ? 0 : Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
        let elapsedAtLastEpoch = start == 0 || last < start ? 0 : Double(last - start) / 1e9
        let running = slots.compactMap { slot -> (epoch: Int, epochs: Int, fold: Int, folds: Int)? in
            let epochs = slot.epochs.load(ordering: .relaxed)
            guard epochs > 0 else { return nil }
            return (slot.epoch.load(ordering: .relaxed), epochs, slot.fold.load(ordering: .relaxed),
                    slot.folds.load(ordering: .relaxed))
        }
        return Snapshot(epochsDone: min(epochsDone.load(ordering: .relaxed), totalEpochs), totalEpochs: totalEpochs,
                        costDone: min(costDone.load(ordering: .relaxed), totalCost), totalCost: totalCost,
                        elapsed: elapsed, elapsedAtLastEpoch: elapsedAtLastEpoch, running: running)
    }

    /// The progress of one family on `worker`; call `ended()` when it returns.
    func begin(_ family: TrialFamily, worker: Int, folds: Int) -> FamilyProgress {
        FamilyProgress(work: self, slot: slots[min(worker, slots.count - 1)], costPerEpoch: Self.costPerEpoch(family),
                       epochs: family.largest.training.epochs, folds: folds)
    }

    /// One family's training as it goes: used on its worker's thread only.
    final class FamilyProgress {
        private let work: WorkProgress
        private let slot: Slot
        private let costPerEpoch: Int
        private let epochs: Int
        private let folds: Int
        private var counted = 0

        fileprivate init(work: WorkProgress, slot: Slot, costPerEpoch: Int, epochs: Int, folds: Int) {
            self.work = work
            self.slot = slot
            self.costPerEpoch = costPerEpoch
            self.epochs = epochs
            self.folds = folds
            slot.epoch.store(0, ordering: .relaxed)
            slot.fold.store(1, ordering: .relaxed)
            slot.folds.store(folds, ordering: .relaxed)
            slot.epochs.store(epochs, ordering: .relaxed)
        }

        /// Fold `fold` (0-based) finished epoch `epoch` (1-based).
        func epochEnded(_ fold: Int, _ epoch: Int) {
            counted += 1
            WorkProgress.add(1, to: work.epochsDone)
            WorkProgress.add(costPerEpoch, to: work.costDone)
            work.lastEpochAt.store(DispatchTime.now().uptimeNanoseconds, ordering: .relaxed)
            slot.fold.store(fold + 1, ordering: .relaxed)
            slot.epoch.store(epoch, ordering: .relaxed)
        }

        /// The family returned: epochs it did not run (stopped early, diverged, failed) count as done.
        func ended() {
            let left = max(0, WorkProgress.saturating(epochs, times: folds) - counted)
            WorkProgress.add(left, to: work.epochsDone)
            WorkProgress.add(WorkProgress.saturating(left, times: costPerEpoch), to: work.costDone)
            slot.epochs.store(0, ordering: .relaxed)
        }
    }
}
