import Foundation
import XCTest
@testable import GridSearch
@testable import SearchSpace
import LinearAlgebra

/// The grid's index ↔ point mapping over generated grids (issue 13, item 6), and grid values that no machine can
/// hold refused at validation (item 2).
final class GridPropertyTests: XCTestCase {
    /// scikit-learn's order, written the slow way: sub-grid by sub-grid, keys sorted, the last key fastest.
    static func enumerate(_ subGrids: [[String: [ParameterValue]]]) -> [[String: ParameterValue]] {
        var points: [[String: ParameterValue]] = []
        for subGrid in subGrids {
            var partial: [[String: ParameterValue]] = [[:]]
            for key in subGrid.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
                partial = partial.flatMap { point in subGrid[key]!.map { var p = point; p[key] = $0; return p } }
            }
            points += partial
        }
        return points
    }

    func testPointAtIndexIsSklearnOrderAndShardsCoverEveryIndexOnce() throws {
        var generator = SeededGenerator(seed: 2026)
        let keys = ["latent_dim", "epochs", "learning_rate", "batch_size", "activation", "l2"]
        for trial in 0 ..< 200 {
            let subGrids: [[String: [ParameterValue]]] = (0 ..< Int.random(in: 1 ... 3, using: &generator)).map { _ in
                var subGrid: [String: [ParameterValue]] = [:]
                for key in keys.shuffled(using: &generator).prefix(Int.random(in: 2 ... 5, using: &generator)) {
                    subGrid[key] = (0 ..< Int.random(in: 1 ... 4, using: &generator)).map { i in
                        switch key {
                        case "activation": return .string(["relu", "tanh", "elu", "gelu"][i])
                        case "learning_rate", "l2": return .double(Double(i + 1) / 1000)
                        default: return .int(i + 1)
                        }
                    }
                }
                subGrid["latent_dim"] = subGrid["latent_dim"] ?? [.int(2)]
                subGrid["epochs"] = subGrid["epochs"] ?? [.int(1)]
                return subGrid
            }
            let grid = try ParameterGrid(subGrids)
            let expected = Self.enumerate(subGrids)
            XCTAssertEqual(grid.count, expected.count, "case \(trial)")
            for (index, point) in expected.enumerated() {
                let actual = grid.point(at: index)
                XCTAssertEqual(Dictionary(uniqueKeysWithValues: actual.parameters.map { ($0.key, $0.value) }), point,
                               "case \(trial), index \(index)")
            }
            let shards = Int.random(in: 1 ... 5, using: &generator)
            let plan = try ShardPlan(grid: grid, inputSize: 10, shards: shards)
            let covered = (0 ..< shards).flatMap { plan.trialIndices(inShard: $0) }.sorted()
            XCTAssertEqual(covered, Array(0 ..< grid.count), "case \(trial): every index in exactly one of \(shards) shards")
        }
    }

    func testLayerSizesPastTheMatrixLimitAreRefusedWithKeyAndValue() throws {
        for (key, value) in [("latent_dim", ParameterValue.int(1_000_000_000_000_000_000)),
                             ("encoder_layer1_size", .int(Int.max)),
                             ("encoder_units", .intList([64, 3_000_000_000]))] {
            var subGrid: [String: [ParameterValue]] = [key: [value], "epochs": [.int(1)]]
            if key != "latent_dim" { subGrid["latent_dim"] = [.int(2)] }
            let grid = try ParameterGrid([subGrid])
            XCTAssertThrowsError(try TrialValidator.validate(grid)) {
                XCTAssertEqual("\($0)", "grid: '\(key)' value \(value.canonicalJSON) is out of range: a layer can have at "
                               + "most 2147483647 units (the largest dimension a matrix product takes), and one that wide "
                               + "needs terabytes")
            }
        }
    }

    func testAWeightCountPastIntIsRefusedWithTheKey() throws {
        let grid = try ParameterGrid([["encoder_units": [.intList([2_000_000_000, 2_000_000_000, 2_000_000_000])],
                                       "latent_dim": [.int(2_000_000_000)], "epochs": [.int(1)]]])
        XCTAssertNoThrow(try TrialValidator.validate(grid), "each size alone is in range")
        XCTAssertThrowsError(try TrialConfiguration.make(grid: grid, index: 0, inputSize: 10, baseSeed: 0)) {
            XCTAssertTrue("\($0)".hasPrefix("grid: 'encoder_units' value [2000000000,2000000000,2000000000] is out of range: "), "\($0)")
        }
        XCTAssertThrowsError(try ShardPlan(grid: grid, inputSize: 10, shards: 2), "sharding costs the grid without trapping")
    }

    func testTrainingMemoryEstimate() throws {
        let grid = try ParameterGrid([["latent_dim": [.int(2), .int(1_000_000_000)], "epochs": [.int(1)]]])
        let small = try TrialConfiguration.make(grid: grid, index: 0, inputSize: 100, baseSeed: 0)
        let huge = try TrialConfiguration.make(grid: grid, index: 1, inputSize: 10, baseSeed: 0)
        // 100→2→100 (too wide for the group engine): 502 parameters × 7 floats, 32 rows × (2·(2 + 100) + 3·100 +
        // 2·100) floats, 100 row indices.
        XCTAssertEqual(small.estimatedTrainingBytes(trainingRows: 100), (502 * 7 + 32 * (204 + 300 + 200)) * 4 + 100 * 8)
        // 10→2→10 trains on the group engine, which holds eight lanes of everything: 52 parameters × 8 lanes × 4
        // (weights, gradients, Adam's two slots) + 52 + 3 × 52 plain; per layer z and a, 32 rows × (2 + 10) × 8 × 2;
        // the batch and two deltas, 32 × 10 × 8 × 3; the largest kernel transposed (20), an empty best-weights
        // buffer (1 float); 100 row orders × 8 lanes.
        let routed = try TrialConfiguration.make(grid: grid, index: 0, inputSize: 10, baseSeed: 0)
        XCTAssertEqual(routed.estimatedTrainingBytes(trainingRows: 100),
                       (52 * 8 * 4 + 52 + 3 * 52 + 32 * 12 * 16 + 32 * 10 * 24 + 20 + 1) * 4 + 100 * 8 * 8)
        XCTAssertEqual(huge.estimatedTrainingBytes(trainingRows: 100).map { $0 > 1 << 40 }, true)
        let grid2 = try ParameterGrid([["latent_dim": [.int(2_000_000_000)], "batch_size": [.int(Int.max)], "epochs": [.int(1)]]])
        let overflowing = try TrialConfiguration.make(grid: grid2, index: 0, inputSize: 2_000_000_000, baseSeed: 0)
        XCTAssertNil(overflowing.estimatedTrainingBytes(trainingRows: Int.max / 2), "overflow gives nil, not a trap")
    }
}
