import Foundation

/// The trial id of every point of a grid, from canonical texts prepared once per value: what `status` and `merge`
/// need for each point of a huge grid, without building a `TrialConfiguration` per point.
///
/// `trialID(at:)` equals `TrialConfiguration.make(…).trialID`; for a point that is not a valid configuration it is
/// the hash of the point's parameters as given (`canonicalJSON(point.parameters)`), the id under which a runner
/// records such a point as failed.
public struct TrialIdentities: Sendable {
    private struct SubGrid: Sendable {
        /// False when the sub-grid's key set is not a valid configuration (every point gets its raw id).
        let validKeys: Bool
        /// Sub-grid key positions in the order of their canonical names.
        let canonicalOrder: [Int]
        /// `"name":` for each key position, canonical name.
        let canonicalPrefixes: [String]
        /// Canonical JSON of each value, nil where the value is invalid for its key.
        let canonicalValues: [[String?]]
        /// `"key":` and value JSON as given, for raw ids.
        let rawPrefixes: [String]
        let rawValues: [[String]]
    }

    private let grid: ParameterGrid
    private let subGrids: [SubGrid]

    public init(grid: ParameterGrid) {
        self.grid = grid
        subGrids = grid.subGrids.map { subGrid in
            let specs = subGrid.keys.map(GridKeys.spec(for:))
            let names = zip(subGrid.keys, specs).map { key, spec in spec?.canonicalName ?? key }
            var validKeys = !specs.contains { $0 == nil } && Set(names).count == names.count
            if validKeys {
                do {
                    try TrialValidator.checkKeySet(Set(subGrid.keys), values: { _ in [] }, source: "", line: nil,
                                                   subGridLabel: "", checkOptimizerUse: false)
                } catch {
                    validKeys = false
                }
            }
            let canonicalValues: [[String?]] = subGrid.keys.indices.map { position in
                guard let spec = specs[position] else { return subGrid.values[position].map { _ in nil } }
                return subGrid.values[position].map { value in
                    (try? GridKeys.canonicalValue(value, key: subGrid.keys[position], kind: spec.kind, source: "",
                                                  line: nil))?.canonicalJSON
                }
            }
            return SubGrid(
                validKeys: validKeys,
                canonicalOrder: subGrid.keys.indices.sorted { names[$0].utf8.lexicographicallyPrecedes(names[$1].utf8) },
                canonicalPrefixes: names.map { ParameterValue.jsonQuoted($0) + ":" },
                canonicalValues: canonicalValues,
                rawPrefixes: subGrid.keys.map { ParameterValue.jsonQuoted($0) + ":" },
                rawValues: subGrid.values.map { $0.map(\.canonicalJSON) })
        }
    }

    /// The id of global point `index`. O(number of keys).
    public func trialID(at index: Int) -> String {
        let (subIndex, local) = grid.locate(index)
        let subGrid = subGrids[subIndex]
        let digits = grid.subGrids[subIndex].valueIndices(at: local)
        if subGrid.validKeys {
            var text = "{"
            var valid = true
            for (n, position) in subGrid.canonicalOrder.enumerated() {
                guard let value = subGrid.canonicalValues[position][digits[position]] else {
                    valid = false
                    break
                }
                if n > 0 { text += "," }
                text += subGrid.canonicalPrefixes[position] + value
            }
            if valid { return hex16(stableHash64(text + "}")) }
        }
        var text = "{"
        for position in digits.indices {
            if position > 0 { text += "," }
            text += subGrid.rawPrefixes[position] + subGrid.rawValues[position][digits[position]]
        }
        return hex16(stableHash64(text + "}"))
    }
}
