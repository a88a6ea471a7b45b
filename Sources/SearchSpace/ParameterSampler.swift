import Foundation
import LinearAlgebra

/// Randomized search's points (`aegrid search --n-iter N`): scikit-learn's `ParameterSampler` for grids whose values
/// are all lists, i.e. N distinct points of the grid drawn without replacement, in the order drawn.
///
/// Deterministic from the seed alone: the draws come from `SeededGenerator(deriveSeed(seed, "SAMP"))` with exact
/// rejection sampling (no modulo bias, no dependence on the standard library's `random(in:)` algorithm), before any
/// shard or worker exists, so every `--jobs`, every shard split and every resume samples the same points.
/// Memory is O(N), whatever the grid's size (a partial Fisher–Yates shuffle over a dictionary of the swapped slots).
public struct ParameterSampler: Sendable {
    /// The sampled points as a grid: one single-point sub-grid per draw, in draw order. This is what the search
    /// trains and what `manifest.json` records.
    public let grid: ParameterGrid
    /// scikit-learn's warning when N exceeds the grid (N is then clamped to the grid's size), else nil.
    public let warning: String?

    public init(grid: ParameterGrid, count: Int, seed: UInt64) throws {
        precondition(count >= 1, "ParameterSampler: count \(count) < 1")
        var n = count
        if grid.count < n {
            warning = "the grid has \(grid.count) points, fewer than --n-iter \(count): running all \(grid.count) "
                + "(scikit-learn's ParameterSampler clamps the same way; for an exhaustive search, drop --n-iter)"
            n = grid.count
        } else {
            warning = nil
        }
        var generator = SeededGenerator(seed: SeededGenerator.deriveSeed(seed, Self.stream))
        let indices = Self.sampleWithoutReplacement(n, from: grid.count, using: &generator)
        let entries = indices.map { index -> [(key: String, line: Int?, values: [ParameterValue])] in
            let point = grid.point(at: index)
            let subGrid = grid.subGrids[point.subGridIndex]
            return point.parameters.map { (key: $0.key, line: subGrid.line(of: $0.key), values: [$0.value]) }
        }
        self.grid = try ParameterGrid(source: grid.source, entries: entries,
                                      lines: indices.map { grid.subGrids[grid.locate($0).subGrid].line })
    }

    /// "SAMP": the sampler's stream of the base seed.
    package static let stream: UInt64 = 0x5341_4D50

    /// `count` distinct integers of 0 ..< `size`, uniformly, in draw order.
    package static func sampleWithoutReplacement(_ count: Int, from size: Int, using generator: inout SeededGenerator) -> [Int] {
        var swapped: [Int: Int] = [:]
        var out: [Int] = []
        out.reserveCapacity(count)
        for i in 0 ..< count {
            let j = i + uniform(below: size - i, using: &generator)
            let atJ = swapped[j] ?? j
            swapped[j] = swapped[i] ?? i
            out.append(atJ)
        }
        return out
    }

    /// A uniform integer in 0 ..< bound (bound ≥ 1), by rejection: draws at or above the largest multiple of bound
    /// are redrawn.
    package static func uniform(below bound: Int, using generator: inout SeededGenerator) -> Int {
        let b = UInt64(bound)
        let limit = UInt64.max - UInt64.max % b
        while true {
            let x = generator.next()
            if x < limit { return Int(x % b) }
        }
    }
}
