import Foundation
import LinearAlgebra

/// One value a grid key takes: what a grid file may hold in a key's list.
///
/// `canonicalJSON` is the one text form used for trial identities, fingerprints and reports: integers as
/// digits, doubles in Swift's shortest round-trip form (`0.01`, `1e-05`, `100.0`), strings JSON-quoted, `true` /
/// `false`, integer lists as `[8,4]` without spaces. Two values are the same trial parameter exactly when their
/// canonical JSON is equal.
public enum ParameterValue: Hashable, Sendable, CustomStringConvertible {
    case int(Int)
    case double(Double)
    case string(String)
    case bool(Bool)
    case intList([Int])

    /// The canonical JSON text of the value (see the type's documentation).
    public var canonicalJSON: String {
        switch self {
        case .int(let value): return String(value)
        case .double(let value): return ParameterValue.canonicalDouble(value)
        case .string(let value): return ParameterValue.jsonQuoted(value)
        case .bool(let value): return value ? "true" : "false"
        case .intList(let values): return "[" + values.map(String.init).joined(separator: ",") + "]"
        }
    }

    /// How the value reads in a message or a table: like `canonicalJSON`, but strings unquoted.
    public var description: String {
        if case .string(let value) = self { return value }
        return canonicalJSON
    }

    /// The value as a Double when it is a number (an `int` widens), else nil.
    public var numericValue: Double? {
        switch self {
        case .int(let value): return Double(value)
        case .double(let value): return value
        default: return nil
        }
    }

    /// A short name of the value's type for error messages ("an integer", "a string", …).
    package var typeDescription: String {
        switch self {
        case .int: return "an integer"
        case .double: return "a number"
        case .string: return "a string"
        case .bool: return "a boolean"
        case .intList: return "a list of integers"
        }
    }

    package static func canonicalDouble(_ value: Double) -> String {
        // Swift's description is the shortest text that round-trips; it is valid JSON for finite values.
        value.description
    }

    package static func jsonQuoted(_ text: String) -> String {
        // Grid keys and values almost never need escaping: then the text is copied whole, not scalar by scalar (a
        // search quotes every key of every trial several times over).
        if text.utf8.allSatisfy({ $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") }) {
            return "\"" + text + "\""
        }
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out += String(format: "\\u%04x", scalar.value)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

// MARK: - Codable: the natural JSON form (number, string, boolean, array of numbers)

extension ParameterValue: Codable {
    public init(from decoder: Decoder) throws {
        let container = try decoder.singleValueContainer()
        if let value = try? container.decode(Bool.self) {
            self = .bool(value)
        } else if let value = try? container.decode(Int.self) {
            self = .int(value)
        } else if let value = try? container.decode(Double.self) {
            self = .double(value)
        } else if let value = try? container.decode(String.self) {
            self = .string(value)
        } else if let value = try? container.decode([Int].self) {
            self = .intList(value)
        } else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "expected a number, string, boolean or list of integers")
        }
    }

    public func encode(to encoder: Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .int(let value): try container.encode(value)
        case .double(let value): try container.encode(value)
        case .string(let value): try container.encode(value)
        case .bool(let value): try container.encode(value)
        case .intList(let values): try container.encode(values)
        }
    }
}

/// A stable 64-bit hash of text (FNV-1a over UTF-8, then a SplitMix64 finaliser for avalanche).
///
/// Stable across runs, machines and Swift versions (unlike `Hasher`), so it may name trials on disk.
public func stableHash64(_ text: String) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in text.utf8 {
        hash ^= UInt64(byte)
        hash = hash &* 0x0000_0100_0000_01B3
    }
    var state = hash
    return SeededGenerator.splitMix64(&state)
}

/// `value` as 16 lower-case hexadecimal digits.
package func hex16(_ value: UInt64) -> String {
    let digits = String(value, radix: 16)
    return String(repeating: "0", count: 16 - digits.count) + digits
}
