import Foundation
import DataFiles
import LinearAlgebra
import NeuralNet
import SearchSpace

/// Compares what each trial's output layer can produce with the (scaled) training data it must reconstruct, before
/// any training.
///
/// An autoencoder's output activation bounds its reconstructions: a sigmoid output (the seed's, and the default for
/// Keras parity) produces only (0, 1), so on standardized data, which lies mostly outside it, every trial is far worse
/// than PCA and nothing else says why. The check counts the training values (every fold's training part, scaled as
/// the trials see it) outside each output activation's range; when more than `warningShare` of them are, it gives
/// one warning per such activation. `binary_crossentropy` is undefined for targets outside [0, 1]: a trial that uses
/// it on such data is refused (`OutputRangeError`) before the results directory is touched.
public struct OutputRangeCheck: Sendable {
    /// A share of training values above this, outside the output's range, gives a warning (1 %: min-max scaled
    /// training data is inside [0, 1] exactly; standardized data is about half outside).
    public static let warningShare = 0.01

    /// The trials per output activation and the trials per loss, as the grid's points name them.
    private var activations: [String: Int] = [:]
    private var bceTrials = 0
    private var bceExample: Int?

    public init() {}

    /// Counts one validated trial.
    public mutating func add(_ trial: TrialConfiguration) {
        activations[trial.settings.outputActivation, default: 0] += 1
        if trial.settings.loss == Loss.binaryCrossentropy.rawValue {
            bceTrials += 1
            if bceExample == nil { bceExample = trial.index }
        }
    }

    /// The warnings for the counted trials on `folds` (scaled by `scaling`), in activation-name order; throws
    /// `OutputRangeError` when a trial uses `binary_crossentropy` and training values lie outside [0, 1].
    public func warnings(folds: [EvaluationFold], scaling: Scaling) throws -> [String] {
        let values = ValueRange(folds.map(\.training))
        guard values.count > 0 else { return [] }
        if bceTrials > 0 {
            let outside = values.countOutside(lower: 0, upper: 1)
            if outside > 0 {
                throw OutputRangeError.binaryCrossentropyOutsideUnitInterval(
                    trials: bceTrials, firstIndex: bceExample ?? 0, share: Double(outside) / Double(values.count),
                    minimum: values.minimum, maximum: values.maximum, scaling: scaling)
            }
        }
        var lines: [String] = []
        let total = activations.values.reduce(0, +)
        for (name, trials) in activations.sorted(by: { $0.key < $1.key }) {
            guard let activation = Activation(rawValue: name) else { continue }
            let range = activation.outputRange
            let outside = values.countOutside(lower: range.lower, upper: range.upper)
            let share = Double(outside) / Double(values.count)
            guard share > Self.warningShare else { continue }
            lines.append(Self.warning(activation: activation, trials: trials, of: total, share: share,
                                      minimum: values.minimum, maximum: values.maximum, scaling: scaling))
        }
        return lines
    }

    /// The text of one warning (without a `warning:` prefix), on one line.
    static func warning(activation: Activation, trials: Int, of total: Int, share: Double, minimum: Float,
                        maximum: Float, scaling: Scaling) -> String {
        let range = activation.outputRange
        var remedies = ["add \"output_activation\": [\"linear\"] to the grid"]
        if scaling != .minmax && range.lower <= 0 && range.upper >= 1 { remedies.append("use --scale minmax") }
        let counted = trials == total ? "all \(total)" : "\(trials) of \(total)"
        return "output_activation \(activation.rawValue) (\(counted) trial\(total == 1 ? "" : "s")) can only produce "
            + "values in \(range.text), but \(percent(share)) of the training values (scaled: \(scaling.rawValue)) lie "
            + "outside it (they range from \(number(minimum)) to \(number(maximum))): those trials cannot reconstruct "
            + "them and usually score far worse than PCA. To fix: " + remedies.joined(separator: ", or ") + "."
    }

    static func percent(_ share: Double) -> String {
        share >= 0.1 ? String(format: "%.0f %%", share * 100) : String(format: "%.1f %%", share * 100)
    }

    static func number(_ value: Float) -> String { String(format: "%.3g", Double(value)) }
}

/// A trial whose loss is undefined on its data, found before training.
public enum OutputRangeError: Error, Equatable, CustomStringConvertible, LocalizedError {
    case binaryCrossentropyOutsideUnitInterval(trials: Int, firstIndex: Int, share: Double, minimum: Float,
                                               maximum: Float, scaling: Scaling)

    public var description: String {
        switch self {
        case let .binaryCrossentropyOutsideUnitInterval(trials, firstIndex, share, minimum, maximum, scaling):
            return "loss binary_crossentropy (\(trials) trial\(trials == 1 ? "" : "s"), the first at grid index "
                + "\(firstIndex)) needs targets in [0, 1], but \(OutputRangeCheck.percent(share)) of the training "
                + "values (scaled: \(scaling.rawValue)) lie outside it (they range from "
                + "\(OutputRangeCheck.number(minimum)) to \(OutputRangeCheck.number(maximum))); binary cross-entropy "
                + "is undefined there. Use --scale minmax, or \"loss\": [\"mse\"]"
        }
    }

    public var errorDescription: String? { description }
}

extension Activation {
    /// The closed interval an output layer with this activation can produce (approached at its ends), for the
    /// output range check. `gelu`'s minimum is x·Φ(x) at x ≈ −0.7518.
    var outputRange: (lower: Float, upper: Float, text: String) {
        switch self {
        case .linear, .leakyRelu: return (-.infinity, .infinity, "(−∞, ∞)")
        case .sigmoid: return (0, 1, "(0, 1)")
        case .tanh: return (-1, 1, "(−1, 1)")
        case .relu: return (0, .infinity, "[0, ∞)")
        case .elu: return (-1, .infinity, "(−1, ∞)")
        case .gelu: return (-0.17, .infinity, "[−0.17, ∞)")
        }
    }
}

/// The values of some matrices, for counting those outside an interval.
private struct ValueRange {
    let matrices: [Matrix]
    let count: Int
    let minimum: Float
    let maximum: Float

    init(_ matrices: [Matrix]) {
        self.matrices = matrices
        count = matrices.reduce(0) { $0 + $1.elements.count }
        var low = Float.infinity, high = -Float.infinity
        for matrix in matrices {
            for value in matrix.elements {
                low = min(low, value)
                high = max(high, value)
            }
        }
        minimum = low
        maximum = high
    }

    func countOutside(lower: Float, upper: Float) -> Int {
        if lower <= minimum && maximum <= upper { return 0 }
        var outside = 0
        for matrix in matrices {
            for value in matrix.elements where value < lower || value > upper { outside += 1 }
        }
        return outside
    }
}
