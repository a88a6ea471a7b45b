import Foundation

/// Reads NumPy `.npy` files (format versions 1.0, 2.0 and 3.0).
///
/// Accepted: C-order arrays of float32, float64, int8/16/32/64, uint8/16/32/64 and bool, little- or big-endian.
/// Shape `(n,)` is read as `n` rows of one column; `(n, d)` as `n×d`; `(n, a, b, …)` as `n` rows of `a·b·…`
/// columns (each sample flattened in C order, as for images). Refused with a message: Fortran order, 0-d arrays,
/// object, string, structured, complex and float16 dtypes.
package enum NPYReader {
    package static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    package struct Header: Equatable {
        var type: BinaryElementType
        var shape: [Int]
    }

    /// The largest header accepted. NumPy writes a few dozen bytes (padded to 64 or 4096); its own reader refuses
    /// headers over 10,000 bytes unless told otherwise. A larger claim is a damaged or hostile file.
    package static let maximumHeaderLength = 1 << 20

    /// What a file's header declares: the element type, the table's shape and the bytes the whole file needs.
    package struct Layout {
        var type: BinaryElementType
        var rows: Int
        var columns: Int
        /// Magic, version, length field and header.
        var headerBytes: Int
        /// `headerBytes` + rows × columns × element size: what a well-formed file holds, and no more.
        var totalBytes: Int
    }

    package static func read(_ source: inout ByteSource,
                             limit: LoadLimit? = nil) throws -> (elements: [Float], rows: Int, columns: Int) {
        let layout = try readLayout(&source)
        let elements = try BinaryArrayReader.read(&source, count: layout.rows * layout.columns, type: layout.type,
                                                  columns: layout.columns, format: "NumPy .npy", limit: limit)
        return (elements, layout.rows, layout.columns)
    }

    /// Reads and checks the header, leaving `source` at the first data byte. Every size is checked before it is
    /// used: the header length against `maximumHeaderLength` and the bytes left, the shape's product against
    /// `Int`'s range. The data's size is checked by `BinaryArrayReader.read`.
    package static func readLayout(_ source: inout ByteSource) throws -> Layout {
        let path = source.path
        func malformed(_ reason: String) -> DataError { .malformed(path: path, format: "NumPy .npy", reason: reason) }
        let prefix = try source.readBytes(8)
        guard prefix.count == 8, Array(prefix[0 ..< 6]) == magic else {
            throw malformed("it does not start with the magic string \\x93NUMPY")
        }
        let major = prefix[6]
        let lengthBytes: Int
        switch major {
        case 1: lengthBytes = 2
        case 2, 3: lengthBytes = 4
        default:
            throw DataError.unsupported(path: path, format: "NumPy .npy",
                                        reason: "format version \(major).\(prefix[7]) (1.0, 2.0 and 3.0 are supported)")
        }
        let lengthField = try source.readBytes(lengthBytes)
        guard lengthField.count == lengthBytes else { throw malformed("the header is incomplete") }
        let headerLength = lengthField.reversed().reduce(0) { $0 << 8 | Int($1) }
        guard headerLength <= maximumHeaderLength else {
            throw malformed("the version \(major).\(prefix[7]) header claims \(headerLength) bytes, over the "
                            + "\(maximumHeaderLength)-byte limit (NumPy writes at most a few KB): the file is damaged")
        }
        if let remaining = source.remainingHint, remaining < headerLength {
            throw malformed("the header claims \(headerLength) bytes but only \(remaining) follow: the file is truncated or damaged")
        }
        let headerBytes = try source.readBytes(headerLength)
        guard headerBytes.count == headerLength else {
            throw malformed("the header claims \(headerLength) bytes but only \(headerBytes.count) follow: the file is truncated or damaged")
        }
        // Version 3.0 allows UTF-8 in the header; 1.0 and 2.0 are Latin-1 (ASCII in practice).
        let header = try parseHeader(String(decoding: headerBytes, as: UTF8.self), path: path)

        guard let rows = header.shape.first else {
            throw DataError.unsupported(path: path, format: "NumPy .npy", reason: "a 0-dimensional array (a single scalar) is not a table")
        }
        guard let columns = BinaryArrayReader.product(header.shape.dropFirst()),
              let count = BinaryArrayReader.product([rows, columns]),
              let dataBytes = BinaryArrayReader.product([count, header.type.size]),
              case let (totalBytes, false) = dataBytes.addingReportingOverflow(8 + lengthBytes + headerLength) else {
            throw malformed("the shape \(header.shape) holds more values than can be counted (the product overflows a 64-bit integer)")
        }
        guard rows > 0, columns > 0 else {
            throw DataError.empty(path: path)
        }
        return Layout(type: header.type, rows: rows, columns: columns, headerBytes: 8 + lengthBytes + headerLength,
                      totalBytes: totalBytes)
    }

    /// Parses the header, a Python dict literal such as
    /// `{'descr': '<f4', 'fortran_order': False, 'shape': (60000, 784), }`.
    package static func parseHeader(_ text: String, path: String) throws -> Header {
        func malformed(_ reason: String) -> DataError { .malformed(path: path, format: "NumPy .npy", reason: reason) }
        func unsupported(_ reason: String) -> DataError { .unsupported(path: path, format: "NumPy .npy", reason: reason) }
        func value(of key: String) throws -> Substring {
            for quote in ["'", "\""] {
                if let keyRange = text.range(of: quote + key + quote) {
                    let rest = text[keyRange.upperBound...].drop { $0 == " " }
                    guard rest.first == ":" else { break }
                    return rest.dropFirst().drop { $0 == " " }
                }
            }
            throw malformed("the header has no '\(key)' entry: \(text.trimmingCharacters(in: .whitespacesAndNewlines))")
        }

        let descrText = try value(of: "descr")
        guard let quote = descrText.first, quote == "'" || quote == "\"" else {
            throw unsupported("structured arrays (a dtype with fields) are not supported; save a plain numeric 2-D array")
        }
        let descrBody = descrText.dropFirst()
        guard let close = descrBody.firstIndex(of: quote) else { throw malformed("unterminated 'descr' string") }
        let descr = String(descrBody[..<close])
        let type = try elementType(descr, unsupported: unsupported)

        let fortranText = try value(of: "fortran_order")
        if fortranText.hasPrefix("True") {
            throw unsupported("Fortran-order (column-major) arrays are not supported; save with numpy.ascontiguousarray(x) first")
        }
        guard fortranText.hasPrefix("False") else { throw malformed("'fortran_order' is neither True nor False") }

        let shapeText = try value(of: "shape")
        guard shapeText.first == "(", let end = shapeText.firstIndex(of: ")") else { throw malformed("'shape' is not a tuple") }
        var shape: [Int] = []
        for part in shapeText[shapeText.index(after: shapeText.startIndex) ..< end].split(separator: ",") {
            // The spaces around it (Foundation's `.whitespaces`: Zs, tab and U+200B) and Python 2's long suffix, by
            // hand: Foundation's trimming and replacing cost every process that reads a .npy file a first-use scan.
            var scalars = part.unicodeScalars[...]
            let isSpace = { (scalar: Unicode.Scalar) in
                scalar == "\t" || scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
            }
            while let first = scalars.first, isSpace(first) { scalars.removeFirst() }
            while let last = scalars.last, isSpace(last) { scalars.removeLast() }
            let trimmed = String(String.UnicodeScalarView(scalars.filter { $0 != "L" }))
            if trimmed.isEmpty { continue }
            guard let n = Int(trimmed), n >= 0 else { throw malformed("'shape' entry \"\(trimmed)\" is not a size") }
            shape.append(n)
        }
        return Header(type: type, shape: shape)
    }

    private static func elementType(_ descr: String, unsupported: (String) -> DataError) throws -> BinaryElementType {
        let chars = Array(descr)
        if chars.count >= 2, chars[1] == "O" {
            throw unsupported("object arrays (dtype 'O') are not supported: they hold Python objects, not numbers")
        }
        guard chars.count >= 3, let size = Int(String(chars[2...])) else {
            throw unsupported("dtype '\(descr)' is not supported")
        }
        let bigEndian: Bool
        switch chars[0] {
        case "<", "|": bigEndian = false
        case ">": bigEndian = true
        case "=": bigEndian = 1.bigEndian == 1
        default: throw unsupported("dtype '\(descr)' is not supported")
        }
        let kind: BinaryElementType.Kind
        switch (chars[1], size) {
        case ("f", 4), ("f", 8): kind = .float
        case ("i", 1), ("i", 2), ("i", 4), ("i", 8): kind = .signed
        case ("u", 1), ("u", 2), ("u", 4), ("u", 8): kind = .unsigned
        case ("b", 1): kind = .bool
        default:
            throw unsupported("dtype '\(descr)' is not supported (use float32, float64, int8…int64, uint8…uint64 or bool)")
        }
        return BinaryElementType(kind: kind, size: size, bigEndian: bigEndian)
    }
}
