
/// The element type of a binary array (`.npy` descr or IDX type code).
package struct BinaryElementType: Equatable, CustomStringConvertible {
    package enum Kind: Equatable { case float, signed, unsigned, bool }
    package var kind: Kind
    /// Bytes per element.
    package var size: Int
    package var bigEndian: Bool

    package var description: String {
        let name: String
        switch kind {
        case .float: name = "float\(size * 8)"
        case .signed: name = "int\(size * 8)"
        case .unsigned: name = "uint\(size * 8)"
        case .bool: name = "bool"
        }
        return size > 1 ? "\(name) \(bigEndian ? "big" : "little")-endian" : name
    }
}

/// Reads a flat run of binary numbers into `Float`, in 1 MiB chunks, so a file is never held in memory next to
/// its converted copy (little-endian float32 is read straight into the result).
package enum BinaryArrayReader {
    /// Reads `count` elements of `type` from `source`, converting to Float (integers exactly up to 2²⁴, beyond
    /// that rounded; float64 rounded once). Throws `DataError.truncated` if the source ends early and
    /// `DataError.nonFiniteValue` (1-based row and column for a row length of `columns`) for NaN or infinity.
    /// With `limit`, `count` floats that would not fit are refused after the truncation check (a damaged header
    /// is named as such) and before anything is allocated.
    package static func read(_ source: inout ByteSource, count: Int, type: BinaryElementType, columns: Int,
                     format: String, limit: LoadLimit? = nil) throws -> [Float] {
        let (expectedBytes, overflow) = count.multipliedReportingOverflow(by: type.size)
        if overflow {
            throw DataError.malformed(path: source.path, format: format, reason: "the shape holds \(count) values, too many to load")
        }
        guard let remaining = source.remainingHint else {
            try limit?.check(values: count, path: source.path)
            // A pipe or FIFO: its size is unknown until it ends. Collect what arrives, up to what the header
            // promises (the buffer grows with the bytes, not with the promise), then convert from memory.
            var buffered = ByteSource(bytes: try source.readBytes(expectedBytes), path: source.path)
            return try read(&buffered, count: count, type: type, columns: columns, format: format)
        }
        if remaining < expectedBytes {
            // Refuse before allocating: a damaged header must not trigger a huge allocation.
            throw DataError.truncated(path: source.path, format: format, expectedBytes: expectedBytes, actualBytes: remaining)
        }
        try limit?.check(values: count, path: source.path)
        var bytesRead = 0
        let hostIsLittleEndian = 1.littleEndian == 1
        let elements = try [Float](unsafeUninitializedCapacity: count) { out, initialized in
            initialized = 0
            if type.kind == .float, type.size == 4, type.bigEndian != hostIsLittleEndian {
                bytesRead = try source.readFully(into: UnsafeMutableRawBufferPointer(out))
                initialized = bytesRead / 4
            } else {
                // At most 1 MiB, and no more than the data: zero-filling a whole MiB (256 page faults) for the
                // seed's 80 KB of float64 cost each load about half a millisecond.
                let perChunk = max(1, min((1 << 20) / type.size, count))
                var chunk = [UInt8](repeating: 0, count: perChunk * type.size)
                while initialized < count {
                    let wanted = min(perChunk, count - initialized)
                    let n = try chunk.withUnsafeMutableBytes {
                        try source.readFully(into: UnsafeMutableRawBufferPointer(rebasing: $0[0 ..< wanted * type.size]))
                    }
                    bytesRead += n
                    let complete = n / type.size
                    chunk.withUnsafeBytes { convert($0, count: complete, type: type, into: out.baseAddress! + initialized) }
                    initialized += complete
                    if complete < wanted { break }
                }
            }
        }
        guard elements.count == count else {
            throw DataError.truncated(path: source.path, format: format, expectedBytes: expectedBytes, actualBytes: bytesRead)
        }
        if type.kind == .float, let bad = elements.firstIndex(where: { !$0.isFinite }) {
            throw DataError.nonFiniteValue(path: source.path, row: bad / max(columns, 1) + 1,
                                           column: bad % max(columns, 1) + 1, value: elements[bad],
                                           widened: type.size > 4)
        }
        return elements
    }

    /// The product of `sizes` (1 for none), or nil if it overflows `Int`.
    package static func product(_ sizes: some Sequence<Int>) -> Int? {
        var result = 1
        for size in sizes {
            let (next, overflow) = result.multipliedReportingOverflow(by: size)
            if overflow { return nil }
            result = next
        }
        return result
    }

    private static func convert(_ raw: UnsafeRawBufferPointer, count: Int, type: BinaryElementType,
                                into out: UnsafeMutablePointer<Float>) {
        func integers<T: FixedWidthInteger>(_: T.Type) {
            for i in 0 ..< count {
                let stored = raw.loadUnaligned(fromByteOffset: i * MemoryLayout<T>.size, as: T.self)
                out[i] = Float(type.bigEndian ? T(bigEndian: stored) : T(littleEndian: stored))
            }
        }
        switch (type.kind, type.size) {
        case (.bool, _): for i in 0 ..< count { out[i] = raw[i] != 0 ? 1 : 0 }
        case (.unsigned, 1): for i in 0 ..< count { out[i] = Float(raw[i]) }
        case (.signed, 1): for i in 0 ..< count { out[i] = Float(Int8(bitPattern: raw[i])) }
        case (.unsigned, 2): integers(UInt16.self)
        case (.signed, 2): integers(Int16.self)
        case (.unsigned, 4): integers(UInt32.self)
        case (.signed, 4): integers(Int32.self)
        case (.unsigned, 8): integers(UInt64.self)
        case (.signed, 8): integers(Int64.self)
        case (.float, 4):
            for i in 0 ..< count {
                let bits = raw.loadUnaligned(fromByteOffset: i * 4, as: UInt32.self)
                out[i] = Float(bitPattern: type.bigEndian ? UInt32(bigEndian: bits) : UInt32(littleEndian: bits))
            }
        case (.float, 8):
            for i in 0 ..< count {
                let bits = raw.loadUnaligned(fromByteOffset: i * 8, as: UInt64.self)
                out[i] = Float(Double(bitPattern: type.bigEndian ? UInt64(bigEndian: bits) : UInt64(littleEndian: bits)))
            }
        default:
            preconditionFailure("BinaryArrayReader: no conversion for \(type); the header parsers admit only the types above")
        }
    }
}
