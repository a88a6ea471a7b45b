import Foundation

/// Shard `index` of `count` (0-based, `0 ≤ index < count`): which part of a grid one process runs.
public struct ShardID: Hashable, Codable, Sendable, CustomStringConvertible {
    public let index: Int
    public let count: Int

    /// The most shards a search may be split into: 100,000, Kubernetes' limit on an Indexed Job's completions (it
    /// warns above it) and 100 times Slurm's default `MaxArraySize`. A count from a flag, a variable or a manifest
    /// above it is refused: `aegrid status` and `merge` visit every shard (about 1 KB and 10 µs each), so a
    /// manifest saying 2⁶³ − 1 must not be believed.
    public static let maximumCount = 100_000

    /// Requires `count ≥ 1` and `0 ≤ index < count` (use `ShardSelection` to validate user input).
    public init(index: Int, count: Int) {
        precondition(count >= 1 && index >= 0 && index < count, "invalid shard \(index)/\(count)")
        self.index = index
        self.count = count
    }

    /// "K/N", as `--shard` takes it.
    public var description: String { "\(index)/\(count)" }

    /// The shard's results file: `results.shard-K-of-N.jsonl`.
    public var resultsFileName: String { "results.shard-\(index)-of-\(count).jsonl" }

    /// The shard's lock file: `.lock.shard-K-of-N`.
    public var lockFileName: String { ".lock.shard-\(index)-of-\(count)" }
}
