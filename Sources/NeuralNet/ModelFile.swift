import Foundation
import LinearAlgebra
import DurableFiles
import JSONLines

/// Saves and loads autoencoders as `.safetensors` (https://github.com/huggingface/safetensors), readable by the
/// Python `safetensors` package.
///
/// Layout: an 8-byte little-endian header length N, N bytes of JSON header (padded with spaces so 8 + N is a
/// multiple of 8), then the raw little-endian tensor data. The header maps each tensor name to
/// `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}` (byte offsets into the data section, contiguous
/// from 0) and holds `__metadata__`, a string → string map. AEGrid writes one kernel (`dense_<l>.kernel`, shape
/// `[in, out]`, so `z = a @ W + b`) and one bias (`dense_<l>.bias`, `[out]`) per layer, in layer order, and three
/// metadata entries of its own:
/// - `aegrid.format`: `aegrid-autoencoder/1`;
/// - `aegrid.architecture`: the `Architecture` as JSON (`input_size`, `encoder_units`, `decoder_units`,
///   `hidden_activation`, `output_activation`);
/// - `aegrid.activations`: the activation of every layer in order, as a JSON list (for readers in other languages).
/// The caller's metadata (training hyperparameters, input scaling, metrics, …) sits beside them; its keys must not
/// start with `aegrid.`. `load` returns the caller's metadata only, so it round-trips exactly.
///
/// `load` validates everything before trusting it: the header length against a cap and the file's size, the JSON,
/// every tensor's dtype, shape, byte count and offsets (sorted, contiguous from 0, ending at the file's end), the
/// architecture against the tensors. It never allocates more than the file's size and throws `ModelFileError`
/// naming the file and the rule broken.
public enum ModelFile {
    /// Largest header accepted (the `safetensors` reference implementation's limit).
    public static let maximumHeaderSize = 100_000_000
    public static let formatKey = "aegrid.format"
    public static let architectureKey = "aegrid.architecture"
    public static let activationsKey = "aegrid.activations"
    public static let formatValue = "aegrid-autoencoder/1"
    static let reservedPrefix = "aegrid."

    /// Writes `model` with `metadata` to `path`, atomically and durably (`DurableFile.replace`): a process killed
    /// at any instant leaves the old file or the new one, never a partial one.
    public static func save(_ model: Autoencoder, metadata: [String: String], to path: String) throws {
        if let key = metadata.keys.sorted().first(where: { $0.hasPrefix(reservedPrefix) }) {
            throw ModelFileError.reservedMetadataKey(path: path, key: key)
        }
        let bytes = try encode(model, metadata: metadata)
        do { try DurableFile.replace(path, with: bytes) } catch let error as DurableFileError {
            let directory = DurableFile.directory(of: path)
            var isDirectory: ObjCBool = false
            let reason = FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory)
                && isDirectory.boolValue ? error.description : "the directory \(directory) does not exist"
            throw ModelFileError.cannotWrite(path: path, reason: reason)
        }
    }

    /// The header's JSON, compact: `__metadata__` first, its keys sorted by their UTF-8 bytes, then each layer's
    /// bias and kernel in layer order (`dense_9` before `dense_10`, as `JSONSerialization`'s sorted keys had them),
    /// each tensor's members in key order. Written by hand: `JSONSerialization` took some 8 M instructions for this
    /// kilobyte (its `[String: Any]` goes through `NSDictionary`), about as much as the rest of a small search's
    /// reports together.
    static func header(_ model: Autoencoder, metadata: [String: String]) -> [UInt8] {
        var writer = JSONLineWriter(reservingCapacity: 1024)
        writer.beginObject()
        writer.key("__metadata__")
        writer.beginObject()
        for key in metadata.keys.sorted(by: { $0.utf8.lexicographicallyPrecedes($1.utf8) }) {
            writer.key(key)
            writer.write(metadata[key]!)
        }
        writer.endObject()
        func tensor(_ name: String, from start: Int, to end: Int, shape: [Int]) {
            writer.key(name)
            writer.beginObject()
            writer.key("data_offsets")
            writer.beginArray()
            writer.write(start)
            writer.write(end)
            writer.endArray()
            writer.key("dtype")
            writer.write("F32")
            writer.key("shape")
            writer.beginArray()
            for size in shape { writer.write(size) }
            writer.endArray()
            writer.endObject()
        }
        for layer in model.layers {
            let kernelStart = layer.kernelOffset * 4, biasStart = layer.biasOffset * 4
            tensor(layer.name + ".bias", from: biasStart, to: biasStart + layer.outputs * 4, shape: [layer.outputs])
            tensor(layer.name + ".kernel", from: kernelStart, to: biasStart, shape: [layer.inputs, layer.outputs])
        }
        writer.endObject()
        return writer.bytes
    }

    /// The file's bytes for `model` and `metadata` (see the type's documentation for the layout).
    public static func encode(_ model: Autoencoder, metadata: [String: String]) throws -> [UInt8] {
        var meta = metadata
        meta[formatKey] = formatValue
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        meta[architectureKey] = String(decoding: try encoder.encode(model.architecture), as: UTF8.self)
        meta[activationsKey] = String(decoding: try encoder.encode(model.layers.map(\.activation.rawValue)), as: UTF8.self)
        var json = header(model, metadata: meta)
        while (8 + json.count) % 8 != 0 { json.append(0x20) }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(8 + json.count + model.parameterCount * 4)
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes.append(contentsOf: json)
        for value in UnsafeBufferPointer(start: model.storage, count: model.parameterCount) {
            withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) }
        }
        return bytes
    }

    /// Reads a model saved by `save`, validating the whole file. Returns the model and the caller's metadata.
    public static func load(from path: String) throws -> (model: Autoencoder, metadata: [String: String]) {
        // The reader seeks to learn the size it checks every declared size against, so the file must be a regular
        // one: a directory opens and then looked like a truncated file, a pipe failed with "Illegal seek", and
        // /dev/zero read as a file of 0 bytes.
        var info = stat()
        if stat(path, &info) == 0, (info.st_mode & S_IFMT) != S_IFREG {
            throw ModelFileError.cannotOpen(path: path, reason: (info.st_mode & S_IFMT) == S_IFDIR
                ? "it is a directory; give the model file in it, such as the best.safetensors aegrid search writes"
                : "it is not a regular file (a pipe or a device); give the model file itself, such as the "
                    + "best.safetensors aegrid search writes")
        }
        guard let handle = FileHandle(forReadingAtPath: path) else {
            throw ModelFileError.cannotOpen(path: path, reason: FileManager.default.fileExists(atPath: path)
                                            ? "permission denied or not a regular file" : "no such file")
        }
        defer { try? handle.close() }
        let fileSize: UInt64
        do { fileSize = try handle.seekToEnd(); try handle.seek(toOffset: 0) } catch {
            throw ModelFileError.cannotOpen(path: path, reason: "\(error)")
        }
        func read(_ count: Int) throws -> Data {
            let data = (try? handle.read(upToCount: count)) ?? Data()
            guard data.count == count else {
                throw ModelFileError.truncated(path: path, detail: "expected \(count) more bytes, read \(data.count)")
            }
            return data
        }
        guard fileSize >= 8 else {
            throw ModelFileError.truncated(path: path, detail: "the file has \(fileSize) bytes, fewer than the 8-byte header length")
        }
        let lengthBytes = try read(8)
        let headerLength = lengthBytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(maximumHeaderSize) else {
            throw ModelFileError.headerTooLarge(path: path, length: headerLength, limit: maximumHeaderSize)
        }
        guard headerLength <= fileSize - 8 else {
            throw ModelFileError.truncated(path: path, detail: "the header length says \(headerLength) bytes but only \(fileSize - 8) follow")
        }
        let headerData = try read(Int(headerLength))
        return try decode(header: headerData, dataSize: fileSize - 8 - headerLength, path: path) { count in
            try read(count)
        }
    }

    /// Reads a model file held in memory (`path` names it in errors), with every check of `load(from:)`.
    public static func load(bytes: [UInt8], path: String) throws -> (model: Autoencoder, metadata: [String: String]) {
        guard bytes.count >= 8 else {
            throw ModelFileError.truncated(path: path, detail: "the file has \(bytes.count) bytes, fewer than the 8-byte header length")
        }
        let headerLength = bytes.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard headerLength <= UInt64(maximumHeaderSize) else {
            throw ModelFileError.headerTooLarge(path: path, length: headerLength, limit: maximumHeaderSize)
        }
        guard headerLength <= UInt64(bytes.count - 8) else {
            throw ModelFileError.truncated(path: path, detail: "the header length says \(headerLength) bytes but only \(bytes.count - 8) follow")
        }
        let dataStart = 8 + Int(headerLength)
        return try decode(header: Data(bytes[8 ..< dataStart]), dataSize: UInt64(bytes.count - dataStart), path: path) { count in
            Data(bytes[dataStart ..< min(bytes.count, dataStart + count)])
        }
    }

    /// Decodes a validated header, then reads the data section through `readData`.
    static func decode(header headerData: Data, dataSize: UInt64, path: String,
                       readData: (Int) throws -> Data) throws -> (model: Autoencoder, metadata: [String: String]) {
        // One pass over the header with a strict scanner, keeping only names, shapes and offsets: memory and time
        // stay proportional to the header, even for 10^6 entries (a tree of Foundation objects costs some 30
        // bytes of memory per byte of header).
        var metadata: [String: String] = [:]
        var tensors: [(name: String, shape: [Int], begin: UInt64, end: UInt64)] = []
        var names = Set<String>()
        do {
            try JSONLineScanner.read(Array(headerData)) { scanner in
                guard scanner.peekKind() == .object else {
                    throw ModelFileError.invalidJSON(path: path, detail: "the header is not a JSON object")
                }
                try scanner.readObject { scanner, key in
                    let name = key.string
                    guard names.insert(name).inserted else {
                        throw ModelFileError.invalidHeader(path: path, detail: "\"\(name)\" appears twice")
                    }
                    if name == "__metadata__" {
                        guard scanner.peekKind() == .object else {
                            throw ModelFileError.invalidHeader(path: path, detail: "__metadata__ is not an object")
                        }
                        try scanner.readObject { scanner, key in
                            guard scanner.peekKind() == .string else {
                                throw ModelFileError.invalidHeader(path: path, detail: "__metadata__[\"\(key.string)\"] is not a string")
                            }
                            metadata[key.string] = try scanner.readString()
                        }
                    } else {
                        tensors.append(try readTensor(&scanner, name: name, path: path))
                    }
                }
            }
        } catch let error as JSONLineError {
            throw ModelFileError.invalidJSON(path: path, detail: error.description)
        }
        // Offsets must tile the data section exactly: sorted, contiguous from 0, ending at the file's end.
        tensors.sort { ($0.begin, $0.end) < ($1.begin, $1.end) }
        var cursor: UInt64 = 0
        for t in tensors {
            if t.begin < cursor {
                throw ModelFileError.badOffsets(path: path, detail: "tensor \"\(t.name)\" at [\(t.begin), \(t.end)] overlaps the previous tensor, which ends at \(cursor)")
            }
            if t.begin > cursor {
                throw ModelFileError.badOffsets(path: path, detail: "gap before tensor \"\(t.name)\": it starts at \(t.begin), the previous data ends at \(cursor)")
            }
            cursor = t.end
        }
        if cursor > dataSize {
            throw ModelFileError.truncated(path: path, detail: "the tensors need \(cursor) data bytes but the file holds \(dataSize)")
        }
        if cursor < dataSize {
            throw ModelFileError.badOffsets(path: path, detail: "\(dataSize - cursor) bytes after the last tensor (data ends at \(cursor), file data is \(dataSize) bytes)")
        }

        guard metadata[formatKey] == formatValue else {
            throw ModelFileError.notAnAutoencoder(path: path, detail: "__metadata__[\"\(formatKey)\"] is \(metadata[formatKey].map { "\"\($0)\"" } ?? "missing"), expected \"\(formatValue)\"")
        }
        guard let architectureJSON = metadata[architectureKey] else {
            throw ModelFileError.notAnAutoencoder(path: path, detail: "__metadata__ has no \"\(architectureKey)\"")
        }
        let architecture: Architecture
        do {
            architecture = try JSONDecoder().decode(Architecture.self, from: Data(architectureJSON.utf8))
            try architecture.validate()
        } catch {
            throw ModelFileError.notAnAutoencoder(path: path, detail: "\(architectureKey) is not a valid architecture: \(error)")
        }
        // Compare shapes before any arithmetic on the architecture's (untrusted) sizes.
        let sizes = architecture.layerSizes
        var expected: [String: [Int]] = [:]
        for l in 0 ..< sizes.count - 1 {
            expected["dense_\(l).kernel"] = [sizes[l], sizes[l + 1]]
            expected["dense_\(l).bias"] = [sizes[l + 1]]
        }
        for t in tensors {
            guard let shape = expected[t.name] else {
                throw ModelFileError.shapeMismatch(path: path, tensor: t.name, detail: "no such tensor in a \(sizes.count > 16 ? "\(sizes.count - 1)-layer" : sizes.map(String.init).joined(separator: "→")) autoencoder")
            }
            guard shape == t.shape else {
                throw ModelFileError.shapeMismatch(path: path, tensor: t.name, detail: "shape \(t.shape), the architecture needs \(shape)")
            }
        }
        // Every tensor matched a distinct expected name above, so equal counts mean none is missing. Otherwise the
        // first missing one in layer order is named: a set lookup per name, linear even for 10^6 entries (sorting
        // the names for the message took seconds).
        let present = Set(tensors.map(\.name))
        let missing = tensors.count == expected.count ? nil : (0 ..< sizes.count - 1).lazy
            .flatMap { ["dense_\($0).kernel", "dense_\($0).bias"] }
            .first { !present.contains($0) }
        if let missing {
            throw ModelFileError.shapeMismatch(path: path, tensor: missing, detail: "missing from the file")
        }
        // All shapes match and fit in the file, so the parameter count is small and safe to compute.
        let layers = architecture.layers
        let data = try readData(Int(dataSize))
        var parameters = [Float](repeating: 0, count: architecture.parameterCount)
        data.withUnsafeBytes { raw in
            for t in tensors {
                let layer = layers[Int(t.name.dropFirst(6).prefix { $0 != "." })!]
                let offset = t.name.hasSuffix(".kernel") ? layer.kernelOffset : layer.biasOffset
                let count = Int(t.end - t.begin) / 4
                for i in 0 ..< count {
                    let bits = UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: Int(t.begin) + 4 * i, as: UInt32.self))
                    parameters[offset + i] = Float(bitPattern: bits)
                }
            }
        }
        let model = try Autoencoder(architecture: architecture, parameters: parameters)
        return (model, metadata.filter { !$0.key.hasPrefix(reservedPrefix) })
    }

    /// One tensor entry, `{"dtype": "F32", "shape": [...], "data_offsets": [begin, end]}`, checked: F32, a
    /// shape of non-negative integers whose byte count fits in 64 bits and equals the offsets' span.
    private static func readTensor(_ scanner: inout JSONLineScanner, name: String,
                                   path: String) throws -> (name: String, shape: [Int], begin: UInt64, end: UInt64) {
        guard scanner.peekKind() == .object else {
            throw ModelFileError.invalidHeader(path: path, detail: "tensor \"\(name)\" is not an object")
        }
        var dtype: String?, shape: [Int]?, offsets: [Int]?
        var unknown: [String] = []
        func integers(_ scanner: inout JSONLineScanner) throws -> [Int]? {
            guard scanner.peekKind() == .array else { try scanner.skipValue(); return nil }
            var values: [Int]? = []
            try scanner.readArray { scanner, _ in
                guard scanner.peekKind() == .number else { try scanner.skipValue(); values = nil; return }
                let number = try scanner.readNumber()
                if let value = scanner.integerValue(of: number, as: Int.self), value >= 0 {
                    values?.append(value)
                } else {
                    values = nil
                }
            }
            return values
        }
        try scanner.readObject { scanner, key in
            switch key.string {
            case "dtype":
                if scanner.peekKind() == .string { dtype = try scanner.readString() } else { try scanner.skipValue() }
            case "shape": shape = try integers(&scanner)
            case "data_offsets": offsets = try integers(&scanner)
            default:
                unknown.append(key.string)
                try scanner.skipValue()
            }
        }
        guard unknown.isEmpty else {
            throw ModelFileError.invalidHeader(path: path, detail: "tensor \"\(name)\" has unknown field(s) \(unknown.sorted())")
        }
        guard let dtype else {
            throw ModelFileError.invalidHeader(path: path, detail: "tensor \"\(name)\" has no string \"dtype\"")
        }
        guard dtype == "F32" else { throw ModelFileError.unsupportedDType(path: path, tensor: name, dtype: dtype) }
        guard let shape else {
            throw ModelFileError.invalidHeader(path: path, detail: "tensor \"\(name)\" needs \"shape\" as a list of non-negative integers")
        }
        guard let offsets, offsets.count == 2, offsets[1] >= offsets[0] else {
            throw ModelFileError.invalidHeader(path: path, detail: "tensor \"\(name)\" needs \"data_offsets\" as [begin, end] with 0 ≤ begin ≤ end")
        }
        var bytes: UInt64 = 4
        for dim in shape {
            let (product, overflow) = bytes.multipliedReportingOverflow(by: UInt64(dim))
            guard !overflow else {
                throw ModelFileError.shapeMismatch(path: path, tensor: name, detail: "shape \(shape) is too large")
            }
            bytes = product
        }
        let begin = UInt64(offsets[0]), end = UInt64(offsets[1])
        guard end - begin == bytes else {
            throw ModelFileError.shapeMismatch(path: path, tensor: name,
                detail: "shape \(shape) of F32 needs \(bytes) bytes but data_offsets [\(begin), \(end)] span \(end - begin)")
        }
        return (name, shape, begin, end)
    }
}

/// A model file that cannot be written or read, with the file and the rule it breaks.
public enum ModelFileError: Error, Equatable, CustomStringConvertible {
    case cannotOpen(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case truncated(path: String, detail: String)
    case headerTooLarge(path: String, length: UInt64, limit: Int)
    case invalidJSON(path: String, detail: String)
    case invalidHeader(path: String, detail: String)
    case unsupportedDType(path: String, tensor: String, dtype: String)
    case shapeMismatch(path: String, tensor: String, detail: String)
    case badOffsets(path: String, detail: String)
    case notAnAutoencoder(path: String, detail: String)
    case reservedMetadataKey(path: String, key: String)

    public var description: String {
        switch self {
        case .cannotOpen(let path, let reason): return "\(path): cannot open the model file (\(reason))"
        case .cannotWrite(let path, let reason): return "\(path): cannot write the model file (\(reason))"
        case .truncated(let path, let detail): return "\(path): truncated safetensors file: \(detail)"
        case .headerTooLarge(let path, let length, let limit):
            return "\(path): the safetensors header claims \(length) bytes, more than the \(limit)-byte limit (not a model file, or corrupt)"
        case .invalidJSON(let path, let detail): return "\(path): the safetensors header is not valid JSON: \(detail)"
        case .invalidHeader(let path, let detail): return "\(path): invalid safetensors header: \(detail)"
        case .unsupportedDType(let path, let tensor, let dtype):
            return "\(path): tensor \"\(tensor)\" has dtype \(dtype); AEGrid models are F32 only"
        case .shapeMismatch(let path, let tensor, let detail): return "\(path): tensor \"\(tensor)\": \(detail)"
        case .badOffsets(let path, let detail): return "\(path): tensor data_offsets must be contiguous from 0 to the end of the file: \(detail)"
        case .notAnAutoencoder(let path, let detail): return "\(path): not an AEGrid autoencoder file: \(detail)"
        case .reservedMetadataKey(let path, let key):
            return "\(path): metadata key \"\(key)\" is reserved (keys starting with \"aegrid.\" are written by AEGrid)"
        }
    }
}
