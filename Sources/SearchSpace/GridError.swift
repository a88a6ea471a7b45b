import Foundation

/// A mistake in a grid (file or inline JSON), found before any training.
///
/// Every message starts with where the mistake is (`grid.yaml line 3:`; `inline grid line 1:` for `--grid '{…}'`)
/// and names the key and the value, and says what would be accepted.
public enum GridError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// The file could not be read at all.
    case unreadable(source: String, reason: String)
    /// Neither valid JSON nor valid YAML.
    case syntax(source: String, line: Int, column: Int, problem: String)
    /// The document is not a mapping of key → list, or a list of such mappings (or holds a null, a nested map…).
    case structure(source: String, line: Int?, problem: String)
    /// A single value where scikit-learn's `param_grid` requires a list.
    case notAList(source: String, line: Int?, key: String, value: String)
    /// A key whose list of values is empty.
    case emptyList(source: String, line: Int?, key: String)
    /// A key the grid does not know; `suggestion` is the nearest valid key, if one is close.
    case unknownKey(source: String, line: Int?, key: String, suggestion: String?)
    /// A value of the wrong type for its key.
    case wrongType(source: String, line: Int?, key: String, value: String, expected: String)
    /// A value outside its key's range.
    case outOfRange(source: String, line: Int?, key: String, value: String, rule: String)
    /// A value that is not one of its key's choices.
    case invalidChoice(source: String, line: Int?, key: String, value: String, choices: [String])
    /// Keys that do not fit together in one sub-grid (e.g. `encoder_units` with `encoder_layer1_size`, no `epochs`).
    case inconsistent(source: String, line: Int?, problem: String)

    public var description: String {
        switch self {
        case let .unreadable(source, reason):
            return "cannot read grid file '\(source)': \(reason)"
        case let .syntax(source, line, column, problem):
            return "\(source) line \(line), column \(column): not valid JSON or YAML: \(problem)"
        case let .structure(source, line, problem):
            return GridError.at(source, line) + problem
        case let .notAList(source, line, key, value):
            return GridError.at(source, line)
                + "'\(key)' must be a list of values (scikit-learn param_grid), found the single value \(value); "
                + "write [\(value)]"
        case let .emptyList(source, line, key):
            return GridError.at(source, line) + "'\(key)' has an empty list of values; give at least one value"
        case let .unknownKey(source, line, key, suggestion):
            let hint = suggestion.map { "did you mean '\($0)'?" }
                ?? "valid keys: " + GridKeys.documentedNames.joined(separator: ", ")
            return GridError.at(source, line) + "unknown grid key '\(key)'; " + hint
        case let .wrongType(source, line, key, value, expected):
            return GridError.at(source, line) + "'\(key)' value \(value) must be \(expected)"
        case let .outOfRange(source, line, key, value, rule):
            return GridError.at(source, line) + "'\(key)' value \(value) is out of range: \(rule)"
        case let .invalidChoice(source, line, key, value, choices):
            return GridError.at(source, line) + "'\(key)' value \(value) is not one of: "
                + choices.joined(separator: ", ")
        case let .inconsistent(source, line, problem):
            return GridError.at(source, line) + problem
        }
    }

    public var errorDescription: String? { description }

    private static func at(_ source: String, _ line: Int?) -> String {
        line.map { "\(source) line \($0): " } ?? "\(source): "
    }
}
