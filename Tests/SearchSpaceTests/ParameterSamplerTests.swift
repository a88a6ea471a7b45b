import Foundation
import XCTest
@testable import SearchSpace
import LinearAlgebra

/// `--n-iter` on a grid of lists: scikit-learn's `ParameterSampler` (distinct points, without replacement), a pure
/// function of the seed.
final class ParameterSamplerTests: XCTestCase {
    let grid = try! ParameterGrid.load(argument: #"[{"latent_dim": [2, 3, 4, 5], "learning_rate": [0.1, 0.01, 0.001], "epochs": [5, 10]}, {"latent_dim": [8], "optimizer": ["sgd"], "momentum": [0.0, 0.9], "epochs": [5]}]"#)

    func points(_ sampled: ParameterGrid) -> [String] {
        (0 ..< sampled.count).map { TrialConfiguration.canonicalJSON(sampled.point(at: $0).parameters) }
    }

    func testSamplesDistinctPointsOfTheGridDeterministically() throws {
        let all = Set((0 ..< grid.count).map { TrialConfiguration.canonicalJSON(grid.point(at: $0).parameters) })
        for seed in 0 ..< 20 as Range<UInt64> {
            let a = try ParameterSampler(grid: grid, count: 7, seed: seed)
            let b = try ParameterSampler(grid: grid, count: 7, seed: seed)
            XCTAssertEqual(points(a.grid), points(b.grid), "the same seed gives the same points")
            XCTAssertEqual(Set(points(a.grid)).count, 7, "without replacement")
            XCTAssertTrue(Set(points(a.grid)).isSubset(of: all))
            XCTAssertNil(a.warning)
        }
        XCTAssertNotEqual(points(try ParameterSampler(grid: grid, count: 7, seed: 1).grid),
                          points(try ParameterSampler(grid: grid, count: 7, seed: 2).grid))
        // The sampled grid survives the manifest's canonical JSON (resume, status and merge rebuild it from there).
        let sampled = try ParameterSampler(grid: grid, count: 7, seed: 3).grid
        XCTAssertEqual(points(try ParameterGrid.parse(sampled.canonicalJSON, source: "manifest")), points(sampled))
    }

    func testEveryPointIsDrawnAndTheWholeGridIsAPermutation() throws {
        let sampler = try ParameterSampler(grid: grid, count: grid.count, seed: 5)
        XCTAssertEqual(Set(points(sampler.grid)).count, grid.count)
        var generator = SeededGenerator(seed: 9)
        var counts = [Int](repeating: 0, count: 5)
        for _ in 0 ..< 5000 { counts[ParameterSampler.sampleWithoutReplacement(1, from: 5, using: &generator)[0]] += 1 }
        XCTAssertTrue(counts.allSatisfy { $0 > 850 && $0 < 1150 }, "roughly uniform: \(counts)")
    }

    func testMoreIterationsThanPointsAreClampedWithScikitLearnsWarning() throws {
        let sampler = try ParameterSampler(grid: grid, count: 100, seed: 0)
        XCTAssertEqual(sampler.grid.count, grid.count)
        XCTAssertEqual(sampler.warning, "the grid has 26 points, fewer than --n-iter 100: running all 26 (scikit-learn's "
                       + "ParameterSampler clamps the same way; for an exhaustive search, drop --n-iter)")
    }
}
