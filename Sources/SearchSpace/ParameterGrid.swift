import Foundation

/// One key and its value in a grid point.
public struct Parameter: Hashable, Sendable, Codable {
    public var key: String
    public var value: ParameterValue

    public init(key: String, value: ParameterValue) {
        self.key = key
        self.value = value
    }
}

/// One point of a grid: its keys in scikit-learn's sorted order, each with one value.
public struct GridPoint: Hashable, Sendable {
    /// Which sub-grid (0-based, in file order) the point comes from.
    public var subGridIndex: Int
    /// The point's parameters, keys sorted (code-point order, as Python's `sorted`).
    public var parameters: [Parameter]

    public init(subGridIndex: Int = 0, parameters: [Parameter]) {
        self.subGridIndex = subGridIndex
        self.parameters = parameters
    }

    /// The value of `key`, or nil when the point does not set it.
    public subscript(key: String) -> ParameterValue? {
        parameters.first { $0.key == key }?.value
    }
}

/// A hyperparameter grid with scikit-learn's `ParameterGrid` semantics, enumerated lazily.
///
/// A grid is a mapping of key → list of values, or a list of such mappings ("sub-grids"). Points are enumerated
/// exactly as scikit-learn does: sub-grid by sub-grid in order; within a sub-grid the keys sorted and the
/// Cartesian product taken with the LAST key varying fastest. An empty mapping contributes one empty point.
/// `count` and `point(at:)` are O(number of keys): a grid of 10^6 points holds only its value lists.
public struct ParameterGrid: Sendable, Equatable {
    /// One mapping of key → values, keys sorted.
    public struct SubGrid: Sendable, Equatable {
        /// Keys in enumeration order (sorted by code point).
        public let keys: [String]
        /// `values[i]` are the values of `keys[i]`, in file order; never empty.
        public let values: [[ParameterValue]]
        /// The file line of each key (nil for grids built in code).
        public let keyLines: [Int?]
        /// The file line of the sub-grid's start (nil for grids built in code).
        public let line: Int?
        /// Number of points: the product of the list lengths (1 for an empty mapping).
        public let count: Int

        /// The values of `key`, or nil when the sub-grid does not have it.
        public func values(of key: String) -> [ParameterValue]? {
            keys.firstIndex(of: key).map { values[$0] }
        }

        /// The line of `key` in the grid file, if known.
        public func line(of key: String) -> Int? {
            keys.firstIndex(of: key).flatMap { keyLines[$0] } ?? line
        }

        /// Equal when keys and values are (file lines do not matter).
        public static func == (lhs: SubGrid, rhs: SubGrid) -> Bool {
            lhs.keys == rhs.keys && lhs.values == rhs.values
        }

        /// For each key, the number of consecutive indices a value stays fixed (last key: 1).
        public var strides: [Int] {
            var strides = [Int](repeating: 1, count: keys.count)
            var stride = 1
            for position in keys.indices.reversed() {
                strides[position] = stride
                stride *= values[position].count
            }
            return strides
        }

        /// The point at `index` within this sub-grid (0 ..< count): the value indices per key.
        public func valueIndices(at index: Int) -> [Int] {
            var rest = index
            var digits = [Int](repeating: 0, count: keys.count)
            for position in keys.indices.reversed() {
                let length = values[position].count
                digits[position] = rest % length
                rest /= length
            }
            return digits
        }
    }

    /// Where the grid came from, as messages name it (a file path, or "inline grid").
    public let source: String
    public let subGrids: [SubGrid]
    /// Total number of points over all sub-grids.
    public let count: Int
    /// `offsets[s]` is the global index of sub-grid `s`'s first point.
    private let offsets: [Int]

    /// A grid from sub-grids given as key → values. Throws `GridError` for an empty list or an overflowing size.
    public init(_ subGrids: [[String: [ParameterValue]]], source: String = "grid") throws {
        let entries = subGrids.map { mapping in
            mapping.map { (key: $0.key, line: Int?.none, values: $0.value) }
        }
        try self.init(source: source, entries: entries, lines: subGrids.map { _ in nil })
    }

    package init(source: String, entries: [[(key: String, line: Int?, values: [ParameterValue])]], lines: [Int?]) throws {
        var built: [SubGrid] = []
        var offsets: [Int] = []
        var total = 0
        for (subIndex, mapping) in entries.enumerated() {
            let sorted = mapping.sorted { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }
            var size = 1
            for entry in sorted {
                if entry.values.isEmpty {
                    throw GridError.emptyList(source: source, line: entry.line ?? lines[subIndex], key: entry.key)
                }
                let (product, overflow) = size.multipliedReportingOverflow(by: entry.values.count)
                if overflow {
                    throw GridError.structure(source: source, line: lines[subIndex],
                                              problem: "the grid has more than \(Int.max) points")
                }
                size = product
            }
            offsets.append(total)
            let (sum, overflow) = total.addingReportingOverflow(size)
            if overflow {
                throw GridError.structure(source: source, line: lines[subIndex],
                                          problem: "the grid has more than \(Int.max) points")
            }
            total = sum
            built.append(SubGrid(keys: sorted.map(\.key), values: sorted.map(\.values),
                                 keyLines: sorted.map(\.line), line: lines[subIndex], count: size))
        }
        self.source = source
        self.subGrids = built
        self.offsets = offsets
        self.count = total
    }

    /// The sub-grid holding global point `index`, and the index within it.
    public func locate(_ index: Int) -> (subGrid: Int, local: Int) {
        precondition(index >= 0 && index < count, "grid point index \(index) out of range 0..<\(count)")
        // Binary search for the last sub-grid whose offset is ≤ index (every sub-grid holds at least one point).
        var low = 0, high = offsets.count - 1
        while low < high {
            let mid = (low + high + 1) / 2
            if offsets[mid] <= index { low = mid } else { high = mid - 1 }
        }
        return (low, index - offsets[low])
    }

    /// The global index of a sub-grid's first point.
    public func offset(ofSubGrid subGrid: Int) -> Int { offsets[subGrid] }

    /// The point at global `index` (0 ..< count), in scikit-learn's order. O(number of keys).
    public func point(at index: Int) -> GridPoint {
        let (subIndex, local) = locate(index)
        let subGrid = subGrids[subIndex]
        let digits = subGrid.valueIndices(at: local)
        var parameters: [Parameter] = []
        parameters.reserveCapacity(subGrid.keys.count)
        for position in subGrid.keys.indices {
            parameters.append(Parameter(key: subGrid.keys[position], value: subGrid.values[position][digits[position]]))
        }
        return GridPoint(subGridIndex: subIndex, parameters: parameters)
    }

    /// The grid as canonical JSON: a list of sub-grids, keys sorted, values in canonical form, no spaces.
    public var canonicalJSON: String {
        "[" + subGrids.map { subGrid in
            "{" + subGrid.keys.indices.map { position in
                ParameterValue.jsonQuoted(subGrid.keys[position]) + ":["
                    + subGrid.values[position].map(\.canonicalJSON).joined(separator: ",") + "]"
            }.joined(separator: ",") + "}"
        }.joined(separator: ",") + "]"
    }

    /// A stable hash of `canonicalJSON` (16 hex digits): equal for grids that enumerate the same points.
    public var fingerprint: String { hex16(stableHash64(canonicalJSON)) }

    public static func == (lhs: ParameterGrid, rhs: ParameterGrid) -> Bool {
        lhs.subGrids == rhs.subGrids
    }
}
