import Foundation
import LinearAlgebra
import Yams

/// A grid file whose number keys may be distributions (`learning_rate: {loguniform: [1e-4, 1e-1]}`), for a
/// randomized search. Sub-grids keep their lists; the distributions sit beside them.
public struct ParameterSpace: Sendable {
    public struct SubGrid: Sendable {
        /// The sub-grid without its distribution keys.
        public var lists: [(key: String, line: Int?, values: [ParameterValue])]
        public var distributions: [(key: String, line: Int?, distribution: Distribution)]
        public var line: Int?
    }

    public let source: String
    public let subGrids: [SubGrid]

    /// Whether any sub-grid has a distribution (else the file is a plain grid).
    public var hasDistributions: Bool { subGrids.contains { !$0.distributions.isEmpty } }

    /// Reads a `--grid` argument allowing distributions. Throws `GridError` as `ParameterGrid.load` does.
    public static func load(argument: String) throws -> ParameterSpace {
        try GridDocument(argument: argument).space()
    }

    package static func parse(_ text: String, source: String) throws -> ParameterSpace {
        try parse(root: try ParameterGrid.compose(text, source: source), source: source)
    }

    /// The space a composed grid document describes.
    static func parse(root: Node?, source: String) throws -> ParameterSpace {
        let mappings: [Node.Mapping]
        switch root {
        case .mapping(let mapping)?: mappings = [mapping]
        case .sequence(let sequence)?:
            // Every element must be a sub-grid, as `ParameterGrid.parse` requires: none is skipped silently.
            mappings = try sequence.enumerated().map { position, node in
                guard case .mapping(let mapping) = node else {
                    throw GridError.structure(source: source, line: node.mark?.line,
                                              problem: "sub-grid \(position + 1) must be a mapping of key to list of "
                                                  + "values, found \(GridFileReader.kind(of: node))")
                }
                return mapping
            }
        default: mappings = []
        }
        let reader = GridFileReader(source: source)
        return ParameterSpace(source: source, subGrids: try mappings.map { mapping in
            var lists: [(key: String, line: Int?, values: [ParameterValue])] = []
            var distributions: [(key: String, line: Int?, distribution: Distribution)] = []
            for (keyNode, valueNode) in mapping {
                guard case .scalar(let keyScalar) = keyNode else { continue }
                let key = keyScalar.string, line = keyNode.mark?.line
                if case .mapping(let inner) = valueNode {
                    guard inner.count == 1, let (nameNode, boundsNode) = inner.first.map({ ($0.key, $0.value) }),
                          case .scalar(let name) = nameNode, case .sequence(let bounds) = boundsNode else {
                        throw GridError.structure(source: source, line: line, problem: "'\(key)': a distribution is one of "
                                                  + "\(Distribution.names.joined(separator: ", ")) with [low, high], e.g. {loguniform: [0.0001, 0.1]}")
                    }
                    let values = try bounds.map { try reader.value(of: $0, key: key) }
                    distributions.append((key, line, try Distribution.make(name: name.string, bounds: values, key: key,
                                                                           source: source, line: line)))
                } else {
                    var single = Node.Mapping([])
                    single[keyNode] = valueNode
                    lists += try reader.entries(of: single)
                }
            }
            return SubGrid(lists: lists, distributions: distributions, line: mapping.mark?.line)
        })
    }

    /// The space with `epochs` set to `[epochs]` everywhere (successive halving's candidates).
    package func settingEpochs(_ epochs: Int) -> ParameterSpace {
        ParameterSpace(source: source, subGrids: subGrids.map { subGrid in
            var copy = subGrid
            copy.lists.removeAll { $0.key == "epochs" }
            copy.distributions.removeAll { $0.key == "epochs" }
            copy.lists.append((key: "epochs", line: subGrid.line, values: [.int(epochs)]))
            return copy
        })
    }

    /// Validates every list value and every distribution's extreme values against their keys' rules, and each
    /// sub-grid's key set, with the file's lines: a grid where every distribution is replaced by its two extremes.
    package func validate() throws {
        try TrialValidator.validate(try extremesGrid())
        for subGrid in subGrids {
            for (key, line, _) in subGrid.distributions {
                guard let spec = GridKeys.spec(for: key) else { continue }
                switch spec.kind {
                case .positiveInteger, .layerSize, .nonNegativeInteger, .positiveNumber, .nonNegativeNumber, .unitInterval: break
                default:
                    throw GridError.structure(source: source, line: line,
                                              problem: "'\(key)' is not a number key: give its values as a list")
                }
            }
        }
    }

    package func extremesGrid() throws -> ParameterGrid {
        try ParameterGrid(source: source, entries: subGrids.map { subGrid in
            subGrid.lists + subGrid.distributions.map { (key: $0.key, line: $0.line, values: $0.distribution.extremes) }
        }, lines: subGrids.map(\.line))
    }

    /// scikit-learn's `ParameterSampler` with distributions: `count` draws WITH replacement; each picks a sub-grid
    /// uniformly, then, keys sorted, a uniform element of each list or a draw of each distribution. The points, as a
    /// grid of single-point sub-grids in draw order.
    package func sample(count: Int, seed: UInt64) throws -> ParameterGrid {
        var generator = SeededGenerator(seed: SeededGenerator.deriveSeed(seed, ParameterSampler.stream))
        var entries: [[(key: String, line: Int?, values: [ParameterValue])]] = []
        var lines: [Int?] = []
        for _ in 0 ..< count {
            let subGrid = subGrids[ParameterSampler.uniform(below: subGrids.count, using: &generator)]
            var keyed: [(key: String, line: Int?, draw: (inout SeededGenerator) -> ParameterValue)] = []
            for (key, line, values) in subGrid.lists {
                keyed.append((key, line, { values[ParameterSampler.uniform(below: values.count, using: &$0)] }))
            }
            for (key, line, distribution) in subGrid.distributions {
                keyed.append((key, line, { distribution.sample(using: &$0) }))
            }
            keyed.sort { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            entries.append(keyed.map { (key: $0.key, line: $0.line, values: [$0.draw(&generator)]) })
            lines.append(subGrid.line)
        }
        return try ParameterGrid(source: source, entries: entries, lines: lines)
    }
}
