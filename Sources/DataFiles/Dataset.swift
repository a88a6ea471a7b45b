import LinearAlgebra

/// How a dataset was stored.
public enum DataFormat: Equatable, Sendable, CustomStringConvertible {
    /// Delimited text; `header` says whether the first line held column names.
    case csv(delimiter: CSVDelimiter, header: Bool)
    /// NumPy `.npy`.
    case npy
    /// IDX (MNIST).
    case idx
    /// Built in memory, not loaded from a file.
    case memory

    public var description: String {
        switch self {
        case .csv(let delimiter, let header): return "CSV (\(delimiter)-delimited, \(header ? "with" : "no") header)"
        case .npy: return "NumPy .npy"
        case .idx: return "IDX"
        case .memory: return "in-memory"
        }
    }
}

/// The most memory a load may take, and where that figure comes from (for the message).
public struct LoadLimit: Sendable, Equatable {
    public var bytes: Int
    /// E.g. "--max-memory 4G" or "3/4 of the cgroup memory limit of 8.0 GB".
    public var description: String

    public init(bytes: Int, description: String) {
        self.bytes = bytes
        self.description = description
    }

    /// Throws `DataError.overBudget` unless `values` 32-bit floats fit.
    func check(values: Int, path: String) throws {
        let (bytes, overflow) = values.multipliedReportingOverflow(by: MemoryLayout<Float>.size)
        if overflow || bytes > self.bytes {
            throw DataError.overBudget(path: path, what: "its \(values) values as 32-bit floats", limit: self.bytes,
                                       limitDescription: description)
        }
    }
}

/// A numeric table: one sample per row, one feature per column, as `Float`.
public struct Dataset: Sendable {
    /// The values, `rows × columns`, row-major.
    public var matrix: Matrix
    /// Where the data came from (as the user gave it), for messages.
    public var path: String
    /// Column names from a CSV header, if the file had one.
    public var columnNames: [String]?
    /// The format the file was read as.
    public var format: DataFormat
    /// Whether the file was gzip-compressed.
    public var compressed: Bool

    public init(matrix: Matrix, path: String, columnNames: [String]? = nil, format: DataFormat = .memory,
                compressed: Bool = false) {
        self.matrix = matrix
        self.path = path
        self.columnNames = columnNames
        self.format = format
        self.compressed = compressed
    }

    public var rows: Int { matrix.rows }
    public var columns: Int { matrix.columns }

    /// Loads a table from `path`, choosing the reader by content first and by extension second:
    /// - gzip (`1f 8b`): decompressed in memory, then read as whatever it contains (IDX, `.npy` or CSV);
    /// - `\x93NUMPY`: NumPy `.npy` (see `NPYReader`); a `.npy` name without that magic is reported as a bad `.npy`;
    /// - two zero bytes (the IDX magic `00 00 type dims`): IDX (see `IDXReader`); likewise for MNIST-style names
    ///   (`…idx3-ubyte`, `….idx1`), so a damaged IDX file is reported as such;
    /// - anything else: delimited text (see `CSVReader`: delimiter and header detected).
    ///
    /// Every value must be finite. Errors are `DataError`s naming the file, and the line and column where there
    /// is one. The file is opened once, so a pipe or FIFO (`<(zcat x.csv.gz)`, `/dev/stdin`) works.
    ///
    /// Memory: text is streamed and binary data read in chunks, so only the resulting `Float` matrix is held
    /// (plus, for `.gz`, the compressed file and the decompressed bytes while they are converted). Every size a
    /// header declares is checked against the bytes really there before anything is allocated; a gzipped `.npy`
    /// or IDX file is inflated only as far as its header says it reaches, and refused if it holds more.
    ///
    /// With `limit`, a table whose values would take more (as `Float`), or a gzipped CSV whose text would, is
    /// refused with `DataError.overBudget` before it is allocated (a CSV as soon as its rows pass the limit).
    public static func load(path: String, limit: LoadLimit? = nil) throws -> Dataset {
        var source = try ByteSource.open(path)
        defer { source.close() }
        var head = try source.peek(8)
        var compressed = false
        if Gzip.isGzip(head) {
            let inflated = try decompressBounded(try source.readAll(), path: path, limit: limit)
            head = Array(inflated.prefix(8))
            source.close()
            source = ByteSource(bytes: inflated, path: path)
            compressed = true
        }
        var name = path.lowercased()
        if compressed, name.hasSuffix(".gz") { name.removeLast(3) }
        let fileName = name.split(separator: "/").last.map(String.init) ?? name

        let format: DataFormat
        let table: (elements: [Float], rows: Int, columns: Int)
        var columnNames: [String]? = nil
        switch BinaryKind(head: head, fileName: fileName) {
        case .npy?:
            table = try NPYReader.read(&source, limit: limit)
            format = .npy
        case .idx?:
            table = try IDXReader.read(&source, limit: limit)
            format = .idx
        case nil:
            let csv = try CSVReader.read(&source, limit: limit)
            table = (csv.elements, csv.rows, csv.columns)
            columnNames = csv.columnNames
            format = .csv(delimiter: csv.delimiter, header: csv.columnNames != nil)
        }
        return Dataset(matrix: Matrix(rows: table.rows, columns: table.columns, elements: table.elements),
                       path: path, columnNames: columnNames, format: format, compressed: compressed)
    }

    /// The binary formats, recognised by their first bytes or by the file's name.
    private enum BinaryKind {
        case npy, idx

        init?(head: [UInt8], fileName: String) {
            if head.starts(with: NPYReader.magic) || fileName.hasSuffix(".npy") {
                self = .npy
            } else if IDXReader.looksLikeIDX(head) || IDXReader.hasIDXName(fileName) {
                self = .idx
            } else {
                return nil
            }
        }
    }

    /// The most a gzipped file is inflated to find its header: the largest `.npy` header, and some.
    static let headerPeekBytes = NPYReader.maximumHeaderLength + (1 << 16)

    /// Inflates a gzip file. A `.npy` or IDX body is inflated only up to the size its header declares: a stream
    /// that holds more (a decompression bomb behind a small header, or trailing data) is refused after at most
    /// that many bytes, with the declared size in the message.
    static func decompressBounded(_ compressed: [UInt8], path: String, limit: LoadLimit? = nil) throws -> [UInt8] {
        let peek = try Gzip.decompress(compressed, path: path, limit: headerPeekBytes)
        var name = path.lowercased()
        if name.hasSuffix(".gz") { name.removeLast(3) }
        let fileName = name.split(separator: "/").last.map(String.init) ?? name
        guard let kind = BinaryKind(head: Array(peek.bytes.prefix(8)), fileName: fileName) else {
            // Text declares no size: it is inflated up to the memory budget (its values take about as much).
            if peek.complete { return peek.bytes }
            let text = try Gzip.decompress(compressed, path: path, limit: limit?.bytes ?? Int.max)
            if text.complete { return text.bytes }
            throw DataError.overBudget(path: path, what: "its decompressed text", limit: limit?.bytes ?? Int.max,
                                       limitDescription: limit?.description ?? "")
        }
        var header = ByteSource(bytes: peek.bytes, path: path)
        let layout = try kind == .npy ? NPYReader.readLayout(&header) : IDXReader.readLayout(&header)
        try limit?.check(values: layout.rows * layout.columns, path: path)
        let inflated = peek.complete && peek.bytes.count <= layout.totalBytes
            ? peek : try Gzip.decompress(compressed, path: path, limit: layout.totalBytes)
        guard inflated.complete, inflated.bytes.count <= layout.totalBytes else {
            let format = kind == .npy ? "NumPy .npy" : "IDX"
            throw DataError.malformed(path: path, format: "gzip",
                reason: "it inflates to more than the \(layout.totalBytes) bytes its \(format) header declares "
                    + "(\(layout.rows)×\(layout.columns) \(layout.type) values and a \(layout.headerBytes)-byte header); "
                    + "decompression stopped there: the header is wrong or the stream has trailing data")
        }
        return inflated.bytes
    }

    /// Throws `DataError.widthMismatch` unless `test` has as many columns as `train`.
    public static func checkCompatible(train: Dataset, test: Dataset) throws {
        guard train.columns == test.columns else {
            throw DataError.widthMismatch(trainPath: train.path, trainColumns: train.columns,
                                          testPath: test.path, testColumns: test.columns)
        }
    }

    /// A stable 16-hex-digit hash of the shape and the exact values (FNV-1a 64 over the row and column counts as
    /// little-endian UInt64 and every element's IEEE bit pattern as little-endian UInt32). Identical data gives
    /// the same fingerprint on every machine and in every build; path, names and format do not enter it. Used
    /// to refuse resuming a search on different data.
    public var fingerprint: String {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        let prime: UInt64 = 0x0000_0100_0000_01B3
        @inline(__always) func mix(_ value: UInt64, bytes: Int) {
            for i in 0 ..< bytes {
                hash = (hash ^ ((value >> UInt64(8 * i)) & 0xFF)) &* prime
            }
        }
        mix(UInt64(rows), bytes: 8)
        mix(UInt64(columns), bytes: 8)
        matrix.elements.withUnsafeBufferPointer { values in
            for v in values { mix(UInt64(v.bitPattern), bytes: 4) }
        }
        let digits = String(hash, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
