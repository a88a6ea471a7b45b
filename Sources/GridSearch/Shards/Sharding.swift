import Foundation
import SearchSpace

/// The partition of a grid into N shards: a pure function of (grid, input size, N), complete and disjoint.
///
/// **Families stay together.** Trials that differ only in `epochs` (one family, trained once up to its longest
/// epoch count) are always in one shard. Families are per sub-grid: identical points written in two sub-grids
/// may land in different shards (each then trains them; the results are the same).
///
/// **Balance.** A family's cost is its longest member's `TrialConfiguration.estimatedCost` (what the runner
/// schedules by). Families are ordered by cost, heaviest first, and dealt to shards in "snake" order
/// (0, 1, …, N−1, N−1, …, 1, 0, 0, 1, …). For any two shards the dealt costs differ by at most the heaviest
/// family's cost, so the largest shard is within one family's cost of the mean.
///
/// **Lazy.** The cost depends only on the architecture keys (`latent_dim`, `encoder_units`,
/// `encoder_layerK_size`) and `epochs`, so families come in a few cost classes: per sub-grid, one per
/// combination of architecture values. The plan stores one entry per class and maps a trial index to its shard
/// (and back) by arithmetic: a 10^6-point grid costs as much memory as its value lists.
public struct ShardPlan: Sendable {
    /// N.
    public let shardCount: Int
    /// Number of families (units dealt to shards).
    public let familyCount: Int

    /// One cost class: the families of sub-grid `subGrid` whose architecture values are combination `architecture`.
    struct CostClass {
        let subGrid: Int
        let architecture: Int
        let familyCost: Double
        /// Snake position of the class's first family.
        let offset: Int
    }

    /// How a sub-grid's keys split into architecture keys, the epochs key, and the rest.
    struct Layout {
        let architecturePositions: [Int]
        let restPositions: [Int]
        let epochsPosition: Int?
        let architectureCombinations: Int
        let restCombinations: Int
        let strides: [Int]
        let lengths: [Int]
    }

    private let grid: ParameterGrid
    private let layouts: [Layout]
    /// Classes in snake order (heaviest first).
    private let classes: [CostClass]
    /// `classRank[s][a]`: position in `classes` of sub-grid s's architecture combination a.
    private let classRank: [[Int]]

    static let architectureKeys: Set<String> = ["latent_dim", "encoder_units"]

    static func isArchitectureKey(_ key: String) -> Bool {
        architectureKeys.contains(key) || GridKeys.layerNumber(of: key) != nil
    }

    /// Plans `shards` shards of `grid` for data with `inputSize` features and `trainingSamples` rows.
    /// Throws the grid's first `GridError` (an invalid grid cannot be costed), or a `ShardSelection.SelectionError`
    /// for a shard count outside 1…`ShardID.maximumCount` (one read from a manifest reaches here unchecked).
    public init(grid: ParameterGrid, inputSize: Int, trainingSamples: Int = 1, shards: Int) throws {
        guard (1 ... ShardID.maximumCount).contains(shards) else {
            throw ShardSelection.SelectionError(description: "a search cannot be split into \(shards) shards: "
                                                + "the count must lie in 1…\(ShardID.maximumCount)")
        }
        self.grid = grid
        shardCount = shards
        var layouts: [Layout] = []
        var unsorted: [(cost: Double, subGrid: Int, architecture: Int)] = []
        for (subIndex, subGrid) in grid.subGrids.enumerated() {
            let positions = Array(subGrid.keys.indices)
            let architecture = positions.filter { ShardPlan.isArchitectureKey(subGrid.keys[$0]) }
            let epochs = subGrid.keys.firstIndex(of: "epochs")
            let rest = positions.filter { !ShardPlan.isArchitectureKey(subGrid.keys[$0]) && $0 != epochs }
            let lengths = subGrid.values.map(\.count)
            let layout = Layout(architecturePositions: architecture, restPositions: rest, epochsPosition: epochs,
                                architectureCombinations: architecture.reduce(1) { $0 * lengths[$1] },
                                restCombinations: rest.reduce(1) { $0 * lengths[$1] },
                                strides: subGrid.strides, lengths: lengths)
            layouts.append(layout)
            // The longest family member: the position of the largest epochs value.
            let longest = epochs.flatMap { position in
                subGrid.values[position].indices.max { (subGrid.values[position][$0].numericValue ?? 0)
                    < (subGrid.values[position][$1].numericValue ?? 0) }
            } ?? 0
            for combination in 0..<layout.architectureCombinations {
                var digits = [Int](repeating: 0, count: subGrid.keys.count)
                ShardPlan.spread(combination, over: architecture, lengths: lengths, into: &digits)
                if let epochs { digits[epochs] = longest }
                let local = zip(digits, layout.strides).reduce(0) { $0 + $1.0 * $1.1 }
                let index = grid.offset(ofSubGrid: subIndex) + local
                let trial = try TrialConfiguration.make(point: grid.point(at: index), index: index, inputSize: inputSize,
                                                        baseSeed: 0, trainingSamples: trainingSamples,
                                                        source: grid.source)
                unsorted.append((trial.estimatedCost, subIndex, combination))
            }
        }
        unsorted.sort { ($0.cost, -$0.subGrid, -$0.architecture) > ($1.cost, -$1.subGrid, -$1.architecture) }
        var classes: [CostClass] = []
        var classRank = layouts.map { [Int](repeating: 0, count: $0.architectureCombinations) }
        var offset = 0
        for (rank, entry) in unsorted.enumerated() {
            classes.append(CostClass(subGrid: entry.subGrid, architecture: entry.architecture, familyCost: entry.cost,
                                     offset: offset))
            classRank[entry.subGrid][entry.architecture] = rank
            offset += layouts[entry.subGrid].restCombinations
        }
        self.layouts = layouts
        self.classes = classes
        self.classRank = classRank
        familyCount = offset
    }

    /// The shard of snake position `position`.
    @inline(__always) private func shard(ofPosition position: Int) -> Int {
        let phase = position % (2 * shardCount)
        return phase < shardCount ? phase : 2 * shardCount - 1 - phase
    }

    /// The snake position of the family of global trial `index`.
    private func position(ofTrial index: Int) -> Int {
        let (subIndex, local) = grid.locate(index)
        let layout = layouts[subIndex]
        let digits = grid.subGrids[subIndex].valueIndices(at: local)
        let architecture = ShardPlan.gather(digits, at: layout.architecturePositions, lengths: layout.lengths)
        let rest = ShardPlan.gather(digits, at: layout.restPositions, lengths: layout.lengths)
        return classes[classRank[subIndex][architecture]].offset + rest
    }

    /// The shard (0 ..< N) that runs global trial `index`. O(number of keys).
    public func shard(ofTrial index: Int) -> Int {
        shard(ofPosition: position(ofTrial: index))
    }

    /// The trial indices of shard `shard`, ascending. O(trials in the shard · log), no grid-sized memory.
    public func trialIndices(inShard shard: Int) -> [Int] {
        precondition(shard >= 0 && shard < shardCount, "shard \(shard) out of range 0..<\(shardCount)")
        var indices: [Int] = []
        forEachFamily(inShard: shard) { indices.append(contentsOf: $0) }
        indices.sort()
        return indices
    }

    /// Estimated cost of each shard: the sum of its families' costs (the longest member of each).
    public func shardCosts() -> [Double] {
        var costs = [Double](repeating: 0, count: shardCount)
        var classIndex = 0
        for position in 0..<familyCount {
            while classIndex + 1 < classes.count && classes[classIndex + 1].offset <= position { classIndex += 1 }
            costs[shard(ofPosition: position)] += classes[classIndex].familyCost
        }
        return costs
    }

    /// Number of cost classes the plan stores (its memory is proportional to this, not to the grid size).
    var costClassCount: Int { classes.count }

    /// The largest single family cost (the bound on imbalance).
    public var largestFamilyCost: Double { classes.first?.familyCost ?? 0 }

    /// Calls `body` with the trial indices of each family of `shard`.
    func forEachFamily(inShard shard: Int, _ body: ([Int]) -> Void) {
        let period = 2 * shardCount
        for start in Set([shard, period - 1 - shard]).sorted() {
            var position = start
            while position < familyCount {
                body(trialIndices(ofFamilyAt: position))
                position += period
            }
        }
    }

    /// The trial indices of the family at snake position `position`.
    private func trialIndices(ofFamilyAt position: Int) -> [Int] {
        // The class holding `position`: the last whose offset is ≤ position.
        var low = 0, high = classes.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if classes[mid].offset <= position { low = mid } else { high = mid - 1 }
        }
        let costClass = classes[low]
        let layout = layouts[costClass.subGrid]
        var digits = [Int](repeating: 0, count: layout.lengths.count)
        ShardPlan.spread(costClass.architecture, over: layout.architecturePositions, lengths: layout.lengths, into: &digits)
        ShardPlan.spread(position - costClass.offset, over: layout.restPositions, lengths: layout.lengths, into: &digits)
        let base = grid.offset(ofSubGrid: costClass.subGrid)
        guard let epochs = layout.epochsPosition else {
            return [base + zip(digits, layout.strides).reduce(0) { $0 + $1.0 * $1.1 }]
        }
        return (0..<layout.lengths[epochs]).map { value in
            digits[epochs] = value
            return base + zip(digits, layout.strides).reduce(0) { $0 + $1.0 * $1.1 }
        }
    }

    /// Writes the mixed-radix digits of `number` into `digits` at `positions` (last position fastest).
    private static func spread(_ number: Int, over positions: [Int], lengths: [Int], into digits: inout [Int]) {
        var rest = number
        for position in positions.reversed() {
            digits[position] = rest % lengths[position]
            rest /= lengths[position]
        }
    }

    /// The mixed-radix number formed by `digits` at `positions` (inverse of `spread`).
    private static func gather(_ digits: [Int], at positions: [Int], lengths: [Int]) -> Int {
        positions.reduce(0) { $0 * lengths[$1] + digits[$1] }
    }
}
