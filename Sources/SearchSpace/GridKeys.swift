import Foundation

/// The keys a grid may use, their types, ranges and defaults: the table docs/grids.md documents.
package enum GridKeys {
    /// What values a key accepts.
    package enum Kind: Equatable {
        case positiveInteger            // ≥ 1
        case layerSize                  // 1 … TrialConfiguration.maximumLayerUnits
        case nonNegativeInteger         // ≥ 0
        case positiveNumber             // > 0, finite
        case nonNegativeNumber          // ≥ 0, finite
        case unitInterval               // [0, 1)
        case choice([String])
        case boolean
        case layerSizes                 // a list of integers ≥ 1, e.g. [64, 32]
    }

    package struct Spec {
        /// The name reports and trial identities use (aliases map to it).
        let canonicalName: String
        let kind: Kind
    }

    /// Names in the order docs and "valid keys" messages list them; aliases included.
    package static let documentedNames = [
        "latent_dim", "encoder_units", "encoder_layer1_size", "encoder_layer2_size", "activation", "output_activation",
        "loss", "optimizer", "learning_rate", "momentum", "nesterov", "batch_size", "epochs", "l1", "l1_reg", "l2",
        "l2_reg", "dropout", "noise_std", "patience", "min_delta", "shuffle", "seed",
    ]

    package static let specs: [String: Spec] = [
        "latent_dim": Spec(canonicalName: "latent_dim", kind: .layerSize),
        "encoder_units": Spec(canonicalName: "encoder_units", kind: .layerSizes),
        "activation": Spec(canonicalName: "activation", kind: .choice(TrialChoices.activations)),
        "output_activation": Spec(canonicalName: "output_activation", kind: .choice(TrialChoices.activations)),
        "loss": Spec(canonicalName: "loss", kind: .choice(TrialChoices.losses)),
        "optimizer": Spec(canonicalName: "optimizer", kind: .choice(TrialChoices.optimizers)),
        "learning_rate": Spec(canonicalName: "learning_rate", kind: .positiveNumber),
        "momentum": Spec(canonicalName: "momentum", kind: .unitInterval),
        "nesterov": Spec(canonicalName: "nesterov", kind: .boolean),
        "batch_size": Spec(canonicalName: "batch_size", kind: .positiveInteger),
        "epochs": Spec(canonicalName: "epochs", kind: .positiveInteger),
        "l1": Spec(canonicalName: "l1", kind: .nonNegativeNumber),
        "l1_reg": Spec(canonicalName: "l1", kind: .nonNegativeNumber),
        "l2": Spec(canonicalName: "l2", kind: .nonNegativeNumber),
        "l2_reg": Spec(canonicalName: "l2", kind: .nonNegativeNumber),
        "dropout": Spec(canonicalName: "dropout", kind: .unitInterval),
        "noise_std": Spec(canonicalName: "noise_std", kind: .nonNegativeNumber),
        "patience": Spec(canonicalName: "patience", kind: .nonNegativeInteger),
        "min_delta": Spec(canonicalName: "min_delta", kind: .nonNegativeNumber),
        "shuffle": Spec(canonicalName: "shuffle", kind: .boolean),
        "seed": Spec(canonicalName: "seed", kind: .nonNegativeInteger),
    ]

    /// The layer number `K` of a key `encoder_layerK_size` (K ≥ 1), else nil.
    package static func layerNumber(of key: String) -> Int? {
        guard key.hasPrefix("encoder_layer"), key.hasSuffix("_size") else { return nil }
        let digits = key.dropFirst("encoder_layer".count).dropLast("_size".count)
        guard !digits.isEmpty, digits.allSatisfy(\.isASCII), digits.allSatisfy(\.isNumber), digits.first != "0",
              let number = Int(digits), number >= 1 else { return nil }
        return number
    }

    package static func spec(for key: String) -> Spec? {
        if let spec = specs[key] { return spec }
        if layerNumber(of: key) != nil { return Spec(canonicalName: key, kind: .layerSize) }
        return nil
    }

    /// The valid key closest to `key` by edit distance, when close enough to be a likely misspelling.
    package static func nearest(to key: String) -> String? {
        let lowered = key.lowercased()
        if spec(for: lowered) != nil { return lowered }
        var best: (name: String, distance: Int)?
        for name in documentedNames {
            let distance = editDistance(lowered, name)
            if best == nil || distance < best!.distance { best = (name, distance) }
        }
        guard let best else { return nil }
        // A third of the name's length, at least 2: "learning_rat" → learning_rate, "foo" → nothing.
        return best.distance <= max(2, best.name.count / 3) ? best.name : nil
    }

    /// Levenshtein distance over Unicode scalars.
    package static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars), b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let substitution = previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)
                current[j] = min(previous[j] + 1, current[j - 1] + 1, substitution)
            }
            swap(&previous, &current)
        }
        return previous[b.count]
    }

    /// Checks one value against its key's kind and returns it in canonical form (integers widen to doubles for
    /// number keys; integral doubles narrow to integers for integer keys).
    package static func canonicalValue(_ value: ParameterValue, key: String, kind: Kind, source: String,
                               line: Int?) throws -> ParameterValue {
        func wrongType(_ expected: String) -> GridError {
            .wrongType(source: source, line: line, key: key, value: value.canonicalJSON,
                       expected: "\(expected) (found \(value.typeDescription))")
        }
        func outOfRange(_ rule: String) -> GridError {
            .outOfRange(source: source, line: line, key: key, value: value.canonicalJSON, rule: rule)
        }
        let tooWide = "a layer can have at most \(TrialConfiguration.maximumLayerUnits) units (the largest "
            + "dimension a matrix product takes), and one that wide needs terabytes"
        switch kind {
        case .positiveInteger, .nonNegativeInteger, .layerSize:
            let integer: Int
            switch value {
            case .int(let v): integer = v
            case .double(let v) where v == v.rounded() && abs(v) < 1e15: integer = Int(v)
            default: throw wrongType("an integer")
            }
            if (kind == .positiveInteger || kind == .layerSize) && integer < 1 { throw outOfRange("must be at least 1") }
            if kind == .layerSize && integer > TrialConfiguration.maximumLayerUnits { throw outOfRange(tooWide) }
            if kind == .nonNegativeInteger && integer < 0 { throw outOfRange("must be at least 0") }
            return .int(integer)
        case .positiveNumber, .nonNegativeNumber, .unitInterval:
            guard let number = value.numericValue else { throw wrongType("a number") }
            switch kind {
            case .positiveNumber where number <= 0: throw outOfRange("must be greater than 0")
            case .nonNegativeNumber where number < 0: throw outOfRange("must be at least 0")
            case .unitInterval where !(number >= 0 && number < 1): throw outOfRange("must be in [0, 1)")
            // Training takes these as 32-bit floats: a value they cannot hold would fail every trial it is in.
            // (One `where` per case: in `case .a, .b where c` the clause guards `.b` alone.)
            case .positiveNumber where !Float(number).isFinite, .nonNegativeNumber where !Float(number).isFinite:
                throw outOfRange("training uses 32-bit floats, which hold at most \(Float.greatestFiniteMagnitude)")
            case .positiveNumber where Float(number) == 0:
                throw outOfRange("it rounds to 0 in the 32-bit floats training uses (the smallest is "
                                 + "\(Float.leastNonzeroMagnitude))")
            default: return .double(number)
            }
        case .choice(let choices):
            guard case .string(let text) = value else { throw wrongType("one of \(choices.joined(separator: ", "))") }
            guard choices.contains(text) else {
                throw GridError.invalidChoice(source: source, line: line, key: key, value: "'\(text)'", choices: choices)
            }
            return value
        case .boolean:
            guard case .bool = value else { throw wrongType("true or false") }
            return value
        case .layerSizes:
            guard case .intList(let sizes) = value else {
                throw wrongType("a list of layer sizes such as [64, 32]; write [[64, 32]] for one encoder")
            }
            if sizes.isEmpty { throw outOfRange("must list at least one layer size") }
            if sizes.contains(where: { $0 < 1 }) { throw outOfRange("every layer size must be at least 1") }
            if sizes.contains(where: { $0 > TrialConfiguration.maximumLayerUnits }) { throw outOfRange(tooWide) }
            return value
        }
    }
}
