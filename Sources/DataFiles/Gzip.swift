#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Decompression of gzip files (RFC 1952) holding DEFLATE data (RFC 1951), in pure Swift.
///
/// Why not zlib or a `gzip -dc` subprocess: Foundation on Linux has no zlib wrapper, only `LinearAlgebra` may
/// touch C libraries, and a subprocess depends on a `gzip` binary on `PATH`, on pipe plumbing and on its exit
/// status for error reporting. A decoder here is small, has no dependency, reports exact errors, and is tested
/// against the `gzip` command's output. Every member's CRC-32 and length are verified; concatenated members are
/// decoded one after another, as `gzip -d` does.
package enum Gzip {
    /// True when `bytes` starts with the gzip magic number `1f 8b`.
    package static func isGzip(_ bytes: some Collection<UInt8>) -> Bool {
        bytes.count >= 2 && bytes[bytes.startIndex] == 0x1F && bytes[bytes.index(after: bytes.startIndex)] == 0x8B
    }

    /// The decompressed content of the gzip file `data` (read from `path`, named in errors).
    package static func decompress(_ data: [UInt8], path: String) throws -> [UInt8] {
        try decompress(data, path: path, limit: Int.max).bytes
    }

    /// What `decompress(_:path:limit:)` produced.
    package struct Inflated {
        /// The decompressed bytes: all of them when `complete`, else a prefix of at most `limit` bytes.
        package var bytes: [UInt8]
        /// True when every member was decoded and checked (CRC-32 and length) within the limit.
        package var complete: Bool
    }

    /// Decompresses `data`, stopping once the output would pass `limit` bytes: a small file that inflates to
    /// gigabytes costs at most `limit` bytes of memory. A stream that fits is checked completely (every
    /// member's CRC-32 and length); one that does not returns its first bytes with `complete == false`, which
    /// says that the stream holds more than `limit` bytes.
    package static func decompress(_ data: [UInt8], path: String, limit: Int) throws -> Inflated {
        func malformed(_ reason: String) -> DataError { .malformed(path: path, format: "gzip", reason: reason) }
        return try data.withUnsafeBufferPointer { input -> Inflated in
            // The last member's stored length sizes the buffer; DEFLATE cannot expand more than 1032:1, which
            // bounds what a corrupt trailer can make us allocate.
            let storedSize = data.count >= 4 ? Int(readLE32(input, data.count - 4)) : 0
            var output = OutputBuffer(capacity: min(storedSize, data.count * 1032), limit: limit)
            defer { output.deallocate() }
            var position = 0
            repeat {
                // Member header.
                guard input.count - position >= 2, input[position] == 0x1F, input[position + 1] == 0x8B else {
                    throw malformed(position == 0 ? "it does not start with the gzip magic number 1f 8b"
                                                  : "unexpected bytes after the compressed data at offset \(position)")
                }
                guard input.count - position >= 10 else { throw malformed("the header is incomplete") }
                guard input[position + 2] == 8 else {
                    throw DataError.unsupported(path: path, format: "gzip",
                                                reason: "compression method \(input[position + 2]) (only 8, deflate, exists)")
                }
                let flags = input[position + 3]
                guard flags & 0xE0 == 0 else { throw malformed("reserved header flags are set") }
                var p = position + 10
                if flags & 0x04 != 0 {  // FEXTRA
                    guard p + 2 <= input.count else { throw malformed("the header is incomplete") }
                    p += 2 + Int(input[p]) + Int(input[p + 1]) << 8
                }
                for flag: UInt8 in [0x08, 0x10] where flags & flag != 0 {  // FNAME, FCOMMENT: zero-terminated
                    while p < input.count, input[p] != 0 { p += 1 }
                    p += 1
                }
                if flags & 0x02 != 0 { p += 2 }  // FHCRC
                guard p <= input.count else { throw malformed("the header is incomplete") }

                let memberStart = output.count
                var inflater = Inflater(input: input, position: p, path: path)
                do { try inflater.inflate(into: &output) } catch is OutputBuffer.LimitReached {
                    return Inflated(bytes: Array(output.bytes[0 ..< output.count]), complete: false)
                }
                p = inflater.bytePosition
                guard p + 8 <= input.count else { throw malformed("the file ends inside the trailer: it is truncated") }
                let crc = readLE32(input, p), size = readLE32(input, p + 4)
                let actualCRC = CRC32.checksum(UnsafeBufferPointer(start: output.base + memberStart, count: output.count - memberStart))
                guard actualCRC == crc else {
                    throw malformed("CRC-32 mismatch (stored \(hex(crc)), computed \(hex(actualCRC))): the file is corrupt")
                }
                guard UInt32(truncatingIfNeeded: output.count - memberStart) == size else {
                    throw malformed("length mismatch (stored \(size), decompressed \(output.count - memberStart))")
                }
                position = p + 8
                // Zero padding after the last member is tolerated, as gzip does.
                if input[position...].allSatisfy({ $0 == 0 }) { break }
            } while position < input.count
            return Inflated(bytes: Array(output.bytes[0 ..< output.count]), complete: true)
        }
    }

    private static func readLE32(_ b: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt32 {
        UInt32(b[i]) | UInt32(b[i + 1]) << 8 | UInt32(b[i + 2]) << 16 | UInt32(b[i + 3]) << 24
    }

    private static func hex(_ v: UInt32) -> String {
        let digits = String(v, radix: 16)
        return String(repeating: "0", count: 8 - digits.count) + digits
    }
}

/// A growable byte buffer for the decoder's output (manual memory so the hot loop writes through a pointer), that
/// never grows past `limit` bytes.
package struct OutputBuffer {
    /// Thrown by `reserve` when the output would pass the limit.
    package struct LimitReached: Error {}

    private(set) var base: UnsafeMutablePointer<UInt8>
    private(set) var capacity: Int
    package let limit: Int
    package var count = 0

    package init(capacity: Int, limit: Int = Int.max) {
        self.limit = max(0, limit)
        self.capacity = max(1, min(max(1 << 16, min(capacity, 1 << 31)), self.limit))
        base = .allocate(capacity: self.capacity)
    }

    package var bytes: UnsafeMutableBufferPointer<UInt8> { UnsafeMutableBufferPointer(start: base, count: capacity) }

    /// Makes room for `extra` more bytes; throws `LimitReached` if that passes the limit.
    @inline(__always) package mutating func reserve(_ extra: Int) throws {
        guard count + extra > capacity else { return }
        try grow(extra)
    }

    private mutating func grow(_ extra: Int) throws {
        guard extra <= limit - count else { throw LimitReached() }
        let newCapacity = min(max(capacity * 2, count + extra), limit)
        let newBase = UnsafeMutablePointer<UInt8>.allocate(capacity: newCapacity)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    package func deallocate() { base.deallocate() }
}

/// A canonical Huffman code as a lookup table indexed by the next `bits` input bits (least significant first).
/// Each entry is `symbol << 4 | length`; 0 marks a bit pattern that no code starts with.
package struct HuffmanTable {
    package var entries: [UInt16]
    package var bits: Int

    /// Builds the table from code lengths (0 = unused symbol). Returns nil for an over-subscribed set of lengths.
    package init?(lengths: [UInt8]) {
        var lengthCounts = [Int](repeating: 0, count: 16)
        for length in lengths { lengthCounts[Int(length)] += 1 }
        lengthCounts[0] = 0
        var left = 1
        for length in 1 ... 15 {
            left = left << 1 - lengthCounts[length]
            if left < 0 { return nil }
        }
        bits = max(1, Int(lengths.max() ?? 0))
        entries = [UInt16](repeating: 0, count: 1 << bits)
        var nextCode = [Int](repeating: 0, count: 16)
        var code = 0
        for length in 1 ... 15 {
            code = (code + lengthCounts[length - 1]) << 1
            nextCode[length] = code
        }
        for (symbol, length) in lengths.enumerated() where length > 0 {
            let len = Int(length)
            let c = nextCode[len]
            nextCode[len] += 1
            var reversed = 0
            for b in 0 ..< len where c & (1 << b) != 0 { reversed |= 1 << (len - 1 - b) }
            let entry = UInt16(symbol << 4 | len)
            for index in stride(from: reversed, to: 1 << bits, by: 1 << len) { entries[index] = entry }
        }
    }
}

/// Decodes one DEFLATE stream (RFC 1951).
package struct Inflater {
    private let input: UnsafeBufferPointer<UInt8>
    private var position: Int
    private var bitBuffer: UInt64 = 0
    private var bitCount = 0
    private let path: String

    package init(input: UnsafeBufferPointer<UInt8>, position: Int, path: String) {
        self.input = input
        self.position = position
        self.path = path
    }

    /// The index of the first input byte after the stream (bits left in the buffer belong to it).
    package var bytePosition: Int { position - bitCount / 8 }

    private static let lengthBase: [Int] = [3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59,
                                            67, 83, 99, 115, 131, 163, 195, 227, 258]
    private static let lengthExtra: [Int] = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4,
                                             5, 5, 5, 5, 0]
    private static let distanceBase: [Int] = [1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385,
                                              513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577]
    private static let distanceExtra: [Int] = [0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10,
                                               10, 11, 11, 12, 12, 13, 13]
    private static let codeLengthOrder = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
    private static let fixedLiterals = HuffmanTable(lengths: (0 ..< 288).map { UInt8($0 < 144 ? 8 : $0 < 256 ? 9 : $0 < 280 ? 7 : 8) })!
    private static let fixedDistances = HuffmanTable(lengths: [UInt8](repeating: 5, count: 30))!

    private func malformed(_ reason: String) -> DataError { .malformed(path: path, format: "gzip", reason: reason) }
    private var truncated: DataError { malformed("the compressed data ends early: the file is truncated") }

    @inline(__always) private mutating func refill() {
        while bitCount <= 56, position < input.count {
            bitBuffer |= UInt64(input[position]) << UInt64(bitCount)
            position += 1
            bitCount += 8
        }
    }

    @inline(__always) private mutating func bits(_ n: Int) throws -> Int {
        if n == 0 { return 0 }
        if bitCount < n {
            refill()
            if bitCount < n { throw truncated }
        }
        let value = Int(bitBuffer & ((1 << UInt64(n)) - 1))
        bitBuffer >>= UInt64(n)
        bitCount -= n
        return value
    }

    @inline(__always) private mutating func decode(_ table: HuffmanTable) throws -> Int {
        if bitCount < table.bits { refill() }
        let entry = Int(table.entries[Int(bitBuffer & ((1 << UInt64(table.bits)) - 1))])
        let length = entry & 15
        if length == 0 { throw malformed("invalid Huffman code") }
        if length > bitCount { throw truncated }
        bitBuffer >>= UInt64(length)
        bitCount -= length
        return entry >> 4
    }

    package mutating func inflate(into output: inout OutputBuffer) throws {
        var last = false
        repeat {
            last = try bits(1) == 1
            switch try bits(2) {
            case 0: try storedBlock(into: &output)
            case 1: try huffmanBlock(Self.fixedLiterals, Self.fixedDistances, into: &output)
            case 2:
                let (literals, distances) = try dynamicTables()
                try huffmanBlock(literals, distances, into: &output)
            default: throw malformed("invalid block type 3")
            }
        } while !last
        // Give back whole bytes read ahead into the bit buffer; the partial byte ends the stream.
        bitCount -= bitCount % 8
    }

    private mutating func storedBlock(into output: inout OutputBuffer) throws {
        _ = try bits(bitCount % 8)  // to a byte boundary
        position -= bitCount / 8    // unread look-ahead bytes
        bitBuffer = 0
        bitCount = 0
        guard position + 4 <= input.count else { throw truncated }
        let length = Int(input[position]) | Int(input[position + 1]) << 8
        let complement = Int(input[position + 2]) | Int(input[position + 3]) << 8
        guard length == ~complement & 0xFFFF else { throw malformed("stored block length check failed") }
        position += 4
        guard position + length <= input.count else { throw truncated }
        try output.reserve(length)
        (output.base + output.count).update(from: input.baseAddress! + position, count: length)
        output.count += length
        position += length
    }

    private mutating func dynamicTables() throws -> (HuffmanTable, HuffmanTable) {
        let literalCount = try bits(5) + 257, distanceCount = try bits(5) + 1, codeLengthCount = try bits(4) + 4
        guard literalCount <= 286, distanceCount <= 30 else { throw malformed("too many length or distance codes") }
        var codeLengthLengths = [UInt8](repeating: 0, count: 19)
        for i in 0 ..< codeLengthCount { codeLengthLengths[Self.codeLengthOrder[i]] = UInt8(try bits(3)) }
        guard let codeLengths = HuffmanTable(lengths: codeLengthLengths) else { throw malformed("invalid code lengths code") }
        var lengths = [UInt8]()
        lengths.reserveCapacity(literalCount + distanceCount)
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(codeLengths)
            switch symbol {
            case 0 ... 15: lengths.append(UInt8(symbol))
            case 16:
                guard let previous = lengths.last else { throw malformed("repeat code with no previous length") }
                lengths.append(contentsOf: repeatElement(previous, count: 3 + (try bits(2))))
            case 17: lengths.append(contentsOf: repeatElement(0, count: 3 + (try bits(3))))
            default: lengths.append(contentsOf: repeatElement(0, count: 11 + (try bits(7))))
            }
        }
        guard lengths.count == literalCount + distanceCount else { throw malformed("code lengths overflow their table") }
        guard lengths[256] != 0 else { throw malformed("no end-of-block code") }
        guard let literals = HuffmanTable(lengths: Array(lengths[0 ..< literalCount])),
              let distances = HuffmanTable(lengths: Array(lengths[literalCount...])) else {
            throw malformed("over-subscribed Huffman code")
        }
        return (literals, distances)
    }

    private mutating func huffmanBlock(_ literals: HuffmanTable, _ distances: HuffmanTable,
                                       into output: inout OutputBuffer) throws {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                try output.reserve(1)
                output.base[output.count] = UInt8(symbol)
                output.count += 1
            } else if symbol == 256 {
                return
            } else {
                let lengthIndex = symbol - 257
                guard lengthIndex < 29 else { throw malformed("invalid length symbol \(symbol)") }
                let length = Self.lengthBase[lengthIndex] + (try bits(Self.lengthExtra[lengthIndex]))
                let distanceSymbol = try decode(distances)
                guard distanceSymbol < 30 else { throw malformed("invalid distance symbol \(distanceSymbol)") }
                let distance = Self.distanceBase[distanceSymbol] + (try bits(Self.distanceExtra[distanceSymbol]))
                guard distance <= output.count else { throw malformed("distance \(distance) reaches before the start") }
                try output.reserve(length)
                let destination = output.base + output.count
                let source = destination - distance
                if distance >= length {
                    destination.update(from: source, count: length)
                } else {
                    for i in 0 ..< length { destination[i] = source[i] }  // overlapping: repeats the pattern
                }
                output.count += length
            }
        }
    }
}

/// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320), as gzip stores it.
package enum CRC32 {
    private static let table: [UInt32] = (0 ..< 256).map { n -> UInt32 in
        var c = UInt32(n)
        for _ in 0 ..< 8 { c = c & 1 != 0 ? 0xEDB8_8320 ^ (c >> 1) : c >> 1 }
        return c
    }

    package static func checksum(_ bytes: UnsafeBufferPointer<UInt8>) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        table.withUnsafeBufferPointer { t in
            for byte in bytes { crc = t[Int((crc ^ UInt32(byte)) & 0xFF)] ^ (crc >> 8) }
        }
        return crc ^ 0xFFFF_FFFF
    }
}
