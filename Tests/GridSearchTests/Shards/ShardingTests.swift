import XCTest
@testable import GridSearch
import SearchSpace

final class ShardingTests: XCTestCase {
    static let grids: [(name: String, text: String)] = [
        ("seed grid 1", "latent_dim: [2, 4, 6]\nlearning_rate: [0.01, 0.001]\nepochs: [50, 100]"),
        ("seed grid 2", "encoder_layer1_size: [8, 16]\nencoder_layer2_size: [4, 8]\nlearning_rate: [0.01, 0.001]\nepochs: [50, 100]"),
        ("seed grid 3", "latent_dim: [2, 4, 6]\nlearning_rate: [0.01, 0.001]\nl2: [0.001, 0.01]\nepochs: [50, 100]"),
        ("one point", "latent_dim: [3]\nepochs: [7]"),
        ("epochs only", "latent_dim: [3]\nepochs: [1, 2, 3, 4, 5]"),
        ("list of dicts", """
            - latent_dim: [2, 8]
              epochs: [10, 30, 20]
              seed: [0, 1, 2]
            - encoder_units: [[32, 16], [64]]
              latent_dim: [4]
              epochs: [5]
              optimizer: [sgd, rmsprop]
              momentum: [0.0, 0.9]
            - latent_dim: [1]
              epochs: [100]
            """),
        ("wide", """
            latent_dim: [2, 4, 6, 8, 10, 12, 14, 16]
            learning_rate: [0.1, 0.03, 0.01, 0.003]
            l2: [0, 0.001, 0.01]
            seed: [1, 2, 3]
            epochs: [50, 100]
            """),
    ]

    private func check(_ grid: ParameterGrid, shards: Int, name: String, inputSize: Int = 10) throws {
        let plan = try ShardPlan(grid: grid, inputSize: inputSize, trainingSamples: 1000, shards: shards)
        let label = "\(name), N = \(shards)"
        var owner = [Int?](repeating: nil, count: grid.count)
        var expectedCosts = [Double](repeating: 0, count: shards)
        for shard in 0..<shards {
            let indices = plan.trialIndices(inShard: shard)
            XCTAssertEqual(indices, indices.sorted(), label)
            var familyCost: [String: Double] = [:]
            for index in indices {
                XCTAssertNil(owner[index], "\(label): trial \(index) in two shards")
                owner[index] = shard
                XCTAssertEqual(plan.shard(ofTrial: index), shard, label)
                let trial = try TrialConfiguration.make(grid: grid, index: index, inputSize: inputSize, baseSeed: 0,
                                                        trainingSamples: 1000)
                let family = "\(grid.point(at: index).subGridIndex)/\(trial.familyKey)"
                familyCost[family] = max(familyCost[family] ?? 0, trial.estimatedCost)
            }
            expectedCosts[shard] = familyCost.values.reduce(0, +)
        }
        XCTAssertFalse(owner.contains(nil), "\(label): some trial in no shard")
        // Families (same sub-grid, same parameters but epochs) share a shard.
        var familyShard: [String: Int] = [:]
        for index in 0..<grid.count {
            let trial = try TrialConfiguration.make(grid: grid, index: index, inputSize: inputSize, baseSeed: 0)
            let family = "\(grid.point(at: index).subGridIndex)/\(trial.familyKey)"
            if let shard = familyShard[family] { XCTAssertEqual(shard, owner[index], "\(label): family split") }
            familyShard[family] = owner[index]!
        }
        // Costs: the plan's own figures agree with an independent sum, and the imbalance bound holds.
        let costs = plan.shardCosts()
        for shard in 0..<shards { XCTAssertEqual(costs[shard], expectedCosts[shard], accuracy: 1e-6 * max(1, costs[shard]), label) }
        let mean = costs.reduce(0, +) / Double(shards)
        let largest = costs.max()!
        XCTAssertLessThanOrEqual(largest - costs.min()!, plan.largestFamilyCost * (1 + 1e-12), label)
        if plan.largestFamilyCost <= 0.1 * mean {
            XCTAssertLessThanOrEqual(largest, 1.1 * mean, label)
        }
    }

    func testPartitionIsCompleteDisjointAndBalancedForManyGridsAndShardCounts() throws {
        for (name, text) in Self.grids {
            let grid = try ParameterGrid.parse(text, source: name)
            try TrialValidator.validate(grid)
            for shards in [1, 2, 3, 4, 5, 7, 8, 13, 16, grid.count, grid.count + 5, 100] {
                try check(grid, shards: shards, name: name)
            }
        }
    }

    func testRealisticGridIsWithinTenPercentOfTheMean() throws {
        let grid = try ParameterGrid.parse(Self.grids.last!.text, source: "wide")
        for shards in [2, 3, 4, 6, 8, 10] {
            let plan = try ShardPlan(grid: grid, inputSize: 64, shards: shards)
            let costs = plan.shardCosts()
            let mean = costs.reduce(0, +) / Double(shards)
            XCTAssertLessThanOrEqual(costs.max()!, 1.1 * mean, "N = \(shards): \(costs)")
        }
    }

    /// 100-epoch and 50-epoch families: a shard of long trials must not carry three times the others' cost.
    func testCostNotCountBalancesShards() throws {
        let grid = try ParameterGrid.parse("""
            - latent_dim: [2, 4, 6, 8]
              seed: [1, 2, 3]
              epochs: [300]
            - latent_dim: [2, 4, 6, 8]
              seed: [4, 5, 6, 7, 8, 9]
              epochs: [50]
            """, source: "mixed")
        let plan = try ShardPlan(grid: grid, inputSize: 10, shards: 3)
        let costs = plan.shardCosts()
        let mean = costs.reduce(0, +) / 3
        XCTAssertLessThanOrEqual(costs.max()!, 1.1 * mean, "\(costs)")
        XCTAssertTrue((0..<3).allSatisfy { !plan.trialIndices(inShard: $0).isEmpty })
    }

    func testPlanIsAPureFunctionOfGridShapeAndN() throws {
        let grid = try ParameterGrid.parse(Self.grids[2].text, source: "g")
        let a = try ShardPlan(grid: grid, inputSize: 10, shards: 4)
        let b = try ShardPlan(grid: try ParameterGrid.parse(grid.canonicalJSON, source: "manifest"), inputSize: 10, shards: 4)
        for shard in 0..<4 { XCTAssertEqual(a.trialIndices(inShard: shard), b.trialIndices(inShard: shard)) }
        // Pinned for seed grid 3 (24 trials, 12 families of 2): the families are dealt heaviest first in snake order.
        // Keys epochs, l2, latent_dim, learning_rate (strides 12, 6, 2, 1); classes latent 6, 4, 2; snake 0,1,2,3,3,2,1,0,0,…
        // Shard 0 gets positions 0 (latent 6, l2 0.001, lr 0.01), 7 (latent 4, l2 0.01, lr 0.001), 8 (latent 2, first rest).
        XCTAssertEqual(a.trialIndices(inShard: 0), [0, 4, 9, 12, 16, 21])
        XCTAssertEqual(Set(a.shardCosts()).count, 1, "every shard gets one family of each latent size")
    }

    func testMillionPointGridOverAThousandShardsIsLazy() throws {
        let values = (1...10).map(String.init).joined(separator: ", ")
        let grid = try ParameterGrid.parse("""
            latent_dim: [\(values)]
            learning_rate: [0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.05]
            batch_size: [\(values)]
            seed: [\(values)]
            patience: [\(values)]
            epochs: [\(values)]
            """, source: "big.yaml")
        XCTAssertEqual(grid.count, 1_000_000)
        let plan = try ShardPlan(grid: grid, inputSize: 10, shards: 1000)
        XCTAssertEqual(plan.costClassCount, 10, "one class per latent size: memory does not grow with the grid")
        XCTAssertEqual(plan.familyCount, 100_000)
        var seen = 0
        for shard in [0, 1, 500, 999] {
            let indices = plan.trialIndices(inShard: shard)
            XCTAssertEqual(indices.count, 1000)
            for index in indices.prefix(50) { XCTAssertEqual(plan.shard(ofTrial: index), shard) }
            seen += indices.count
        }
        XCTAssertEqual(seen, 4000)
    }

    // MARK: - Shard selection from flags and environment

    private func choose(_ shard: String? = nil, shards: Int? = nil, recorded: Int? = nil,
                        env environment: [String: String] = [:]) -> String {
        do {
            return try ShardSelection.resolve(shard: shard, shards: shards, recordedShards: recorded,
                                              environment: environment)?.description ?? "none"
        } catch {
            return "error: \(error)"
        }
    }

    /// The variables Slurm 22.05 sets in the task with id `id` of `sbatch --array=<ids>`: COUNT, MIN, MAX of the
    /// submitted ids, and STEP for a stepped range (`0-14:2`) (checked on a real cluster by scripts/test-slurm.sh).
    private func slurmTask(_ id: Int, of ids: [Int], step: Int? = nil) -> [String: String] {
        var environment = ["SLURM_ARRAY_TASK_ID": "\(id)", "SLURM_ARRAY_TASK_COUNT": "\(ids.count)",
                           "SLURM_ARRAY_TASK_MIN": "\(ids.min()!)", "SLURM_ARRAY_TASK_MAX": "\(ids.max()!)"]
        if let step { environment["SLURM_ARRAY_TASK_STEP"] = "\(step)" }
        return environment
    }

    func testExplicitFlagWins() {
        XCTAssertEqual(choose("2/4", env: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"]), "shard 2/4 (from --shard 2/4)")
        XCTAssertEqual(choose("0/1"), "shard 0/1 (from --shard 0/1)")
        XCTAssertEqual(choose("4/4"), "error: --shard expects K/N with 0 ≤ K < N (0-based), e.g. --shard 0/4; got '4/4'")
        XCTAssertEqual(choose("1-4"), "error: --shard expects K/N with 0 ≤ K < N (0-based), e.g. --shard 0/4; got '1-4'")
        XCTAssertEqual(choose("1/0"), "error: --shard expects K/N with 0 ≤ K < N (0-based), e.g. --shard 0/4; got '1/0'")
        XCTAssertEqual(choose("1/4", shards: 3), "error: --shard 1/4 and --shards 3 disagree on the shard count")
    }

    /// A shard count from any source above `ShardID.maximumCount` is refused, naming where it came from, instead of
    /// overflowing (`maximum + 1`) or being looped over shard by shard.
    func testShardCountsAboveTheLimitAreRefusedFromEverySource() throws {
        let most = ShardID.maximumCount, huge = Int.max
        let tail = "asks for more shards than AEGrid splits a search into (at most \(most)); use fewer shards, each "
            + "running more trials"
        XCTAssertEqual(choose("0/\(most)"), "shard 0/\(most) (from --shard 0/\(most))")
        XCTAssertEqual(choose("1/\(most + 1)"), "error: --shard 1/\(most + 1) \(tail)")
        XCTAssertEqual(choose(shards: huge), "error: --shards \(huge) \(tail)")
        XCTAssertEqual(choose(env: ["AEGRID_SHARDS": "\(huge)", "JOB_COMPLETION_INDEX": "3"]), "error: AEGRID_SHARDS=\(huge) \(tail)")
        XCTAssertEqual(choose(recorded: huge, env: ["JOB_COMPLETION_INDEX": "3"]),
                       "error: the results directory's manifest.json \(tail)")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MAX": "\(huge)"]),
                       "error: the Slurm array (SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_MAX=\(huge)) \(tail)")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "\(huge)"]),
                       "error: the Slurm array (SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=\(huge)) \(tail)")
        XCTAssertThrowsError(try ShardPlan(grid: try ParameterGrid.load(argument: #"{"latent_dim": [1], "epochs": [1]}"#),
                                           inputSize: 4, shards: most + 1)) {
            XCTAssertEqual("\($0)", "a search cannot be split into \(most + 1) shards: the count must lie in 1…\(most)")
        }
    }

    func testSlurmArrayVariables() {
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3"]),
                       "shard 2/3 (from SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=3)")
        XCTAssertEqual(choose(env: slurmTask(0, of: [0, 1, 2])),
                       "shard 0/3 (from SLURM_ARRAY_TASK_ID=0, SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_MAX=2, SLURM_ARRAY_TASK_COUNT=3)")
        XCTAssertEqual(choose(env: slurmTask(0, of: [0, 1, 2]).merging(["AEGRID_SHARDS": "3"]) { $1 }),
                       "shard 0/3 (from SLURM_ARRAY_TASK_ID=0, AEGRID_SHARDS=3)")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3"]),
                       "error: SLURM_ARRAY_TASK_ID=3 is outside the array's 3 tasks 0..2 (SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_COUNT=3)")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "x"]), "error: SLURM_ARRAY_TASK_ID must be a whole number ≥ 0, got 'x'")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "1"]),
                       "error: SLURM_ARRAY_TASK_ID=1 is set but not the shard count (SLURM_ARRAY_TASK_ID=1): Slurm sets SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN/MAX for job arrays; otherwise set AEGRID_SHARDS=N, or pass --shards N or --shard K/N")
        XCTAssertEqual(choose(shards: 2, env: ["SLURM_ARRAY_TASK_ID": "1"]), "shard 1/2 (from SLURM_ARRAY_TASK_ID=1, --shards 2)")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "1", "AEGRID_SHARDS": "2"]), "shard 1/2 (from SLURM_ARRAY_TASK_ID=1, AEGRID_SHARDS=2)")
    }

    /// The task id is the shard index in the original array and in any resubmission of some of its ids, whether
    /// the count comes from AEGRID_SHARDS or from the manifest the first tasks wrote.
    func testEveryResubmissionOfAnArrayRunsTheShardsOfItsIds() throws {
        let original = Array(0..<8)
        let resubmissions: [(ids: [Int], step: Int?)] = [
            (original, nil), ([3], nil), ([0], nil), ([7], nil), ([1, 5], nil), ([0, 1], nil), ([0, 1, 2, 3], nil),
            ([2, 3, 4, 6], nil), (Array(stride(from: 0, through: 6, by: 2)), 2), (Array(stride(from: 1, through: 7, by: 3)), 3),
        ]
        for (ids, step) in resubmissions {
            for id in ids {
                let environment = slurmTask(id, of: ids, step: step)
                let context = "task \(id) of --array=\(ids)"
                for count in [["AEGRID_SHARDS": "8"], [:]] {
                    let recorded: Int? = count.isEmpty ? 8 : nil
                    let choice = try ShardSelection.resolve(shard: nil, shards: nil, recordedShards: recorded,
                                                            environment: environment.merging(count) { $1 })
                    XCTAssertEqual(choice?.shard, ShardID(index: id, count: 8), context)
                }
                // Both set and equal: the same shard.
                let both = try ShardSelection.resolve(shard: nil, shards: nil, recordedShards: 8,
                                                      environment: environment.merging(["AEGRID_SHARDS": "8"]) { $1 })
                XCTAssertEqual(both?.shard, ShardID(index: id, count: 8), context)
            }
        }
        // The original array alone (no count anywhere: its first tasks, before the manifest) gives the same shards.
        for id in original {
            XCTAssertEqual(try ShardSelection.resolve(shard: nil, shards: nil, environment: slurmTask(id, of: original))?.shard,
                           ShardID(index: id, count: 8))
        }
    }

    func testResubmissionsNameWhereTheCountCameFrom() {
        // sbatch --array=3 of an 8-task array: Slurm says COUNT=1, MIN=MAX=3.
        XCTAssertEqual(choose(env: slurmTask(3, of: [3]).merging(["AEGRID_SHARDS": "8"]) { $1 }),
                       "shard 3/8 (from SLURM_ARRAY_TASK_ID=3, AEGRID_SHARDS=8)")
        XCTAssertEqual(choose(recorded: 8, env: slurmTask(3, of: [3])),
                       "shard 3/8 (from SLURM_ARRAY_TASK_ID=3, manifest.json: 8 shards)")
        XCTAssertEqual(choose(env: slurmTask(3, of: [3])),
                       "error: the Slurm array (SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_MIN=3, SLURM_ARRAY_TASK_MAX=3, SLURM_ARRAY_TASK_COUNT=1) is not the whole array 0..COUNT-1, so it does not give the shard count: array task ids are the shard indices; submit --array=0-0 for a new search, or set AEGRID_SHARDS=N (or resume into the --out directory of a search that has started: its manifest.json records N) to run only some of the shards")
        // sbatch --array=1,5
        XCTAssertEqual(choose(recorded: 8, env: slurmTask(5, of: [1, 5])),
                       "shard 5/8 (from SLURM_ARRAY_TASK_ID=5, manifest.json: 8 shards)")
        XCTAssertEqual(choose(env: slurmTask(5, of: [1, 5])),
                       "error: the Slurm array (SLURM_ARRAY_TASK_ID=5, SLURM_ARRAY_TASK_MIN=1, SLURM_ARRAY_TASK_MAX=5, SLURM_ARRAY_TASK_COUNT=2) is not the whole array 0..COUNT-1, so it does not give the shard count: array task ids are the shard indices; submit --array=0-1 for a new search, or set AEGRID_SHARDS=N (or resume into the --out directory of a search that has started: its manifest.json records N) to run only some of the shards")
        // An array starting above 0 is not the whole array either: ids are shard indices, so shard 0 is never run.
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_MAX": "7"]),
                       "error: the Slurm array (SLURM_ARRAY_TASK_ID=5, SLURM_ARRAY_TASK_MIN=4, SLURM_ARRAY_TASK_MAX=7) is not the whole array 0..COUNT-1, so it does not give the shard count: array task ids are the shard indices; submit --array=0-3 for a new search, or set AEGRID_SHARDS=N (or resume into the --out directory of a search that has started: its manifest.json records N) to run only some of the shards")
        // A task id at or above the count.
        XCTAssertEqual(choose(env: slurmTask(8, of: [8]).merging(["AEGRID_SHARDS": "8"]) { $1 }),
                       "error: SLURM_ARRAY_TASK_ID=8 is not below the shard count 8 (from AEGRID_SHARDS=8): array task ids are the shard indices 0..7; submit --array within that range")
        XCTAssertEqual(choose(recorded: 4, env: slurmTask(5, of: Array(0..<8))),
                       "error: SLURM_ARRAY_TASK_ID=5 is not below the shard count 4 (from manifest.json: 4 shards): array task ids are the shard indices 0..3; submit --array within that range")
    }

    /// `--array=0-14:2` (tasks 0, 2, …, 14; Slurm: COUNT=8, MIN=0, MAX=14, STEP=2): the ids are shard indices of a
    /// count given by AEGRID_SHARDS or the manifest; alone, the array names no count and is refused.
    func testSteppedArrays() {
        let stepped = Array(stride(from: 0, through: 14, by: 2))
        XCTAssertEqual(choose(env: slurmTask(14, of: stepped, step: 2).merging(["AEGRID_SHARDS": "16"]) { $1 }),
                       "shard 14/16 (from SLURM_ARRAY_TASK_ID=14, AEGRID_SHARDS=16)")
        XCTAssertEqual(choose(recorded: 16, env: slurmTask(6, of: stepped, step: 2)),
                       "shard 6/16 (from SLURM_ARRAY_TASK_ID=6, manifest.json: 16 shards)")
        XCTAssertEqual(choose(env: slurmTask(2, of: stepped, step: 2)),
                       "error: the Slurm array (SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_MAX=14, SLURM_ARRAY_TASK_COUNT=8, SLURM_ARRAY_TASK_STEP=2) is not the whole array 0..COUNT-1, so it does not give the shard count: array task ids are the shard indices; submit --array=0-7 for a new search, or set AEGRID_SHARDS=N (or resume into the --out directory of a search that has started: its manifest.json records N) to run only some of the shards")
        XCTAssertEqual(choose(env: slurmTask(14, of: stepped, step: 2).merging(["AEGRID_SHARDS": "8"]) { $1 }),
                       "error: SLURM_ARRAY_TASK_ID=14 is not below the shard count 8 (from AEGRID_SHARDS=8): array task ids are the shard indices 0..7; submit --array within that range")
    }

    /// AEGRID_SHARDS or --shards against the manifest's count: refused, naming which is which.
    func testACountThatDisagreesWithTheManifestIsRefused() {
        XCTAssertEqual(choose(recorded: 8, env: slurmTask(3, of: [3]).merging(["AEGRID_SHARDS": "4"]) { $1 }),
                       "error: AEGRID_SHARDS=4 disagrees with the results directory's manifest.json, which records 8 shards: give the same count (or leave it out and the manifest's is used), or use a new --out directory for a search in 4 shards")
        XCTAssertEqual(choose(shards: 6, recorded: 8, env: ["JOB_COMPLETION_INDEX": "1"]),
                       "error: --shards 6 disagrees with the results directory's manifest.json, which records 8 shards: give the same count (or leave it out and the manifest's is used), or use a new --out directory for a search in 6 shards")
        // The whole original array against a manifest with another count: the manifest decides (a resubmission
        // of ids 0..3 of an 8-shard search looks exactly like a whole 4-task array).
        XCTAssertEqual(choose(recorded: 8, env: slurmTask(1, of: [0, 1, 2, 3])),
                       "shard 1/8 (from SLURM_ARRAY_TASK_ID=1, manifest.json: 8 shards)")
        XCTAssertEqual(choose(recorded: 5, env: ["JOB_COMPLETION_INDEX": "2"]),
                       "shard 2/5 (from JOB_COMPLETION_INDEX=2, manifest.json: 5 shards)")
    }

    func testKubernetesIndexedJobVariables() {
        XCTAssertEqual(choose(env: ["JOB_COMPLETION_INDEX": "2", "AEGRID_SHARDS": "5"]),
                       "shard 2/5 (from JOB_COMPLETION_INDEX=2, AEGRID_SHARDS=5)")
        XCTAssertEqual(choose(shards: 3, env: ["JOB_COMPLETION_INDEX": "2", "AEGRID_SHARDS": "5"]),
                       "shard 2/3 (from JOB_COMPLETION_INDEX=2, --shards 3)")
        XCTAssertEqual(choose(env: ["JOB_COMPLETION_INDEX": "2"]),
                       "error: JOB_COMPLETION_INDEX=2 is set (Kubernetes Indexed Job) but not the shard count: pass --shards N or set AEGRID_SHARDS to the Job's completions")
        XCTAssertEqual(choose(env: ["JOB_COMPLETION_INDEX": "5", "AEGRID_SHARDS": "5"]),
                       "error: JOB_COMPLETION_INDEX=5 is not below AEGRID_SHARDS=5; the Job's completions and the shard count must be equal")
        XCTAssertEqual(choose(env: ["JOB_COMPLETION_INDEX": "1", "AEGRID_SHARDS": "zero"]),
                       "error: AEGRID_SHARDS must be a whole number ≥ 1, got 'zero'")
    }

    func testNoShardingAndAShardCountAlone() {
        XCTAssertEqual(choose(), "none")
        XCTAssertEqual(choose(env: ["AEGRID_SHARDS": "4"]), "none")
        XCTAssertEqual(choose(shards: 4),
                       "error: --shards 4 names no shard: pass --shard K/4, or run as a Slurm array task or a Kubernetes Indexed Job pod")
        XCTAssertEqual(choose(shards: 0), "error: --shards must be at least 1, got 0")
    }
}
