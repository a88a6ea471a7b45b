import Foundation
import LinearAlgebra
import DurableFiles

/// Writes a matrix as CSV or NumPy `.npy`, chosen by the file's extension, so `numpy.load` / `pandas.read_csv`
/// read the output of `aegrid encode` / `aegrid reconstruct` as is.
public enum MatrixWriter {
    public enum Failure: Error, CustomStringConvertible {
        case unsupportedExtension(path: String)
        case columnNameCount(expected: Int, found: Int)
        case cannotWrite(path: String, reason: String)

        public var description: String {
            switch self {
            case let .unsupportedExtension(path):
                return "\(path): unknown output format; end the file name with .csv or .npy"
            case let .columnNameCount(expected, found):
                return "\(expected) columns but \(found) column names"
            case let .cannotWrite(path, reason):
                return "\(path): cannot write (\(reason))"
            }
        }
    }

    /// Writes `matrix` to `path`: `.npy` as little-endian float32 in C order (format 1.0), `.csv` as a header row
    /// (`columnNames`, or `column_0 …`) then one line per row, each value in Swift's shortest round-trip form.
    public static func write(_ matrix: Matrix, columnNames: [String]? = nil, to path: String) throws {
        let lowered = path.lowercased()
        let data: Data
        if lowered.hasSuffix(".npy") {
            data = npy(matrix)
        } else if lowered.hasSuffix(".csv") {
            let names = columnNames ?? (0 ..< matrix.columns).map { "column_\($0)" }
            guard names.count == matrix.columns else {
                throw Failure.columnNameCount(expected: matrix.columns, found: names.count)
            }
            data = Data(csv(matrix, columnNames: names).utf8)
        } else {
            throw Failure.unsupportedExtension(path: path)
        }
        do {
            try DurableFile.replace(path, with: [UInt8](data))
        } catch let error as DurableFileError {
            throw Failure.cannotWrite(path: path, reason: error.description)
        }
    }

    /// The bytes of a `.npy` file (format version 1.0, dtype `<f4`, C order); the header is padded with spaces to a
    /// multiple of 64 bytes and ends in a newline, as `numpy.save` writes it.
    public static func npy(_ matrix: Matrix) -> Data {
        var header = "{'descr': '<f4', 'fortran_order': False, 'shape': (\(matrix.rows), \(matrix.columns)), }"
        let unpadded = 10 + header.utf8.count + 1
        header += String(repeating: " ", count: (64 - unpadded % 64) % 64) + "\n"
        var data = Data([0x93] + Array("NUMPY".utf8) + [1, 0])
        let length = UInt16(header.utf8.count)
        data.append(contentsOf: [UInt8(length & 0xFF), UInt8(length >> 8)])
        data.append(contentsOf: Array(header.utf8))
        data.reserveCapacity(data.count + matrix.elements.count * 4)
        for value in matrix.elements {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { data.append(contentsOf: $0) }
        }
        return data
    }

    /// CSV text: a header line, then one line per row.
    public static func csv(_ matrix: Matrix, columnNames: [String]) -> String {
        var text = columnNames.joined(separator: ",") + "\n"
        for r in 0 ..< matrix.rows {
            var line = ""
            for c in 0 ..< matrix.columns {
                if c > 0 { line += "," }
                line += "\(matrix.elements[r * matrix.columns + c])"
            }
            text += line + "\n"
        }
        return text
    }
}
