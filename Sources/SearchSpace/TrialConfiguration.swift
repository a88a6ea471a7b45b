import Foundation
import NeuralNet
import LinearAlgebra

/// Everything one trial trains with, resolved from a grid point and the defaults (no NeuralNet types: see
/// TrialConfiguration+NeuralNet.swift for the mapping to `Architecture` and `TrainingConfiguration`).
///
/// Defaults for keys a grid leaves out: activation `relu`, output_activation `sigmoid`, loss `mse`, optimizer
/// `adam`, learning_rate 0.001 (Keras's default), momentum 0, nesterov false, batch_size 32, l1 = l2 = 0,
/// dropout 0, noise_std 0, no early stopping (patience absent), min_delta 0, shuffle true. `epochs` and an
/// architecture key are required.
public struct TrialSettings: Hashable, Codable, Sendable {
    /// Encoder layer sizes, the last one being the latent (bottleneck) size.
    public var encoderUnits: [Int]
    public var activation: String = "relu"
    public var outputActivation: String = "sigmoid"
    public var loss: String = "mse"
    public var optimizer: String = "adam"
    public var learningRate: Double = 0.001
    public var momentum: Double = 0
    public var nesterov: Bool = false
    public var batchSize: Int = 32
    public var epochs: Int
    public var l1: Double = 0
    public var l2: Double = 0
    public var dropout: Double = 0
    public var noiseStandardDeviation: Double = 0
    /// Early-stopping patience in epochs; nil = no early stopping.
    public var patience: Int?
    public var minDelta: Double = 0
    public var shuffle: Bool = true

    public init(encoderUnits: [Int], epochs: Int) {
        self.encoderUnits = encoderUnits
        self.epochs = epochs
    }
}

/// One trial of a grid: the grid point's canonical parameters, the resolved settings, a stable identity and a seed.
///
/// **Architecture rule.** The encoder is the hidden layer sizes followed by `latent_dim` when given:
/// `encoder_units: [[64, 32]]` or `encoder_layer1_size: 64, encoder_layer2_size: 32` give the layers before the
/// bottleneck; with `latent_dim: 8` the encoder is [64, 32, 8]; without `latent_dim` the last listed size is the
/// bottleneck (the seed's grid 2: layer1 × layer2 → 10→l1→l2→l1→10). `latent_dim` alone gives 10→latent→10. The
/// decoder mirrors the encoder without the bottleneck. `encoder_units` and `encoder_layerK_size` are exclusive, and
/// layer keys must run 1, 2, … without gaps.
///
/// **Identity.** `parameters` are the point's keys in canonical form (aliases `l1_reg`/`l2_reg` renamed `l1`/`l2`,
/// numbers typed by key, sorted). `trialID` hashes their canonical JSON; `familyKey` hashes all of them but
/// `epochs`, so trials that differ only in epochs form a family trained once. The training seed is
/// `SeededGenerator.deriveSeed(baseSeed, hash(family canonical JSON))`: it depends on every parameter (including a
/// `seed` key, which is how a grid repeats a configuration) except `epochs` — family members must share it for the
/// shorter runs to be prefixes of the longest — and never on the trial's index or scheduling.
public struct TrialConfiguration: Sendable, Equatable {
    /// Global index of the point in the grid.
    public let index: Int
    /// Canonical parameters, keys sorted.
    public let parameters: [Parameter]
    public let settings: TrialSettings
    public let inputSize: Int
    /// 16 hex digits: the hash of `canonicalParameters`.
    public let trialID: String
    /// 16 hex digits: the hash of the canonical parameters without `epochs`.
    public let familyKey: String
    /// The seed for weights, shuffling, dropout and noise.
    public let seed: UInt64
    /// Layer sizes [input, encoder…, decoder…, input].
    public let layerSizes: [Int]
    /// Weights and biases of all Dense layers: Σ (in·out + out).
    public let parameterCount: Int
    /// epochs × training samples × parameterCount: the runner's and the shards' cost estimate (relative units).
    public let estimatedCost: Double
    /// `{"epochs":50,"latent_dim":2,…}`: the canonical JSON of `parameters`.
    public let canonicalParameters: String

    /// Resolves grid point `point` (global index `index`) for data with `inputSize` features.
    /// `trainingSamples` only scales `estimatedCost`. Throws `GridError` for an invalid point.
    public static func make(point: GridPoint, index: Int, inputSize: Int, baseSeed: UInt64,
                            trainingSamples: Int = 1, source: String = "grid") throws -> TrialConfiguration {
        var canonical: [Parameter] = []
        for parameter in point.parameters {
            guard let spec = GridKeys.spec(for: parameter.key) else {
                throw GridError.unknownKey(source: source, line: nil, key: parameter.key,
                                           suggestion: GridKeys.nearest(to: parameter.key))
            }
            let value = try GridKeys.canonicalValue(parameter.value, key: parameter.key, kind: spec.kind,
                                                    source: source, line: nil)
            if canonical.contains(where: { $0.key == spec.canonicalName }) {
                throw GridError.inconsistent(source: source, line: nil,
                                             problem: "'\(spec.canonicalName)' is given twice (once under an alias)")
            }
            canonical.append(Parameter(key: spec.canonicalName, value: value))
        }
        canonical.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
        try TrialValidator.checkKeySet(Set(point.parameters.map(\.key)), values: { key in point[key].map { [$0] } ?? [] },
                                       source: source, line: nil, subGridLabel: "", checkOptimizerUse: false)
        let settings = try resolve(canonical, source: source)
        // Layer sizes are each within range; their products, summed, may still pass Int's range.
        let encoder = settings.encoderUnits
        if checkedParameterCount([inputSize] + encoder + encoder.dropLast().reversed() + [inputSize]) == nil {
            let widest = canonical.filter { GridKeys.spec(for: $0.key)?.kind == .layerSize || $0.key == "encoder_units" }
                .max { ($0.value.layerSizeValues?.max() ?? 0) < ($1.value.layerSizeValues?.max() ?? 0) }
            throw GridError.outOfRange(source: source, line: nil, key: widest?.key ?? "latent_dim",
                                       value: widest?.value.canonicalJSON ?? "\(encoder)",
                                       rule: "a network \(inputSize)→\(encoder.map(String.init).joined(separator: "→"))→… "
                                           + "on \(inputSize) input columns has more weights than a 64-bit integer counts")
        }
        return TrialConfiguration(index: index, parameters: canonical, settings: settings, inputSize: inputSize,
                                  baseSeed: baseSeed, trainingSamples: trainingSamples)
    }

    /// The trial at `index` of `grid`.
    public static func make(grid: ParameterGrid, index: Int, inputSize: Int, baseSeed: UInt64,
                            trainingSamples: Int = 1) throws -> TrialConfiguration {
        try make(point: grid.point(at: index), index: index, inputSize: inputSize, baseSeed: baseSeed,
                 trainingSamples: trainingSamples, source: grid.source)
    }

    package init(index: Int, parameters: [Parameter], settings: TrialSettings, inputSize: Int, baseSeed: UInt64,
         trainingSamples: Int) {
        self.index = index
        self.parameters = parameters
        self.settings = settings
        self.inputSize = inputSize
        let json = TrialConfiguration.canonicalJSON(parameters)
        let familyJSON = TrialConfiguration.canonicalJSON(parameters.filter { $0.key != "epochs" })
        canonicalParameters = json
        trialID = hex16(stableHash64(json))
        let familyHash = stableHash64(familyJSON)
        familyKey = hex16(familyHash)
        seed = SeededGenerator.deriveSeed(baseSeed, familyHash)
        let encoder = settings.encoderUnits
        layerSizes = [inputSize] + encoder + encoder.dropLast().reversed() + [inputSize]
        parameterCount = zip(layerSizes, layerSizes.dropFirst()).reduce(0) { $0 + $1.0 * $1.1 + $1.1 }
        estimatedCost = Double(settings.epochs) * Double(max(trainingSamples, 1)) * Double(parameterCount)
    }

    /// Canonical JSON of parameters: `{"key":value,…}` in the given order, no spaces.
    public static func canonicalJSON(_ parameters: [Parameter]) -> String {
        // One buffer, appended to: every trial's id and family are hashes of this text, built for each trial
        // several times a search.
        var out = "{"
        for (position, parameter) in parameters.enumerated() {
            if position > 0 { out += "," }
            out += ParameterValue.jsonQuoted(parameter.key)
            out += ":"
            out += parameter.value.canonicalJSON
        }
        out += "}"
        return out
    }

    /// The value of canonical key `key`, if the point sets it.
    public subscript(key: String) -> ParameterValue? {
        parameters.first { $0.key == key }?.value
    }

    package static func resolve(_ parameters: [Parameter], source: String) throws -> TrialSettings {
        var values: [String: ParameterValue] = [:]
        for parameter in parameters { values[parameter.key] = parameter.value }
        func int(_ key: String) -> Int? { if case .int(let v)? = values[key] { return v }; return nil }
        func double(_ key: String) -> Double? { values[key]?.numericValue }
        func string(_ key: String) -> String? { if case .string(let v)? = values[key] { return v }; return nil }
        func bool(_ key: String) -> Bool? { if case .bool(let v)? = values[key] { return v }; return nil }

        var hidden: [Int] = []
        if case .intList(let units)? = values["encoder_units"] { hidden = units }
        var layer = 1
        while let size = int("encoder_layer\(layer)_size") {
            hidden.append(size)
            layer += 1
        }
        let encoder = hidden + (int("latent_dim").map { [$0] } ?? [])
        guard !encoder.isEmpty, let epochs = int("epochs") else {
            // checkKeySet reports these with better context; this guards direct use.
            throw GridError.inconsistent(source: source, line: nil, problem: "a trial needs epochs and an architecture key")
        }
        var settings = TrialSettings(encoderUnits: encoder, epochs: epochs)
        if let v = string("activation") { settings.activation = v }
        if let v = string("output_activation") { settings.outputActivation = v }
        if let v = string("loss") { settings.loss = v }
        if let v = string("optimizer") { settings.optimizer = v }
        if let v = double("learning_rate") { settings.learningRate = v }
        if let v = double("momentum") { settings.momentum = v }
        if let v = bool("nesterov") { settings.nesterov = v }
        if let v = int("batch_size") { settings.batchSize = v }
        if let v = double("l1") { settings.l1 = v }
        if let v = double("l2") { settings.l2 = v }
        if let v = double("dropout") { settings.dropout = v }
        if let v = double("noise_std") { settings.noiseStandardDeviation = v }
        if let v = int("patience") { settings.patience = v }
        if let v = double("min_delta") { settings.minDelta = v }
        if let v = bool("shuffle") { settings.shuffle = v }
        return settings
    }
}

/// Whole-grid validation: every sub-grid's keys and value lists are checked once, before any training, so a
/// mistake in point 10^5 is reported at start, not hours in. O(total list lengths), independent of the grid size.
public enum TrialValidator {
    /// Throws the first `GridError` of `grid` (unknown key, wrong type, out of range, bad choice, inconsistent keys).
    public static func validate(_ grid: ParameterGrid) throws {
        for (subIndex, subGrid) in grid.subGrids.enumerated() {
            let label = grid.subGrids.count > 1 ? "sub-grid \(subIndex + 1): " : ""
            for (position, key) in subGrid.keys.enumerated() {
                let line = subGrid.keyLines[position] ?? subGrid.line
                guard let spec = GridKeys.spec(for: key) else {
                    throw GridError.unknownKey(source: grid.source, line: line, key: key,
                                               suggestion: GridKeys.nearest(to: key))
                }
                for value in subGrid.values[position] {
                    _ = try GridKeys.canonicalValue(value, key: key, kind: spec.kind, source: grid.source, line: line)
                }
            }
            try checkKeySet(Set(subGrid.keys), values: { subGrid.values(of: $0) ?? [] }, source: grid.source,
                            line: subGrid.line, subGridLabel: label)
        }
    }

    /// The rules about which keys go together, for one sub-grid (or one point): an architecture, `epochs`, no
    /// alias twice, contiguous layer keys, no encoder_units with layer keys, min_delta only with patience, and
    /// (`checkOptimizerUse`, for whole sub-grids) momentum/nesterov only when some optimizer of the sub-grid uses
    /// them. A single point is not refused for momentum with adam: in `optimizer: [adam, sgd], momentum: [0, 0.9]`
    /// the adam points simply ignore momentum, as scikit-learn grids expect.
    package static func checkKeySet(_ keys: Set<String>, values: (String) -> [ParameterValue], source: String, line: Int?,
                            subGridLabel label: String, checkOptimizerUse: Bool = true) throws {
        func fail(_ problem: String) -> GridError { .inconsistent(source: source, line: line, problem: label + problem) }
        let layerNumbers = keys.compactMap(GridKeys.layerNumber(of:)).sorted()
        if !layerNumbers.isEmpty && keys.contains("encoder_units") {
            throw fail("give the hidden layers either as encoder_units or as encoder_layerK_size keys, not both")
        }
        for (expected, number) in zip(1..., layerNumbers) where number != expected {
            throw fail("encoder_layer\(number)_size is given but encoder_layer\(expected)_size is not; "
                       + "layer keys must run 1, 2, … without gaps")
        }
        if !keys.contains("latent_dim") && !keys.contains("encoder_units") && layerNumbers.isEmpty {
            throw fail("no architecture: give latent_dim, encoder_units or encoder_layer1_size, …")
        }
        if !keys.contains("epochs") {
            throw fail("no 'epochs': give a list of epoch counts, e.g. epochs: [50, 100]")
        }
        for (alias, name) in [("l1_reg", "l1"), ("l2_reg", "l2")] where keys.contains(alias) && keys.contains(name) {
            throw fail("'\(alias)' and '\(name)' are the same setting; keep one of them")
        }
        if keys.contains("min_delta") && !keys.contains("patience") {
            throw fail("'min_delta' only matters with early stopping; add 'patience'")
        }
        guard checkOptimizerUse else { return }
        let optimizers = keys.contains("optimizer") ? values("optimizer").map(\.description) : ["adam"]
        if keys.contains("momentum") && !optimizers.contains(where: { $0 == "sgd" || $0 == "rmsprop" }) {
            throw fail("'momentum' only affects the sgd and rmsprop optimizers, and this grid uses "
                       + Set(optimizers).sorted().joined(separator: ", "))
        }
        if keys.contains("nesterov") && !optimizers.contains("sgd") {
            throw fail("'nesterov' only affects the sgd optimizer, and this grid uses "
                       + Set(optimizers).sorted().joined(separator: ", "))
        }
    }
}
