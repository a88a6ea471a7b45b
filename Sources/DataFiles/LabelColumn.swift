
/// Picks the label column for `aegrid score --labels`.
public enum LabelColumn {
    public enum Failure: Error, CustomStringConvertible {
        case noSuchColumn(path: String, column: String, available: [String])

        public var description: String {
            switch self {
            case let .noSuchColumn(path, column, available):
                return "\(path) has no column '\(column)'; its columns are \(available.joined(separator: ", "))"
            }
        }
    }

    /// The column named `name`, or numbered `name` (0-based), or the first column when `name` is nil.
    public static func select(_ name: String?, in labels: Dataset) throws -> [Double] {
        let matrix = labels.matrix
        let names = labels.columnNames ?? (0 ..< matrix.columns).map(String.init)
        var column = 0
        if let name {
            if let found = labels.columnNames?.firstIndex(of: name) {
                column = found
            } else if let number = Int(name), number >= 0, number < matrix.columns {
                column = number
            } else {
                throw Failure.noSuchColumn(path: labels.path, column: name, available: names)
            }
        }
        return (0 ..< matrix.rows).map { Double(matrix.elements[$0 * matrix.columns + column]) }
    }
}
