import XCTest
import DataFiles
import LinearAlgebra
@testable import GridSearch
import SearchSpace

/// The output range check: which activations can reach which data, the exact warning, and the refusal of binary
/// cross-entropy on targets outside [0, 1].
final class OutputRangeCheckTests: XCTestCase {
    /// One fold whose training part holds `values` (one column).
    func fold(_ values: [Float]) -> EvaluationFold {
        let training = Matrix(rows: values.count, columns: 1, elements: values)
        return EvaluationFold(training: training, test: training, scaler: FittedScaler.fit(training, kind: .none))
    }

    func check(_ grid: String) throws -> OutputRangeCheck {
        let parsed = try ParameterGrid.load(argument: grid)
        var check = OutputRangeCheck()
        for index in 0 ..< parsed.count {
            check.add(try TrialConfiguration.make(grid: parsed, index: index, inputSize: 1, baseSeed: 0))
        }
        return check
    }

    /// 10 values, 3 of them outside (0, 1) and 1 outside (−1, 1).
    let standardized: [Float] = [-1.5, -0.5, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 2.5]

    func testWarningTextForSigmoidOnStandardizedData() throws {
        let grid = #"{"latent_dim": [1], "learning_rate": [0.01, 0.001], "epochs": [5]}"#
        let warnings = try check(grid).warnings(folds: [fold(standardized)], scaling: .standard)
        XCTAssertEqual(warnings, [
            "output_activation sigmoid (all 2 trials) can only produce values in (0, 1), but 30 % of the training "
                + "values (scaled: standard) lie outside it (they range from -1.5 to 2.5): those trials cannot "
                + "reconstruct them and usually score far worse than PCA. To fix: add \"output_activation\": "
                + "[\"linear\"] to the grid, or use --scale minmax.",
        ])
    }

    func testOneWarningPerOffendingActivationWithItsTrialCount() throws {
        let grid = #"{"latent_dim": [1], "output_activation": ["sigmoid", "tanh", "linear", "relu"], "epochs": [5]}"#
        let warnings = try check(grid).warnings(folds: [fold(standardized)], scaling: .minmax)
        XCTAssertEqual(warnings.count, 3)  // relu, sigmoid, tanh (by name); linear reaches everything
        XCTAssertTrue(warnings[0].hasPrefix("output_activation relu (1 of 4 trials) can only produce values in [0, ∞), but 20 % "), warnings[0])
        XCTAssertTrue(warnings[1].hasPrefix("output_activation sigmoid (1 of 4 trials) can only produce values in (0, 1), but 30 % "), warnings[1])
        XCTAssertTrue(warnings[2].hasPrefix("output_activation tanh (1 of 4 trials) can only produce values in (−1, 1), but 20 % "), warnings[2])
        // Already min-max scaled: the only remedy offered is a linear output.
        XCTAssertTrue(warnings[1].hasSuffix("To fix: add \"output_activation\": [\"linear\"] to the grid."), warnings[1])
    }

    func testNoWarningWhenTheOutputReachesTheData() throws {
        let unit: [Float] = (0 ... 10).map { Float($0) / 10 }
        let grid = #"{"latent_dim": [1], "output_activation": ["sigmoid", "tanh", "relu", "elu", "gelu"], "epochs": [5]}"#
        XCTAssertEqual(try check(grid).warnings(folds: [fold(unit)], scaling: .minmax), [])
        // Below the 1 % threshold: one value in 200 outside.
        let almost = [Float](repeating: 0.5, count: 199) + [1.2]
        XCTAssertEqual(try check(grid).warnings(folds: [fold(almost)], scaling: .none), [])
    }

    func testBinaryCrossentropyOutsideUnitIntervalIsRefused() throws {
        let grid = #"{"latent_dim": [1], "loss": ["mse", "binary_crossentropy"], "epochs": [5]}"#
        XCTAssertThrowsError(try check(grid).warnings(folds: [fold(standardized)], scaling: .standard)) { error in
            XCTAssertEqual("\(error)",
                "loss binary_crossentropy (1 trial, the first at grid index 1) needs targets in [0, 1], but 30 % of "
                    + "the training values (scaled: standard) lie outside it (they range from -1.5 to 2.5); binary "
                    + "cross-entropy is undefined there. Use --scale minmax, or \"loss\": [\"mse\"]")
        }
        // A single value outside is enough: the loss is undefined for it.
        let oneOutside = [Float](repeating: 0.5, count: 999) + [1.001]
        XCTAssertThrowsError(try check(grid).warnings(folds: [fold(oneOutside)], scaling: .none))
        // Inside [0, 1], including its ends, it is accepted.
        XCTAssertEqual(try check(grid).warnings(folds: [fold([0, 0.25, 1])], scaling: .minmax), [])
    }

    func testEveryFoldsTrainingPartIsCounted() throws {
        let grid = #"{"latent_dim": [1], "epochs": [5]}"#
        let warnings = try check(grid).warnings(folds: [fold([0.5, 0.5]), fold([0.5, 3])], scaling: .none)
        XCTAssertEqual(warnings.count, 1)
        XCTAssertTrue(warnings[0].contains("but 25 % of the training values (scaled: none)"), warnings[0])
    }
}
