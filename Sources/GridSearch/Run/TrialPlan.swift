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
    private var window: [PlannedWork] = []
    private var windowPosition = 0

    /// - Parameters:
    ///   - grid: the parameter grid.
    ///   - nextIndex: yields the grid indices this run covers (all, or a shard's), each once, then nil.
    ///   - isDone: whether a trial id is already recorded (resume).
    ///   - inputSize, sampleCount: the data's columns and the training rows per fold (for cost estimates).
    ///   - baseSeed: the search's `--seed`.
    public init(grid: ParameterGrid, nextIndex: @escaping () -> Int?, isDone: @escaping (String) -> Bool,
                inputSize: Int, sampleCount: Int, baseSeed: UInt64, windowSize: Int = 65_536) {
        self.grid = grid
        self.nextIndex = nextIndex
        self.isDone = isDone
        self.inputSize = inputSize
        self.sampleCount = sampleCount
        self.baseSeed = baseSeed
        self.windowSize = max(1, windowSize)
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
        window = invalid + Self.grouped(built)
    }

    /// The window's work items: families the grouped engine accepts, gathered by `GroupTraining.key` into groups of
    /// up to `TrainingGroup.capacity` (as few groups as the count needs, of even sizes, members of similar cost
    /// together), the others one by one; all ordered most expensive first (a group costs its members' sum). Which
    /// group a family joins never changes its results, so this is purely a matter of speed.
    static func grouped(_ families: [TrialFamily]) -> [PlannedWork] {
        var items: [(cost: Double, index: Int, work: PlannedWork)] = []
        var buckets: [String: [TrialFamily]] = [:], keys: [String] = []
        for family in families {
            guard GroupTraining.routes(family.largest) else {
                items.append((family.estimatedCost, family.largest.index, .family(family)))
                continue
            }
            let key = GroupTraining.key(family)
            if buckets[key] == nil { keys.append(key) }
            buckets[key, default: []].append(family)
        }
        for key in keys {
            let bucket = buckets[key]!  // already most expensive first
            let groups = (bucket.count + TrainingGroup.capacity - 1) / TrainingGroup.capacity
            let size = (bucket.count + groups - 1) / groups
            for start in stride(from: 0, to: bucket.count, by: size) {
                let members = Array(bucket[start ..< min(start + size, bucket.count)])
                items.append((members.reduce(0) { $0 + $1.estimatedCost }, members[0].largest.index, .group(members)))
            }
        }
        items.sort { $0.cost != $1.cost ? $0.cost > $1.cost : $0.index < $1.index }
        return items.map(\.work)
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
