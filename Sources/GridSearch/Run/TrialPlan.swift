import Foundation
import NeuralNet
import SearchSpace

/// Trials that differ only in `epochs`: the same computation up to the smaller count (same seed, batch order and
/// optimiser state), so the runner trains them once, to the largest count, and records each member at its own count.
public struct TrialFamily: Sendable {
    /// The members, by increasing `epochs` (distinct counts).
    public var members: [TrialConfiguration]
    /// The configuration trained: the member with the most epochs.
    public var largest: TrialConfiguration { members[members.count - 1] }
    /// The estimated cost of training the family (the largest member's).
    public var estimatedCost: Double { Double(largest.estimatedCost) }
}

/// A unit of work for the runner: a family to train, or a grid point that is not a valid configuration (recorded
/// as `failed` with the reason, so one bad combination does not stop the search).
public enum PlannedWork: Sendable {
    case family(TrialFamily)
    /// Up to `TrainingGroup.capacity` families of small models with one `GroupTraining.key`, trained side by side
    /// in one pass (`GroupTraining`).
    case group([TrialFamily])
    case invalid(index: Int, point: GridPoint, reason: String)
}

/// A work item while the plan weighs it: its estimated cost (`TrialConfiguration.estimatedCost` units; a group costs
/// its lane pass), its first trial's grid index (for a stable order) and its families.
struct PlanItem {
    var cost: Double
    var index: Int
    var members: [TrialFamily]
    /// Whether the members train on the grouped engine (a lone member as a group of one).
    var grouped: Bool

    init(cost: Double, index: Int, members: [TrialFamily]) {
        (self.cost, self.index, self.members, grouped) = (cost, index, members, true)
    }

    /// One family alone: on the grouped engine as a group of one (`group`), or as a plain family.
    init(_ family: TrialFamily, group: Bool) {
        (cost, index, members, grouped) = (family.estimatedCost, family.largest.index, [family], group)
    }

    var work: PlannedWork { grouped ? .group(members) : .family(members[0]) }
}

/// Hands the runner the pending trials of a grid, grouped into families, longest first, window by window.
///
/// Memory is bounded by the window, not the grid: the plan walks the grid's indices lazily (`nextIndex`), skips
/// trials already in the results log, and builds families from up to `windowSize` trials at a time. Families whose
/// members fall in different windows are trained once per window (the same results, some shared work lost); grids
/// up to `windowSize` trials, i.e. every grid meant to finish, get full sharing and a global longest-first order.
public final class TrialPlan: RunnerWorkSource {
    public typealias Work = PlannedWork

    private let grid: ParameterGrid
    private let nextIndex: () -> Int?
    private let isDone: (String) -> Bool
    private let inputSize: Int
    private let sampleCount: Int
    private let baseSeed: UInt64
    private let windowSize: Int
    private let workers: Int
    private var window: [PlannedWork] = []
    private var windowPosition = 0

    /// - Parameters:
    ///   - grid: the parameter grid.
    ///   - nextIndex: yields the grid indices this run covers (all, or a shard's), each once, then nil.
    ///   - isDone: whether a trial id is already recorded (resume).
    ///   - inputSize, sampleCount: the data's columns and the training rows per fold (for cost estimates).
    ///   - baseSeed: the search's `--seed`.
    ///   - workers: the runner's workers, for which the plan balances its groups (`grouped(_:workers:)`).
    public init(grid: ParameterGrid, nextIndex: @escaping () -> Int?, isDone: @escaping (String) -> Bool,
                inputSize: Int, sampleCount: Int, baseSeed: UInt64, workers: Int = 1, windowSize: Int = 65_536) {
        self.grid = grid
        self.nextIndex = nextIndex
        self.isDone = isDone
        self.inputSize = inputSize
        self.sampleCount = sampleCount
        self.baseSeed = baseSeed
        self.windowSize = max(1, windowSize)
        self.workers = max(1, workers)
    }

    public func next() -> PlannedWork? {
        if windowPosition == window.count { fillWindow() }
        guard windowPosition < window.count else { return nil }
        defer { windowPosition += 1 }
        return window[windowPosition]
    }

    /// Builds the next window: up to `windowSize` pending trials, grouped and sorted most expensive first (ties by
    /// grid index, so the order is a pure function of the grid).
    private func fillWindow() {
        window.removeAll(keepingCapacity: true)
        windowPosition = 0
        var families: [String: [TrialConfiguration]] = [:]
        var invalid: [PlannedWork] = []
        var taken = 0
        while taken < windowSize, let index = nextIndex() {
            let configuration: TrialConfiguration
            do {
                configuration = try TrialConfiguration.make(grid: grid, index: index, inputSize: inputSize,
                                                            baseSeed: baseSeed, trainingSamples: sampleCount)
            } catch {
                invalid.append(.invalid(index: index, point: grid.point(at: index), reason: "\(error)"))
                taken += 1
                continue
            }
            if isDone(configuration.trialID) { continue }
            families[configuration.familyKey, default: []].append(configuration)
            taken += 1
        }
        var built: [TrialFamily] = []
        for (_, members) in families {
            built.append(contentsOf: Self.split(members))
        }
        built.sort { a, b in
            a.estimatedCost != b.estimatedCost ? a.estimatedCost > b.estimatedCost : a.largest.index < b.largest.index
        }
        window = invalid + Self.grouped(built, workers: workers)
    }

    /// The window's work items, ordered most expensive first: families the grouped engine accepts, gathered by
    /// `GroupTraining.key` into groups where that saves time, and the others one by one. Which group a family joins,
    /// or whether it trains alone (a group of one, on the solo path), never changes its results, so this is purely a
    /// matter of speed:
    /// - a key's families (most expensive first) are cut into runs of `TrainingGroup.capacity`; a run becomes one
    ///   group when its lane pass (`laneCost`'s solo steps for as long as its longest member trains) costs less
    ///   than training its members alone, else its members train alone;
    /// - with several `workers`, groups are split back into their members, costliest first, while that shortens the
    ///   window's estimated finish (longest-first assignment to the least loaded worker): three groups on two cores
    ///   leave one core idle for a third of the time that twelve lone trials fill.
    static func grouped(_ families: [TrialFamily], workers: Int = 1, laneCost: LaneCostModel = .machine) -> [PlannedWork] {
        var items: [PlanItem] = []
        var buckets: [String: [TrialFamily]] = [:], keys: [String] = []
        for family in families {
            guard GroupTraining.routes(family.largest) else {
                items.append(PlanItem(family, group: false))
                continue
            }
            let key = GroupTraining.key(family)
            if buckets[key] == nil { keys.append(key) }
            buckets[key, default: []].append(family)
        }
        for key in keys {
            let bucket = buckets[key]!  // already most expensive first
            let laneCost = laneCost.cost(of: bucket)
            for start in stride(from: 0, to: bucket.count, by: TrainingGroup.capacity) {
                let members = Array(bucket[start ..< min(start + TrainingGroup.capacity, bucket.count)])
                let together = laneCost * members[0].estimatedCost
                if members.count > 1 && together < members.reduce(0, { $0 + $1.estimatedCost }) {
                    items.append(PlanItem(cost: together, index: members[0].largest.index, members: members))
                } else {
                    items.append(contentsOf: members.map { PlanItem($0, group: true) })
                }
            }
        }
        balance(&items, workers: workers)
        items.sort { $0.cost != $1.cost ? $0.cost > $1.cost : $0.index < $1.index }
        return items.map(\.work)
    }

    /// How the plan prices a lane pass, in solo steps: `TrainingGroup.laneStepCost`'s table, fitted to Zen 3, or
    /// for a key with enough work this machine's own figure (`LaneCostProbe`), since CPUs differ by up to half (on
    /// an Emerald Rapids Xeon, six 64→16→64 trials grouped by the table took 0.79 s, alone 0.60 s). A key's
    /// work is the sum of its families' `estimatedCost`; from 10⁹ (about 0.2–0.5 s of one core's training) the
    /// probe's 1–2 ms, paid once per key and process, is under 1 % of it. Small searches, the seed's grids among
    /// them, never measure: their plans stay a pure function of the grid.
    struct LaneCostModel {
        /// The measured cost for trials like this one, or nil to keep the table.
        var measure: (TrialConfiguration) -> Double?
        /// A key's work from which `measure` is asked.
        var minimumWork: Double

        /// The table alone.
        static var table: LaneCostModel { LaneCostModel(measure: { _ in nil }, minimumWork: .infinity) }
        /// The table, or this machine's figure for a key with work enough.
        static var machine: LaneCostModel {
            LaneCostModel(measure: { LaneCostProbe.laneStepCost($0.architecture, $0.training) }, minimumWork: 1e9)
        }

        /// The cost of a lane pass for a key's families (most expensive first). A lone family never groups, so it
        /// is never measured.
        func cost(of bucket: [TrialFamily]) -> Double {
            let trial = bucket[0].largest
            let table = TrainingGroup.laneStepCost(trial.architecture)
            guard bucket.count > 1, bucket.reduce(0, { $0 + $1.estimatedCost }) >= minimumWork,
                  let measured = measure(trial) else { return table }
            return measured
        }
    }

    /// Splits groups into their members, the costliest group first, while that lowers the estimated finish of the
    /// window on `workers` workers. Skipped for one worker (where only the total counts) and for windows of many
    /// items, which longest-first assignment balances well anyway.
    static func balance(_ items: inout [PlanItem], workers: Int) {
        guard workers > 1, items.count <= 64 * workers else { return }
        var finish = estimatedFinish(items.map(\.cost), workers: workers)
        while let g = items.indices.filter({ items[$0].members.count > 1 }).max(by: { items[$0].cost < items[$1].cost }) {
            var split = items
            let group = split.remove(at: g)
            split.append(contentsOf: group.members.map { PlanItem($0, group: true) })
            let splitFinish = estimatedFinish(split.map(\.cost), workers: workers)
            guard splitFinish < finish else { return }
            (items, finish) = (split, splitFinish)
        }
    }

    /// When the last of `workers` finishes `costs` handed out longest first, each to the least loaded worker.
    static func estimatedFinish(_ costs: [Double], workers: Int) -> Double {
        var loads = [Double](repeating: 0, count: max(1, workers))
        for cost in costs.sorted(by: >) {
            let least = loads.indices.min { loads[$0] < loads[$1] }!
            loads[least] += cost
        }
        return loads.max()!
    }

    /// Orders a family key's members by epochs. Members may only share training if everything but `epochs` is
    /// identical (architecture and training configuration including the seed), and each epoch count once: anything
    /// else (e.g. two `seed` values that hash to one key) becomes a family of its own.
    static func split(_ members: [TrialConfiguration]) -> [TrialFamily] {
        var families: [[TrialConfiguration]] = []
        for member in members.sorted(by: { ($0.training.epochs, $0.index) < ($1.training.epochs, $1.index) }) {
            if let f = families.firstIndex(where: { family in
                let head = family[0]
                var a = head.training, b = member.training
                a.epochs = 0
                b.epochs = 0
                return head.architecture == member.architecture && a == b
                    && !family.contains { $0.training.epochs == member.training.epochs }
            }) {
                families[f].append(member)
            } else {
                families.append([member])
            }
        }
        return families.map { TrialFamily(members: $0) }
    }
}
