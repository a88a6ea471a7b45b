
/// Reads IDX files, the format of MNIST and Fashion-MNIST (`train-images-idx3-ubyte`, usually gzipped).
///
/// Layout: two zero bytes, a type code, the number of dimensions `k`, then `k` big-endian UInt32 sizes, then the
/// values, big-endian, in C order. Type codes: 0x08 uint8, 0x09 int8, 0x0B int16, 0x0C int32, 0x0D float32,
/// 0x0E float64. The first dimension is the sample count; the others are flattened into columns
/// (`60000×28×28` → `60000×784`); a 1-D file (labels) is one column. Values are loaded as they are stored
/// (pixels stay 0…255): scaling is `--scale`'s job.
package enum IDXReader {
    package static func elementType(code: UInt8) -> BinaryElementType? {
        switch code {
        case 0x08: return BinaryElementType(kind: .unsigned, size: 1, bigEndian: true)
        case 0x09: return BinaryElementType(kind: .signed, size: 1, bigEndian: true)
        case 0x0B: return BinaryElementType(kind: .signed, size: 2, bigEndian: true)
        case 0x0C: return BinaryElementType(kind: .signed, size: 4, bigEndian: true)
        case 0x0D: return BinaryElementType(kind: .float, size: 4, bigEndian: true)
        case 0x0E: return BinaryElementType(kind: .float, size: 8, bigEndian: true)
        default: return nil
        }
    }

    /// True when the file starts like an IDX file: two zero bytes (which no text file does). The type code and
    /// dimension count are checked by `read`, so a damaged header gets an IDX error, not a CSV one.
    package static func looksLikeIDX(_ head: [UInt8]) -> Bool {
        head.count >= 2 && head[0] == 0 && head[1] == 0
    }

    /// True for MNIST-style file names: `idx` followed by a digit (`train-images-idx3-ubyte`, `labels.idx1`) or
    /// the extension `.idx`, unless the name ends in a text extension.
    package static func hasIDXName(_ fileName: String) -> Bool {
        let name = fileName.lowercased()
        if [".csv", ".tsv", ".txt", ".dat"].contains(where: name.hasSuffix) { return false }
        if name.hasSuffix(".idx") { return true }
        let chars = Array(name)
        guard chars.count >= 4 else { return false }
        for i in 0 ..< chars.count - 3 where chars[i] == "i" && chars[i + 1] == "d" && chars[i + 2] == "x" && chars[i + 3].isNumber {
            return true
        }
        return false
    }

    package static func read(_ source: inout ByteSource,
                             limit: LoadLimit? = nil) throws -> (elements: [Float], rows: Int, columns: Int) {
        let layout = try readLayout(&source)
        let elements = try BinaryArrayReader.read(&source, count: layout.rows * layout.columns, type: layout.type,
                                                  columns: layout.columns, format: "IDX", limit: limit)
        return (elements, layout.rows, layout.columns)
    }

    /// Reads and checks the header, leaving `source` at the first data byte (see `NPYReader.Layout`). The
    /// dimensions' product is checked against `Int`'s range; the data's size by `BinaryArrayReader.read`.
    package static func readLayout(_ source: inout ByteSource) throws -> NPYReader.Layout {
        let path = source.path
        func malformed(_ reason: String) -> DataError { .malformed(path: path, format: "IDX", reason: reason) }
        let magic = try source.readBytes(4)
        guard magic.count == 4, magic[0] == 0, magic[1] == 0 else {
            throw malformed("it does not start with the IDX magic number (two zero bytes, type, dimensions)")
        }
        guard let type = elementType(code: magic[2]) else {
            throw DataError.unsupported(path: path, format: "IDX",
                                        reason: "type code 0x\(String(magic[2], radix: 16)) (known: 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)")
        }
        let dimensionCount = Int(magic[3])
        guard dimensionCount >= 1 else { throw malformed("it declares 0 dimensions") }
        let sizeBytes = try source.readBytes(4 * dimensionCount)
        guard sizeBytes.count == 4 * dimensionCount else {
            throw malformed("the header declares \(dimensionCount) dimensions but ends after \(sizeBytes.count / 4)")
        }
        let shape = (0 ..< dimensionCount).map { d in
            sizeBytes[4 * d ..< 4 * d + 4].reduce(0) { $0 << 8 | Int($1) }
        }
        let rows = shape[0]
        let headerBytes = 4 + 4 * dimensionCount
        guard let columns = BinaryArrayReader.product(shape.dropFirst()),
              let count = BinaryArrayReader.product([rows, columns]),
              let dataBytes = BinaryArrayReader.product([count, type.size]),
              case let (totalBytes, false) = dataBytes.addingReportingOverflow(headerBytes) else {
            throw malformed("the dimensions \(shape) hold more values than can be counted (the product overflows a 64-bit integer)")
        }
        guard rows > 0, columns > 0 else { throw DataError.empty(path: path) }
        return NPYReader.Layout(type: type, rows: rows, columns: columns, headerBytes: headerBytes, totalBytes: totalBytes)
    }
}
