import Foundation
import DataFiles
import Yams

/// Reading grids from a JSON or YAML file, or from inline JSON text (`--grid '{"latent_dim": [2, 4]}'`).
///
/// JSON is read by the YAML parser (JSON is YAML's flow style), so both give the same values and line numbers.
/// Scalars are typed by one rule for both formats: quoted → string; `true`/`false` → boolean; an integer literal
/// → integer; any other number (`0.01`, `1e-3`) → double; anything else unquoted → string. Null values, nested
/// mappings and non-finite numbers are refused with the key and line.
extension ParameterGrid {
    /// Reads the grid named by a `--grid` argument: inline JSON when it starts with `{` or `[`, else a file path.
    public static func load(argument: String) throws -> ParameterGrid {
        try GridDocument(argument: argument).grid()
    }

    /// Reads a grid file (`.json`, `.yaml`, `.yml` or any other name: the content decides).
    public static func load(path: String) throws -> ParameterGrid {
        let text = try readText(path: path)
        return try parse(text, source: path)
    }

    /// The most bytes a grid file may hold: a grid of millions of points is a few short lists, and a pipe
    /// (`--grid <(make-grid)`) or a device must not be read without end.
    static let maximumFileBytes = 16 << 20

    /// A grid file's text; `GridError.unreadable` when it cannot be read, is larger than `maximumFileBytes` or is
    /// not UTF-8. Read through `ByteSource`, as data files are: a pipe works, a directory and the system's reasons
    /// are named, and no more than the limit (plus one chunk) is held whatever the file is.
    static func readText(path: String) throws -> String {
        let read: [UInt8]?
        do {
            read = try ByteSource.readWhole(path, limit: maximumFileBytes)
        } catch DataError.unreadable(_, let reason) {
            throw GridError.unreadable(source: path, reason: reason)
        }
        guard let bytes = read else {
            throw GridError.unreadable(source: path, reason: "it holds more than \(maximumFileBytes >> 20) MB, and a "
                                       + "grid is a few lists of values")
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw GridError.unreadable(source: path, reason: "not UTF-8 text")
        }
        return text
    }

    /// Parses grid text (JSON or YAML); `source` names it in error messages.
    public static func parse(_ text: String, source: String) throws -> ParameterGrid {
        try parse(root: try compose(text, source: source), source: source)
    }

    /// The YAML (or JSON) document of grid text, or nil when it is empty.
    ///
    /// The encoding is named: Yams's default reads the whole environment on every call and, when
    /// `YAMS_DEFAULT_ENCODING` is set, prints a line to standard output, into what `aegrid` prints.
    static func compose(_ text: String, source: String) throws -> Node? {
        do {
            return try Yams.compose(yaml: text, .basic, .default, .utf8)
        } catch let error as YamlError {
            throw GridFileReader.syntaxError(error, source: source)
        }
    }

    /// The grid a composed document describes.
    static func parse(root: Node?, source: String) throws -> ParameterGrid {
        guard let root else {
            throw GridError.structure(source: source, line: nil, problem: "the grid is empty; give a mapping of key to "
                                      + "list of values, e.g. {\"latent_dim\": [2, 4]}")
        }
        let reader = GridFileReader(source: source)
        switch root {
        case .mapping(let mapping):
            return try ParameterGrid(source: source, entries: [reader.entries(of: mapping)], lines: [mapping.mark?.line])
        case .sequence(let sequence):
            if sequence.isEmpty {
                throw GridError.structure(source: source, line: sequence.mark?.line,
                                          problem: "the grid is an empty list; give at least one mapping of key to list of values")
            }
            var entries: [[(key: String, line: Int?, values: [ParameterValue])]] = []
            var lines: [Int?] = []
            for (position, node) in sequence.enumerated() {
                guard case .mapping(let mapping) = node else {
                    throw GridError.structure(source: source, line: node.mark?.line,
                                              problem: "sub-grid \(position + 1) must be a mapping of key to list of values, "
                                              + "found \(GridFileReader.kind(of: node))")
                }
                entries.append(try reader.entries(of: mapping))
                lines.append(mapping.mark?.line)
            }
            return try ParameterGrid(source: source, entries: entries, lines: lines)
        default:
            throw GridError.structure(source: source, line: root.mark?.line,
                                      problem: "a grid must be a mapping of key to list of values, or a list of such mappings; "
                                      + "found \(GridFileReader.kind(of: root))")
        }
    }
}

/// A `--grid` argument read and composed once, to be parsed as a plain grid and, when that fails because a key holds
/// a distribution, as a space with distributions (`ParameterSpace`), without reading or parsing the text again.
package struct GridDocument {
    let root: Node?
    package let source: String

    /// Reads the argument as `ParameterGrid.load(argument:)` does: inline JSON when it starts with `{` or `[`, else
    /// a file path.
    package init(argument: String) throws {
        let trimmed = trimmingWhitespace(argument)
        if trimmed.hasPrefix("{") || trimmed.hasPrefix("[") {
            source = "inline grid"
            root = try ParameterGrid.compose(trimmed, source: source)
        } else {
            source = argument
            root = try ParameterGrid.compose(try ParameterGrid.readText(path: argument), source: source)
        }
    }

    /// The document as a plain grid (lists of values only).
    package func grid() throws -> ParameterGrid { try ParameterGrid.parse(root: root, source: source) }

    /// The document as a space whose keys may hold distributions.
    package func space() throws -> ParameterSpace { try ParameterSpace.parse(root: root, source: source) }
}

/// Turns YAML nodes into grid entries with the typing rule documented on `ParameterGrid.parse`.
package struct GridFileReader {
    package let source: String

    package func entries(of mapping: Node.Mapping) throws -> [(key: String, line: Int?, values: [ParameterValue])] {
        var seen: Set<String> = []
        var result: [(key: String, line: Int?, values: [ParameterValue])] = []
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                throw GridError.structure(source: source, line: keyNode.mark?.line,
                                          problem: "grid keys must be names, found \(GridFileReader.kind(of: keyNode))")
            }
            let key = keyScalar.string
            let line = keyNode.mark?.line
            if !seen.insert(key).inserted {
                throw GridError.structure(source: source, line: line, problem: "key '\(key)' appears twice in one mapping")
            }
            switch valueNode {
            case .sequence(let sequence):
                if sequence.isEmpty { throw GridError.emptyList(source: source, line: line, key: key) }
                do {
                    result.append((key, line, try sequence.map { try value(of: $0, key: key) }))
                } catch where GridKeys.spec(for: key) == nil {
                    // A misspelt key is the mistake to name, not the shape of values no key would take.
                    throw GridError.unknownKey(source: source, line: line, key: key,
                                               suggestion: GridKeys.nearest(to: key))
                }
            case .scalar:
                let shown = (try? value(of: valueNode, key: key))?.canonicalJSON ?? "null"
                throw GridError.notAList(source: source, line: line, key: key, value: shown)
            default:
                throw GridError.structure(source: source, line: line,
                                          problem: "'\(key)' must be a list of values, found \(GridFileReader.kind(of: valueNode))")
            }
        }
        return result
    }

    /// One list element: a scalar, or a list of integers (an `encoder_units` entry).
    package func value(of node: Node, key: String) throws -> ParameterValue {
        switch node {
        case .scalar(let scalar):
            return try Self.scalarValue(scalar, key: key, source: source)
        case .sequence(let sequence):
            var integers: [Int] = []
            for element in sequence {
                guard case .scalar(let scalar) = element,
                      case .int(let integer) = try Self.scalarValue(scalar, key: key, source: source) else {
                    throw GridError.wrongType(source: source, line: element.mark?.line, key: key,
                                              value: Self.shown(element), expected: "an integer inside a list of layer sizes")
                }
                integers.append(integer)
            }
            return .intList(integers)
        default:
            throw GridError.wrongType(source: source, line: node.mark?.line, key: key, value: Self.shown(node),
                                      expected: "a number, a string, a boolean or a list of integers (found a mapping)")
        }
    }

    package static func scalarValue(_ scalar: Node.Scalar, key: String, source: String) throws -> ParameterValue {
        let text = scalar.string
        if scalar.style != .plain { return .string(text) }
        switch text {
        case "true", "True", "TRUE": return .bool(true)
        case "false", "False", "FALSE": return .bool(false)
        case "", "~", "null", "Null", "NULL":
            throw GridError.wrongType(source: source, line: scalar.mark?.line, key: key, value: "null",
                                      expected: "a value (found null)")
        default: break
        }
        if let integer = Int(text) { return .int(integer) }
        if text.first.map({ $0.isNumber || $0 == "-" || $0 == "+" || $0 == "." }) == true, let number = Double(text) {
            guard number.isFinite else {
                throw GridError.outOfRange(source: source, line: scalar.mark?.line, key: key, value: text,
                                           rule: "must be a finite number")
            }
            return .double(number)
        }
        if [".inf", "-.inf", "+.inf", ".nan", ".NaN", ".Inf", "nan", "NaN", "inf", "Infinity", "-Infinity"].contains(text) {
            throw GridError.outOfRange(source: source, line: scalar.mark?.line, key: key, value: text,
                                       rule: "must be a finite number")
        }
        return .string(text)
    }

    /// A node as the user wrote it, in flow style (`[2,[3]]`, `{a: 1}`), cut short with `…` after about
    /// `shownLimit` characters: a value in an error message. The walk stops there, so an alias-built list that
    /// would expand to millions of elements costs no more than a short one.
    package static func shown(_ node: Node) -> String {
        var text = ""
        appendShown(node, to: &text)
        return text.count > shownLimit ? String(text.prefix(shownLimit)) + "…" : text
    }

    static let shownLimit = 60

    private static func appendShown(_ node: Node, to text: inout String) {
        guard text.count <= shownLimit else { return }
        switch node {
        case .scalar(let scalar):
            text += scalar.string
        case .sequence(let sequence):
            text += "["
            for (i, element) in sequence.enumerated() {
                guard text.count <= shownLimit else { return }
                if i > 0 { text += "," }
                appendShown(element, to: &text)
            }
            text += "]"
        case .mapping(let mapping):
            text += "{"
            for (i, pair) in mapping.enumerated() {
                guard text.count <= shownLimit else { return }
                if i > 0 { text += ", " }
                appendShown(pair.key, to: &text)
                text += ": "
                appendShown(pair.value, to: &text)
            }
            text += "}"
        default:
            text += "an alias"
        }
    }

    package static func kind(of node: Node) -> String {
        switch node {
        case .scalar(let scalar): return "the single value \(scalar.string)"
        case .sequence: return "a list"
        case .mapping: return "a mapping"
        default: return "an alias"
        }
    }

    package static func syntaxError(_ error: YamlError, source: String) -> GridError {
        // Yams reports duplicate keys itself; they are a structure mistake, not a syntax one.
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            let full = (context.map { "\($0.text) " } ?? "") + problem
            return .syntax(source: source, line: mark.line, column: mark.column, problem: full)
        case let .duplicatedKeysInMapping(duplicates, context):
            let keys = duplicates.sorted().map { "'\($0)'" }.joined(separator: ", ")
            return .structure(source: source, line: context.mark.line,
                              problem: "key \(keys) appears twice in one mapping")
        case let .reader(problem, _, _, _):
            return .syntax(source: source, line: 1, column: 1, problem: problem)
        default:
            return .syntax(source: source, line: 1, column: 1, problem: error.description)
        }
    }
}
