import Foundation
import XCTest
@testable import SearchSpace

/// Distributions in grid files for `--n-iter`: every bound checked before training, draws inside the bounds,
/// deterministic from the seed, with replacement (scikit-learn's `ParameterSampler` with `rvs` values).
final class DistributionTests: XCTestCase {
    func space(_ json: String) throws -> ParameterSpace {
        let space = try ParameterSpace.parse(json, source: "grid.json")
        try space.validate()
        return space
    }

    func assertRefused(_ json: String, _ message: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertThrowsError(try space(json), file: file, line: line) { error in
            XCTAssertEqual("\(error)", message, file: file, line: line)
        }
    }

    func testEveryBoundIsValidatedBeforeTraining() {
        assertRefused(#"{"latent_dim": [2], "learning_rate": {"loguniform": [0, 1]}, "epochs": [5]}"#,
                      "grid.json line 1: 'learning_rate' value loguniform: [0, 1] is out of range: loguniform's low must be > 0 (its logarithm is taken)")
        assertRefused(#"{"latent_dim": [2], "learning_rate": {"uniform": [0.1, 0.01]}, "epochs": [5]}"#,
                      "grid.json line 1: 'learning_rate' value uniform: [0.1, 0.01] is out of range: low must be less than high")
        assertRefused(#"{"latent_dim": {"randint": [2, 2.5]}, "epochs": [5]}"#,
                      "grid.json line 1: 'latent_dim' value randint: [2, 2.5] is out of range: randint's bounds must be integers")
        assertRefused(#"{"latent_dim": {"randint": [0, 4]}, "epochs": [5]}"#,
                      "grid.json line 1: 'latent_dim' value 0 is out of range: must be at least 1")
        // uniform draws from [low, high): dropout's rule [0, 1) admits uniform [0, 1] but not [0, 1.5].
        XCTAssertNoThrow(try space(#"{"latent_dim": [2], "dropout": {"uniform": [0, 1]}, "epochs": [5]}"#))
        assertRefused(#"{"latent_dim": [2], "dropout": {"uniform": [0, 1.5]}, "epochs": [5]}"#,
                      "grid.json line 1: 'dropout' value 1.4999999999999998 is out of range: must be in [0, 1)")
        // Draws become 32-bit floats in training: bounds they cannot hold are refused here, not trial by trial (the
        // largest draw of [low, high) is high.nextDown).
        assertRefused(#"{"latent_dim": [2], "learning_rate": {"loguniform": [1e-3, 1e300]}, "epochs": [5]}"#,
                      "grid.json line 1: 'learning_rate' value 9.999999999999999e+299 is out of range: training uses 32-bit floats, "
                      + "which hold at most 3.4028235e+38")
        assertRefused(#"{"latent_dim": [2], "learning_rate": {"loguniform": [5e-324, 1e-3]}, "epochs": [5]}"#,
                      "grid.json line 1: 'learning_rate' value 5e-324 is out of range: it rounds to 0 in the 32-bit "
                      + "floats training uses (the smallest is 1e-45)")
        assertRefused(#"{"latent_dim": [2], "learning_rate": {"normal": [0, 1]}, "epochs": [5]}"#,
                      "grid.json line 1: 'learning_rate': unknown distribution 'normal'; use one of loguniform, uniform, randint (or a list of values)")
        // Inside a list of sub-grids, with the sub-grid's own key rules.
        assertRefused(#"[{"latent_dim": [2], "epochs": [5]}, {"latent_dim": [2], "momentum": {"uniform": [0, 0.9]}, "epochs": [5]}]"#,
                      "grid.json line 1: sub-grid 2: 'momentum' only affects the sgd and rmsprop optimizers, and this grid uses adam")
    }

    func testAnElementThatIsNoSubGridIsRefusedNotSkipped() {
        XCTAssertThrowsError(try ParameterSpace.parse(#"[{"latent_dim": {"randint": [2, 5]}}, 5]"#, source: "grid.json")) {
            XCTAssertEqual("\($0)", "grid.json line 1: sub-grid 2 must be a mapping of key to list of values, found the single value 5")
        }
    }

    func testDrawsAreInsideTheBoundsDeterministicAndWithReplacement() throws {
        let space = try space(#"[{"latent_dim": {"randint": [2, 5]}, "learning_rate": {"loguniform": [0.001, 0.1]}, "epochs": [5]}, {"latent_dim": [8], "l2": {"uniform": [0, 0.01]}, "epochs": [5]}]"#)
        let a = try space.sample(count: 400, seed: 7), b = try space.sample(count: 400, seed: 7)
        XCTAssertEqual(a.canonicalJSON, b.canonicalJSON)
        XCTAssertNotEqual(a.canonicalJSON, try space.sample(count: 400, seed: 8).canonicalJSON)
        var latents = Set<Int>(), subGrids = [0, 0]
        for index in 0 ..< a.count {
            let point = a.point(at: index)
            if let rate = point["learning_rate"]?.numericValue {
                subGrids[0] += 1
                XCTAssertTrue(rate >= 0.001 && rate < 0.1, "\(rate)")
                guard case .int(let latent)? = point["latent_dim"] else { return XCTFail("latent_dim is an integer") }
                XCTAssertTrue((2 ... 4).contains(latent), "randint excludes high: \(latent)")
                latents.insert(latent)
            } else {
                subGrids[1] += 1
                let l2 = try XCTUnwrap(point["l2"]?.numericValue)
                XCTAssertTrue(l2 >= 0 && l2 < 0.01)
            }
        }
        XCTAssertEqual(latents, [2, 3, 4], "with replacement, every integer of [2, 5) drawn")
        XCTAssertTrue(subGrids.allSatisfy { $0 > 150 }, "sub-grids chosen uniformly: \(subGrids)")
        // The sampled points go into the manifest as a plain grid and come back the same.
        XCTAssertEqual(try ParameterGrid.parse(a.canonicalJSON, source: "manifest").canonicalJSON, a.canonicalJSON)
    }
}
