import XCTest
@testable import SearchSpace
import NeuralNet
import LinearAlgebra

final class TrialConfigurationTests: XCTestCase {
    private func validationError(_ text: String, source: String = "grid.yaml") -> String {
        do {
            try TrialValidator.validate(try ParameterGrid.parse(text, source: source))
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    // MARK: - Errors pinned

    func testUnknownKeyNamesTheNearestValidKey() {
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\nlearning_rat: [0.01]\n"),
                       "grid.yaml line 3: unknown grid key 'learning_rat'; did you mean 'learning_rate'?")
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\nLatent_Dim: [3]\n"),
                       "grid.yaml line 3: unknown grid key 'Latent_Dim'; did you mean 'latent_dim'?")
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\nl2_regularisation: [0.1]\n"),
                       "grid.yaml line 3: unknown grid key 'l2_regularisation'; valid keys: "
                       + GridKeys.documentedNames.joined(separator: ", "))
        // A misspelt key whose values no key would take (a list nested twice, a mapping) is still named as unknown,
        // not as a value of the wrong shape.
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\nencoder_unit: [[[64]]]\n"),
                       "grid.yaml line 3: unknown grid key 'encoder_unit'; did you mean 'encoder_units'?")
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\nlearning_rat: [{a: 1}]\n"),
                       "grid.yaml line 3: unknown grid key 'learning_rat'; did you mean 'learning_rate'?")
    }

    func testWrongTypes() {
        XCTAssertEqual(validationError(#"{"latent_dim": [2], "epochs": ["50"]}"#),
                       #"grid.yaml line 1: 'epochs' value "50" must be an integer (found a string)"#)
        XCTAssertEqual(validationError("latent_dim: [2.5]\nepochs: [5]"),
                       "grid.yaml line 1: 'latent_dim' value 2.5 must be an integer (found a number)")
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\nlearning_rate: [fast]"),
                       "grid.yaml line 3: 'learning_rate' value \"fast\" must be a number (found a string)")
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\nshuffle: [1]"),
                       "grid.yaml line 3: 'shuffle' value 1 must be true or false (found an integer)")
        XCTAssertEqual(validationError("encoder_units: [64, 32]\nepochs: [5]"),
                       "grid.yaml line 1: 'encoder_units' value 64 must be a list of layer sizes such as [64, 32]; "
                       + "write [[64, 32]] for one encoder (found an integer)")
        // A list or mapping where a value belongs is shown as written ("value a list must be …" named no value),
        // cut short when long: an alias-built list of 9⁶ elements costs no more than a short one.
        XCTAssertEqual(validationError("epochs: [5]\nencoder_units: [[2, [3, 4]]]"),
                       "grid.yaml line 2: 'encoder_units' value [3,4] must be an integer inside a list of layer sizes")
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\nlearning_rate: [{a: 1, b: [2]}]"),
                       "grid.yaml line 3: 'learning_rate' value {a: 1, b: [2]} must be a number, a string, a boolean "
                       + "or a list of integers (found a mapping)")
        var anchors = ["&a0 [1,1,1,1,1,1,1,1,1]"]
        for level in 1 ... 7 {
            anchors.append("&a\(level) [" + Array(repeating: "*a\(level - 1)", count: 9).joined(separator: ",") + "]")
        }
        let refusal = validationError("epochs: [5]\nencoder_units: [[2, [" + anchors.joined(separator: ", ") + "]]]")
        XCTAssertEqual(refusal, "grid.yaml line 2: 'encoder_units' value [[1,1,1,1,1,1,1,1,1],[[1,1,1,1,1,1,1,1,1],"
                           + "[1,1,1,1,1,1,1,1,1… must be an integer inside a list of layer sizes")
    }

    func testOutOfRange() {
        let cases: [(String, String)] = [
            ("learning_rate: [0.01, 0]", "'learning_rate' value 0 is out of range: must be greater than 0"),
            ("learning_rate: [-0.1]", "'learning_rate' value -0.1 is out of range: must be greater than 0"),
            ("dropout: [1]", "'dropout' value 1 is out of range: must be in [0, 1)"),
            ("dropout: [-0.2]", "'dropout' value -0.2 is out of range: must be in [0, 1)"),
            ("latent_dim: [0]", "'latent_dim' value 0 is out of range: must be at least 1"),
            ("batch_size: [0]", "'batch_size' value 0 is out of range: must be at least 1"),
            ("epochs: [0]", "'epochs' value 0 is out of range: must be at least 1"),
            ("momentum: [1.0]\noptimizer: [sgd]", "'momentum' value 1.0 is out of range: must be in [0, 1)"),
            ("l1: [-1e-3]", "'l1' value -0.001 is out of range: must be at least 0"),
            ("l2_reg: [-1]", "'l2_reg' value -1 is out of range: must be at least 0"),
            ("noise_std: [-0.5]", "'noise_std' value -0.5 is out of range: must be at least 0"),
            ("patience: [-1]", "'patience' value -1 is out of range: must be at least 0"),
            ("encoder_units: [[8, 0]]", "'encoder_units' value [8,0] is out of range: every layer size must be at least 1"),
            ("encoder_layer2_size: [0]", "'encoder_layer2_size' value 0 is out of range: must be at least 1"),
            // Training takes the numbers as 32-bit floats: each of these once failed every trial it was in.
            ("learning_rate: [1e39]", "'learning_rate' value 1e+39 is out of range: training uses 32-bit floats, "
                + "which hold at most 3.4028235e+38"),
            ("l2: [0.01, 1e300]", "'l2' value 1e+300 is out of range: training uses 32-bit floats, which hold at most "
                + "3.4028235e+38"),
            ("min_delta: [1e39]", "'min_delta' value 1e+39 is out of range: training uses 32-bit floats, which hold "
                + "at most 3.4028235e+38"),
            ("learning_rate: [1e-50]", "'learning_rate' value 1e-50 is out of range: it rounds to 0 in the 32-bit "
                + "floats training uses (the smallest is 1e-45)"),
        ]
        for (line, message) in cases {
            // The faulty key comes first in the file so its line is 1; the rest makes the grid otherwise valid.
            let full = "\(line)\n" + (line.hasPrefix("latent_dim") ? "" : "latent_dim: [2]\n")
                + (line.hasPrefix("epochs") ? "" : "epochs: [5]\n")
            XCTAssertEqual(validationError(full), "grid.yaml line 1: " + message, line)
        }
    }

    func testInvalidChoicesListTheValidOnes() {
        XCTAssertEqual(validationError("activation: [relu, relux]\nlatent_dim: [2]\nepochs: [5]"),
                       "grid.yaml line 1: 'activation' value 'relux' is not one of: linear, relu, sigmoid, tanh, elu, leaky_relu, gelu")
        XCTAssertEqual(validationError("loss: [mae]\nlatent_dim: [2]\nepochs: [5]"),
                       "grid.yaml line 1: 'loss' value 'mae' is not one of: mse, binary_crossentropy")
        XCTAssertEqual(validationError("optimizer: [adamw]\nlatent_dim: [2]\nepochs: [5]"),
                       "grid.yaml line 1: 'optimizer' value 'adamw' is not one of: adam, sgd, rmsprop")
    }

    func testInconsistentKeySets() {
        XCTAssertEqual(validationError("epochs: [5]\nlearning_rate: [0.1]"),
                       "grid.yaml line 1: no architecture: give latent_dim, encoder_units or encoder_layer1_size, …")
        XCTAssertEqual(validationError("latent_dim: [2]"),
                       "grid.yaml line 1: no 'epochs': give a list of epoch counts, e.g. epochs: [50, 100]")
        XCTAssertEqual(validationError("- latent_dim: [2]\n  epochs: [5]\n- encoder_layer2_size: [4]\n  epochs: [5]\n"),
                       "grid.yaml line 3: sub-grid 2: encoder_layer2_size is given but encoder_layer1_size is not; "
                       + "layer keys must run 1, 2, … without gaps")
        XCTAssertEqual(validationError("encoder_units: [[8]]\nencoder_layer1_size: [4]\nepochs: [5]"),
                       "grid.yaml line 1: give the hidden layers either as encoder_units or as encoder_layerK_size keys, not both")
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\nl1: [0.1]\nl1_reg: [0.2]"),
                       "grid.yaml line 1: 'l1_reg' and 'l1' are the same setting; keep one of them")
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\nmomentum: [0.9]"),
                       "grid.yaml line 1: 'momentum' only affects the sgd and rmsprop optimizers, and this grid uses adam")
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\noptimizer: [rmsprop]\nnesterov: [true]"),
                       "grid.yaml line 1: 'nesterov' only affects the sgd optimizer, and this grid uses rmsprop")
        XCTAssertEqual(validationError("latent_dim: [2]\nepochs: [5]\nmin_delta: [0.001]"),
                       "grid.yaml line 1: 'min_delta' only matters with early stopping; add 'patience'")
    }

    func testValidationChecksListsNotPoints() throws {
        // 10^6 points validate by checking 60 values.
        let values = (1...10).map(String.init).joined(separator: ", ")
        let grid = try ParameterGrid.parse("""
            latent_dim: [\(values)]
            epochs: [\(values)]
            batch_size: [\(values)]
            patience: [\(values)]
            seed: [\(values)]
            encoder_layer1_size: [\(values)]
            """, source: "big.yaml")
        XCTAssertEqual(grid.count, 1_000_000)
        XCTAssertNoThrow(try TrialValidator.validate(grid))
    }

    // MARK: - Architecture rule (the seed's three grids)

    private func trial(_ text: String, index: Int = 0, inputSize: Int = 10, seed: UInt64 = 42) throws -> TrialConfiguration {
        let grid = try ParameterGrid.parse(text, source: "g")
        try TrialValidator.validate(grid)
        return try TrialConfiguration.make(grid: grid, index: index, inputSize: inputSize, baseSeed: seed)
    }

    func testSeedGridOneLatentOnly() throws {
        let t = try trial("latent_dim: [2, 4, 6]\nlearning_rate: [0.01, 0.001]\nepochs: [50, 100]", index: 11)
        XCTAssertEqual(t.settings.encoderUnits, [6])
        XCTAssertEqual(t.layerSizes, [10, 6, 10])
        XCTAssertEqual(t.settings.epochs, 100)
        XCTAssertEqual(t.settings.learningRate, 0.001)
        XCTAssertEqual(t.parameterCount, 10 * 6 + 6 + 6 * 10 + 10)
        XCTAssertEqual(t.estimatedCost, 100 * Double(t.parameterCount))
    }

    func testSeedGridTwoLayerSizes() throws {
        let t = try trial("encoder_layer1_size: [8, 16]\nencoder_layer2_size: [4, 8]\nepochs: [50]", index: 2)
        XCTAssertEqual(t.settings.encoderUnits, [16, 4])
        XCTAssertEqual(t.layerSizes, [10, 16, 4, 16, 10])
    }

    func testLatentAppendsToHiddenLayers() throws {
        XCTAssertEqual(try trial("encoder_units: [[64, 32]]\nlatent_dim: [8]\nepochs: [1]", inputSize: 100).layerSizes,
                       [100, 64, 32, 8, 32, 64, 100])
        XCTAssertEqual(try trial("encoder_layer1_size: [16]\nlatent_dim: [3]\nepochs: [1]").layerSizes, [10, 16, 3, 16, 10])
        XCTAssertEqual(try trial("encoder_units: [[12, 5]]\nepochs: [1]").layerSizes, [10, 12, 5, 12, 10])
    }

    func testDefaultsAndExplicitSettings() throws {
        let d = try trial("latent_dim: [2]\nepochs: [3]").settings
        XCTAssertEqual([d.activation, d.outputActivation, d.loss, d.optimizer], ["relu", "sigmoid", "mse", "adam"])
        XCTAssertEqual(d.learningRate, 0.001)
        XCTAssertEqual(d.batchSize, 32)
        XCTAssertNil(d.patience)
        XCTAssertTrue(d.shuffle)
        let s = try trial("""
            latent_dim: [2]
            epochs: [3]
            activation: [tanh]
            output_activation: [linear]
            loss: [binary_crossentropy]
            optimizer: [sgd]
            learning_rate: [1]
            momentum: [0.9]
            nesterov: [true]
            batch_size: [7]
            l1_reg: [0.001]
            l2: [0.01]
            dropout: [0.25]
            noise_std: [0.1]
            patience: [4]
            min_delta: [0.0001]
            shuffle: [false]
            """).settings
        XCTAssertEqual([s.activation, s.outputActivation, s.loss, s.optimizer], ["tanh", "linear", "binary_crossentropy", "sgd"])
        XCTAssertEqual(s.learningRate, 1.0)
        XCTAssertEqual(s.momentum, 0.9)
        XCTAssertTrue(s.nesterov)
        XCTAssertEqual(s.batchSize, 7)
        XCTAssertEqual(s.l1, 0.001)
        XCTAssertEqual(s.l2, 0.01)
        XCTAssertEqual(s.dropout, 0.25)
        XCTAssertEqual(s.noiseStandardDeviation, 0.1)
        XCTAssertEqual(s.patience, 4)
        XCTAssertEqual(s.minDelta, 0.0001)
        XCTAssertFalse(s.shuffle)
    }

    // MARK: - Identity and seeds

    func testCanonicalParametersAndStableIDs() throws {
        let t = try trial(#"{"learning_rate": [1], "l2_reg": [0], "latent_dim": [4], "epochs": [50.0]}"#)
        XCTAssertEqual(t.canonicalParameters, #"{"epochs":50,"l2":0.0,"latent_dim":4,"learning_rate":1.0}"#)
        // Pinned: the id is a hash of the canonical text, the same on every machine and every run.
        XCTAssertEqual(t.trialID, hex16(stableHash64(t.canonicalParameters)))
        XCTAssertEqual(t.trialID.count, 16)
        // Spelling does not matter, values do.
        let same = try trial("latent_dim: [4]\nlearning_rate: [1.0]\nl2: [0.0]\nepochs: [50]")
        XCTAssertEqual(same.trialID, t.trialID)
        XCTAssertEqual(same.seed, t.seed)
        let other = try trial("latent_dim: [4]\nlearning_rate: [1.0]\nl2: [0.0]\nepochs: [51]")
        XCTAssertNotEqual(other.trialID, t.trialID)
        XCTAssertEqual(other.familyKey, t.familyKey)
        XCTAssertEqual(other.seed, t.seed, "family members share the seed so shorter runs are prefixes")
    }

    /// Pinned: trial ids hash this text, so the quoting of a key or a string value must never change, whichever
    /// path (the whole text copied, or escaped scalar by scalar) produces it.
    func testJSONQuotingOfKeysAndStrings() {
        XCTAssertEqual(ParameterValue.jsonQuoted("latent_dim"), #""latent_dim""#)
        XCTAssertEqual(ParameterValue.jsonQuoted(""), #""""#)
        XCTAssertEqual(ParameterValue.jsonQuoted("größe µ ~\u{7F}"), "\"größe µ ~\u{7F}\"")
        XCTAssertEqual(ParameterValue.jsonQuoted(#"say "hi""#), #""say \"hi\"""#)
        XCTAssertEqual(ParameterValue.jsonQuoted(#"a\b"#), #""a\\b""#)
        XCTAssertEqual(ParameterValue.jsonQuoted("tab\tnew\nline\rx"), #""tab\tnew\nline\rx""#)
        XCTAssertEqual(ParameterValue.jsonQuoted("bell\u{07}é"), #""bell\u0007é""#)
        XCTAssertEqual(ParameterValue.string("relu").canonicalJSON, #""relu""#)
    }

    func testSeedDependsOnParametersAndBaseSeedNotOnIndex() throws {
        let text = "- latent_dim: [2, 4]\n  epochs: [5]\n- latent_dim: [4]\n  epochs: [5]\n  seed: [0, 1]\n"
        let grid = try ParameterGrid.parse(text, source: "g")
        let trials = try (0..<grid.count).map { try TrialConfiguration.make(grid: grid, index: $0, inputSize: 10, baseSeed: 7) }
        XCTAssertEqual(Set(trials.map(\.seed)).count, 4, "latent 2, latent 4, and two repeat seeds all differ")
        XCTAssertEqual(Set(trials.map(\.trialID)).count, 4)
        // The same point at another index (another grid) gets the same seed and id.
        let alone = try trial("latent_dim: [4]\nepochs: [5]", seed: 7)
        XCTAssertEqual(alone.seed, trials[1].seed)
        XCTAssertEqual(alone.trialID, trials[1].trialID)
        XCTAssertNotEqual(try trial("latent_dim: [4]\nepochs: [5]", seed: 8).seed, alone.seed)
        XCTAssertEqual(alone.seed, SeededGenerator.deriveSeed(7, stableHash64(#"{"latent_dim":4}"#)))
    }

    func testMakeRejectsInvalidPointsToo() {
        let point = GridPoint(parameters: [Parameter(key: "latent_dim", value: .int(2)), Parameter(key: "epochs", value: .int(0))])
        XCTAssertThrowsError(try TrialConfiguration.make(point: point, index: 0, inputSize: 4, baseSeed: 1, source: "p")) {
            XCTAssertEqual("\($0)", "p: 'epochs' value 0 is out of range: must be at least 1")
        }
    }
}

final class TrialConfigurationNeuralNetTests: XCTestCase {
    func testChoicesAreNeuralNetsRawValues() {
        XCTAssertEqual(TrialChoices.activations, Activation.allCases.map(\.rawValue))
        XCTAssertEqual(TrialChoices.losses, Loss.allCases.map(\.rawValue))
        for name in TrialChoices.optimizers {
            let point = GridPoint(parameters: [Parameter(key: "epochs", value: .int(1)), Parameter(key: "latent_dim", value: .int(2)),
                                               Parameter(key: "optimizer", value: .string(name))])
            let trial = try? TrialConfiguration.make(point: point, index: 0, inputSize: 3, baseSeed: 0)
            XCTAssertEqual(trial?.training.optimizer.kerasName.lowercased(), name)
        }
    }

    func testArchitectureAndTrainingMapping() throws {
        let grid = try ParameterGrid.parse("""
            encoder_layer1_size: [16]
            latent_dim: [3]
            epochs: [20]
            activation: [tanh]
            output_activation: [linear]
            optimizer: [sgd]
            momentum: [0.5]
            nesterov: [true]
            learning_rate: [0.1]
            batch_size: [8]
            l1: [0.001]
            l2_reg: [0.002]
            dropout: [0.1]
            noise_std: [0.05]
            patience: [3]
            min_delta: [0.01]
            shuffle: [false]
            loss: [binary_crossentropy]
            """, source: "g")
        let trial = try TrialConfiguration.make(grid: grid, index: 0, inputSize: 10, baseSeed: 5)
        let architecture = trial.architecture
        XCTAssertEqual(architecture.layerSizes, [10, 16, 3, 16, 10])
        XCTAssertEqual(architecture.hiddenActivation, .tanh)
        XCTAssertEqual(architecture.outputActivation, .linear)
        XCTAssertEqual(architecture.parameterCount, trial.parameterCount, "the cost estimate counts what NeuralNet builds")
        let training = trial.training
        XCTAssertEqual(training.optimizer, .sgd(learningRate: 0.1, momentum: 0.5, nesterov: true))
        XCTAssertEqual(training.loss, .binaryCrossentropy)
        XCTAssertEqual(training.batchSize, 8)
        XCTAssertEqual(training.epochs, 20)
        XCTAssertEqual(training.l1, 0.001)
        XCTAssertEqual(training.l2, 0.002)
        XCTAssertEqual(training.dropout, 0.1)
        XCTAssertEqual(training.noiseStandardDeviation, 0.05)
        XCTAssertEqual(training.earlyStopping, EarlyStopping(patience: 3, minDelta: 0.01))
        XCTAssertFalse(training.shuffle)
        XCTAssertEqual(training.seed, trial.seed)
        let plain = try TrialConfiguration.make(grid: try ParameterGrid.parse("latent_dim: [4]\nepochs: [2]", source: "g"),
                                                index: 0, inputSize: 10, baseSeed: 1)
        XCTAssertEqual(plain.training.optimizer, .adam(learningRate: 0.001))
        XCTAssertNil(plain.training.earlyStopping)
        XCTAssertEqual(plain.architecture, Architecture(inputSize: 10, encoderUnits: [4]))
    }
}

final class TrialIdentitiesTests: XCTestCase {
    /// The fast ids equal TrialConfiguration's, and the raw-parameter hash for points that are not valid trials.
    func testIdentitiesMatchTrialConfigurationForValidAndInvalidPoints() throws {
        let texts = [
            "latent_dim: [2, 4, 6]\nlearning_rate: [0.01, 1]\nl2_reg: [0, 0.001]\nepochs: [50.0, 100]",
            "- encoder_layer1_size: [8, 16]\n  encoder_layer2_size: [4]\n  epochs: [5]\n  optimizer: [adam, sgd]\n  momentum: [0.0, 0.9]\n"
                + "- encoder_units: [[32, 16]]\n  latent_dim: [3]\n  epochs: [1, 2]\n  activation: [relu, relux]\n  seed: [1, 2]",
            "- latent_dim: [2]\n  learning_rate: [0.1, -1, \"x\"]\n  epochs: [3]\n- learning_rate: [0.1]\n  epochs: [3]\n"
                + "- latent_dim: [2]\n  epochs: [3]\n  l1: [0.1]\n  l1_reg: [0.2]\n- latent_dim: [2]\n  epochs: [3]\n  bogus: [1]",
        ]
        for text in texts {
            let grid = try ParameterGrid.parse(text, source: "g")
            let identities = TrialIdentities(grid: grid)
            var invalid = 0
            for index in 0..<grid.count {
                let expected: String
                if let trial = try? TrialConfiguration.make(grid: grid, index: index, inputSize: 10, baseSeed: 3) {
                    expected = trial.trialID
                } else {
                    expected = hex16(stableHash64(TrialConfiguration.canonicalJSON(grid.point(at: index).parameters)))
                    invalid += 1
                }
                XCTAssertEqual(identities.trialID(at: index), expected, "\(text) point \(index)")
            }
            if text.contains("bogus") { XCTAssertEqual(invalid, 5, "two bad learning rates, no architecture, l1 twice, bogus key") }
        }
    }

    /// In `optimizer: [adam, sgd], momentum: [0, 0.9]` the adam points ignore momentum instead of failing.
    func testMomentumWithMixedOptimizersIsValidPerPoint() throws {
        let grid = try ParameterGrid.parse("latent_dim: [2]\nepochs: [3]\noptimizer: [adam, sgd]\nmomentum: [0.0, 0.9]", source: "g")
        XCTAssertNoThrow(try TrialValidator.validate(grid))
        for index in 0..<grid.count {
            let trial = try TrialConfiguration.make(grid: grid, index: index, inputSize: 10, baseSeed: 1)
            if trial.settings.optimizer == "adam" { XCTAssertEqual(trial.training.optimizer, .adam(learningRate: 0.001)) }
        }
    }
}
