
/// A problem with a data file or with how data is split or scaled. Every message names the file and, where there
/// is one, the line and column (1-based), and says what was expected.
public enum DataError: Error, Equatable, CustomStringConvertible {
    /// The file cannot be opened or read (`reason` is the system's, e.g. "No such file or directory").
    case unreadable(path: String, reason: String)
    /// The file has no bytes, or only blank lines.
    case empty(path: String)
    /// A CSV file whose only non-blank line is its header.
    case headerOnly(path: String)
    /// A CSV row with a different number of values from the first row (or from the header).
    case ragged(path: String, line: Int, expected: Int, found: Int, againstHeader: Bool)
    /// A CSV cell that is not a number.
    case nonNumeric(path: String, line: Int, column: Int, columnName: String?, text: String)
    /// A CSV cell with nothing in it (a missing value).
    case emptyCell(path: String, line: Int, column: Int, columnName: String?)
    /// A CSV cell that is NaN or infinite.
    case nonFiniteCell(path: String, line: Int, column: Int, columnName: String?, text: String)
    /// A binary (`.npy`, IDX) value that is NaN or infinite; `row` and `column` are 1-based.
    /// `widened`: the file held wider floats (float64), which may be finite there and infinite as Float.
    case nonFiniteValue(path: String, row: Int, column: Int, value: Float, widened: Bool = false)
    /// A CSV line with an opening `"` and no closing one.
    case unterminatedQuote(path: String, line: Int)
    /// A file whose content does not follow its format (bad magic, malformed header…).
    case malformed(path: String, format: String, reason: String)
    /// A valid file of a kind AEGrid does not load (Fortran order, object or structured arrays, complex…).
    case unsupported(path: String, format: String, reason: String)
    /// A binary file shorter than its header promises.
    case truncated(path: String, format: String, expectedBytes: Int, actualBytes: Int)
    /// Data that needs more memory than the budget allows (`what` says which part: its values, its inflated bytes).
    case overBudget(path: String, what: String, limit: Int, limitDescription: String)
    /// Training and test data with different numbers of columns.
    case widthMismatch(trainPath: String, trainColumns: Int, testPath: String, testColumns: Int)
    /// An impossible split request (bad test fraction, too few rows, bad fold count).
    case invalidSplit(String)
    /// A stored scaler that cannot be decoded or does not fit the data.
    case invalidScaler(String)

    public var description: String {
        switch self {
        case .unreadable(let path, let reason):
            return "\(path): cannot read the file: \(reason)"
        case .empty(let path):
            return "\(path): the file is empty (no data rows)"
        case .headerOnly(let path):
            return "\(path): the file has a header line but no data rows"
        case .ragged(let path, let line, let expected, let found, let againstHeader):
            let rule = againstHeader ? " (one per header name)" : ""
            return "\(path) line \(line): expected \(expected) values\(rule), found \(found)"
        case .nonNumeric(let path, let line, let column, let name, let text):
            return "\(path) line \(line), \(columnLabel(column, name)): \"\(text)\" is not a number"
        case .emptyCell(let path, let line, let column, let name):
            return "\(path) line \(line), \(columnLabel(column, name)): empty cell (missing values are not supported)"
        case .nonFiniteCell(let path, let line, let column, let name, let text):
            let cell = "\(path) line \(line), \(columnLabel(column, name)): \"\(text)\""
            if let number = Double(text), number.isFinite {
                // Finite as written, infinite as the 32-bit float AEGrid trains on.
                return cell + " is too large for a 32-bit float, which AEGrid reads data "
                    + "as (at most ±3.4028235e38): rescale that column"
            }
            return cell + " is not finite (NaN and infinity are not allowed)"
        case .nonFiniteValue(let path, let row, let column, let value, let widened):
            if widened && value.isInfinite {
                return "\(path): row \(row), column \(column) is infinite, or beyond the 32-bit floats AEGrid reads "
                    + "data as (at most ±3.4028235e38): rescale that column (NaN and infinity are not allowed)"
            }
            return "\(path): row \(row), column \(column) is \(value) (NaN and infinity are not allowed)"
        case .unterminatedQuote(let path, let line):
            return "\(path) line \(line): a quoted field has no closing quote (fields cannot span lines)"
        case .malformed(let path, let format, let reason):
            return "\(path): not a valid \(format) file: \(reason)"
        case .unsupported(let path, let format, let reason):
            return "\(path): unsupported \(format) file: \(reason)"
        case .truncated(let path, let format, let expected, let actual):
            return "\(path): truncated \(format) file: the header promises \(expected) bytes of data, found \(actual)"
        case .overBudget(let path, let what, let limit, let limitDescription):
            return "\(path): \(what) would take more than \(ByteCount.format(limit)), the memory budget "
                + "(\(limitDescription)); give a larger --max-memory, or use a smaller file"
        case .widthMismatch(let trainPath, let trainColumns, let testPath, let testColumns):
            return "\(testPath) has \(testColumns) columns but the training data \(trainPath) has \(trainColumns); both must have the same columns"
        case .invalidSplit(let message), .invalidScaler(let message):
            return message
        }
    }
}

private func columnLabel(_ column: Int, _ name: String?) -> String {
    if let name { return "column \(column) (\"\(name)\")" }
    return "column \(column)"
}
