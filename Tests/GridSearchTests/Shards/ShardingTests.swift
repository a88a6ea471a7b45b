import XCTest
@testable import GridSearch

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

    private func choose(_ shard: String? = nil, shards: Int? = nil, env environment: [String: String] = [:]) -> String {
        do {
            return try ShardSelection.resolve(shard: shard, shards: shards, environment: environment)?.description ?? "none"
        } catch {
            return "error: \(error)"
        }
    }

    func testExplicitFlagWins() {
        XCTAssertEqual(choose("2/4", env: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"]), "shard 2/4 (from --shard 2/4)")
        XCTAssertEqual(choose("0/1"), "shard 0/1 (from --shard 0/1)")
        XCTAssertEqual(choose("4/4"), "error: --shard expects K/N with 0 ≤ K < N (0-based), e.g. --shard 0/4; got '4/4'")
        XCTAssertEqual(choose("1-4"), "error: --shard expects K/N with 0 ≤ K < N (0-based), e.g. --shard 0/4; got '1-4'")
        XCTAssertEqual(choose("1/0"), "error: --shard expects K/N with 0 ≤ K < N (0-based), e.g. --shard 0/4; got '1/0'")
        XCTAssertEqual(choose("1/4", shards: 3), "error: --shard 1/4 and --shards 3 disagree on the shard count")
    }

    func testSlurmArrayVariables() {
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "2", "SLURM_ARRAY_TASK_COUNT": "3"]),
                       "shard 2/3 (from SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=3)")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "5", "SLURM_ARRAY_TASK_MIN": "4", "SLURM_ARRAY_TASK_MAX": "7"]),
                       "shard 1/4 (from SLURM_ARRAY_TASK_ID=5, SLURM_ARRAY_TASK_MIN=4, SLURM_ARRAY_TASK_MAX=7)")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "0", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "2",
                               "SLURM_ARRAY_TASK_COUNT": "3", "AEGRID_SHARDS": "3"]),
                       "shard 0/3 (from SLURM_ARRAY_TASK_ID=0, SLURM_ARRAY_TASK_MIN=0, SLURM_ARRAY_TASK_MAX=2, SLURM_ARRAY_TASK_COUNT=3)")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "8",
                               "SLURM_ARRAY_TASK_COUNT": "3"]),
                       "error: the Slurm array is not a contiguous range (SLURM_ARRAY_TASK_COUNT=3 but MIN..MAX spans 9 ids); submit it as --array=0-2")
        XCTAssertEqual(choose(shards: 4, env: ["SLURM_ARRAY_TASK_ID": "1", "SLURM_ARRAY_TASK_COUNT": "3"]),
                       "error: --shards 4 disagrees with the Slurm array size 3 (SLURM_ARRAY_TASK_ID=1, SLURM_ARRAY_TASK_COUNT=3)")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "3", "SLURM_ARRAY_TASK_COUNT": "3"]),
                       "error: SLURM_ARRAY_TASK_ID=3 is outside the array's 3 tasks starting at 0 (SLURM_ARRAY_TASK_ID=3, SLURM_ARRAY_TASK_COUNT=3)")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "x"]), "error: SLURM_ARRAY_TASK_ID must be a whole number ≥ 0, got 'x'")
        XCTAssertEqual(choose(env: ["SLURM_ARRAY_TASK_ID": "1"]),
                       "error: SLURM_ARRAY_TASK_ID=1 is set but not the array size: Slurm sets SLURM_ARRAY_TASK_COUNT for job arrays; otherwise pass --shards N or --shard K/N")
        XCTAssertEqual(choose(shards: 2, env: ["SLURM_ARRAY_TASK_ID": "1"]), "shard 1/2 (from SLURM_ARRAY_TASK_ID=1, --shards 2)")
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
