#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// How the fields of a delimited text file are separated.
public enum CSVDelimiter: Equatable, Sendable, CustomStringConvertible {
    /// One byte: `,`, `;` or tab.
    case character(UInt8)
    /// Runs of spaces and tabs; leading and trailing blanks ignored.
    case whitespace

    public var description: String {
        switch self {
        case .character(UInt8(ascii: "\t")): return "tab"
        case .character(let c): return "'\(Character(Unicode.Scalar(c)))'"
        case .whitespace: return "whitespace"
        }
    }
}

/// Reads a numeric table from delimited text, streaming: the file is read in 1 MiB chunks and only the parsed
/// `Float` values are kept.
///
/// Rules (docs/data.md repeats them for users):
/// - UTF-8 (a leading byte-order mark is skipped), `\n` or `\r\n` line ends. Blank lines are skipped; line numbers
///   in messages count every physical line from 1.
/// - Delimiter: taken from the first non-blank line, counting `,` `;` and tab outside double quotes; the most
///   frequent wins (ties: `,` then tab then `;`). A line with none of them is split on runs of spaces/tabs
///   (which also reads a single-column file).
/// - Header: the first non-blank line is a header if any of its fields is not a number; its names may be quoted
///   (`"mean radius"`, `""` for a literal quote). Every data row must then have one value per name.
/// - Cells: decimal numbers as `strtod` reads them in the C locale (`1`, `-2.5`, `1e-3`, optionally quoted and
///   blank-padded), parsed in Double and rounded once to Float. Hexadecimal, empty cells, NaN and infinity
///   (including values beyond Float's range) are errors naming the line and column.
package enum CSVReader {
    package struct Table {
        var elements: [Float]
        var rows: Int
        var columns: Int
        var columnNames: [String]?
        var delimiter: CSVDelimiter
    }

    package static let chunkSize = 1 << 20

    package static func read(_ source: inout ByteSource, limit: LoadLimit? = nil) throws -> Table {
        var parser = Parser(path: source.path, sizeHint: source.sizeHint, limit: limit)
        var pending: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        var atStart = true
        while true {
            let n = try chunk.withUnsafeMutableBytes { try source.read(into: $0) }
            if n == 0 { break }
            var slice = chunk[0 ..< n]
            if atStart {
                atStart = false
                if n >= 3, slice[0] == 0xEF, slice[1] == 0xBB, slice[2] == 0xBF { slice = slice.dropFirst(3) }
            }
            // Only the new chunk can hold a new line end: searching all of `pending` again would make one long
            // line (50 MB without a newline) cost time quadratic in its length.
            let searchFrom = pending.count
            pending.append(contentsOf: slice)
            guard let lastNewline = pending[searchFrom...].lastIndex(of: UInt8(ascii: "\n")) else { continue }
            try pending.withUnsafeBufferPointer { try parser.consumeLines(UnsafeBufferPointer(rebasing: $0[...lastNewline])) }
            pending.removeFirst(lastNewline + 1)
        }
        if !pending.isEmpty {
            pending.append(UInt8(ascii: "\n"))
            try pending.withUnsafeBufferPointer { try parser.consumeLines($0) }
        }
        return try parser.finish()
    }

    /// Parses complete lines as they arrive.
    private struct Parser {
        let path: String
        let sizeHint: Int?
        var line = 0
        var delimiter: CSVDelimiter?
        var columnNames: [String]?
        var columns = 0
        var rows = 0
        var elements: [Float] = []
        var fieldRanges: [Range<Int>] = []
        var quoted: [Bool] = []

        let limit: LoadLimit?

        init(path: String, sizeHint: Int?, limit: LoadLimit?) {
            self.path = path
            self.sizeHint = sizeHint
            self.limit = limit
        }

        /// `bytes` holds whole lines, each ending in `\n`.
        mutating func consumeLines(_ bytes: UnsafeBufferPointer<UInt8>) throws {
            var start = 0
            let newline = UInt8(ascii: "\n")
            while start < bytes.count {
                var end = start
                while bytes[end] != newline { end += 1 }
                line += 1
                var lineEnd = end
                if lineEnd > start, bytes[lineEnd - 1] == UInt8(ascii: "\r") { lineEnd -= 1 }
                try consumeLine(UnsafeBufferPointer(rebasing: bytes[start ..< lineEnd]), lineLength: end + 1 - start)
                start = end + 1
            }
        }

        private mutating func consumeLine(_ text: UnsafeBufferPointer<UInt8>, lineLength: Int) throws {
            if text.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return }
            if delimiter == nil {
                let d = Self.detectDelimiter(text)
                delimiter = d
                try split(text, d)
                // Names are made only for a header: a first line of 10^7 numbers must not become 10^7 strings.
                let isHeader = fieldRanges.indices.contains { i in
                    !fieldRanges[i].isEmpty && Self.parseNumber(text, fieldRanges[i]) == nil
                }
                columns = fieldRanges.count
                if isHeader {
                    columnNames = fieldRanges.indices.map { fieldText(text, $0) }
                    return
                }
            } else {
                try split(text, delimiter!)
            }
            try limit?.check(values: elements.count + columns, path: path)
            if rows == 0, let size = sizeHint {
                // Reserve once, from the first data line's length, so the element array is not regrown (and
                // copied) again and again on a large file.
                let estimate = Double(size) / Double(lineLength) * Double(columns) * 1.05
                elements.reserveCapacity(min(Int(estimate) + columns, 1 << 31))
            }
            guard fieldRanges.count == columns else {
                throw DataError.ragged(path: path, line: line, expected: columns, found: fieldRanges.count,
                                       againstHeader: columnNames != nil)
            }
            for i in 0 ..< columns {
                let range = fieldRanges[i]
                if range.isEmpty {
                    throw DataError.emptyCell(path: path, line: line, column: i + 1, columnName: columnNames?[i])
                }
                guard let value = Self.parseNumber(text, range) else {
                    throw DataError.nonNumeric(path: path, line: line, column: i + 1, columnName: columnNames?[i],
                                               text: fieldText(text, i))
                }
                let single = Float(value)
                guard single.isFinite else {
                    throw DataError.nonFiniteCell(path: path, line: line, column: i + 1,
                                                  columnName: columnNames?[i], text: fieldText(text, i))
                }
                elements.append(single)
            }
            rows += 1
        }

        func finish() throws -> Table {
            if rows == 0 {
                if columnNames != nil { throw DataError.headerOnly(path: path) }
                throw DataError.empty(path: path)
            }
            return Table(elements: elements, rows: rows, columns: columns, columnNames: columnNames,
                         delimiter: delimiter ?? .whitespace)
        }

        /// The field's text with quotes resolved (`""` → `"`).
        private func fieldText(_ text: UnsafeBufferPointer<UInt8>, _ i: Int) -> String {
            let raw = String(decoding: UnsafeBufferPointer(rebasing: text[fieldRanges[i]]), as: UTF8.self)
            return quoted[i] ? raw.replacingOccurrences(of: "\"\"", with: "\"") : raw
        }

        static func detectDelimiter(_ text: UnsafeBufferPointer<UInt8>) -> CSVDelimiter {
            // A count per byte value: a dictionary lookup per byte made a 50 MB first line cost seconds.
            var counts = [Int](repeating: 0, count: 256)
            var inQuotes = false
            for byte in text {
                if byte == UInt8(ascii: "\"") { inQuotes.toggle() } else if !inQuotes { counts[Int(byte)] += 1 }
            }
            var best: UInt8? = nil
            for candidate in [UInt8(ascii: ","), UInt8(ascii: "\t"), UInt8(ascii: ";")]
            where counts[Int(candidate)] > 0 && counts[Int(candidate)] > (best.map { counts[Int($0)] } ?? 0) {
                best = candidate
            }
            return best.map { .character($0) } ?? .whitespace
        }

        /// Splits `text` into `fieldRanges` (blank-trimmed, without their quotes).
        private mutating func split(_ text: UnsafeBufferPointer<UInt8>, _ delimiter: CSVDelimiter) throws {
            fieldRanges.removeAll(keepingCapacity: true)
            quoted.removeAll(keepingCapacity: true)
            let quote = UInt8(ascii: "\"")
            @inline(__always) func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 }
            var i = 0
            let n = text.count
            switch delimiter {
            case .whitespace:
                while i < n {
                    while i < n, isBlank(text[i]) { i += 1 }
                    if i == n { break }
                    if text[i] == quote {
                        let (range, next) = try quotedField(text, from: i)
                        fieldRanges.append(range); quoted.append(true)
                        i = next
                    } else {
                        let start = i
                        while i < n, !isBlank(text[i]) { i += 1 }
                        fieldRanges.append(start ..< i); quoted.append(false)
                    }
                }
            case .character(let d):
                while true {
                    while i < n, text[i] != d, isBlank(text[i]) { i += 1 }
                    if i < n, text[i] == quote {
                        let (range, next) = try quotedField(text, from: i)
                        fieldRanges.append(range); quoted.append(true)
                        i = next
                        while i < n, text[i] != d { i += 1 }  // blanks (or stray text) after the closing quote
                    } else {
                        let start = i
                        while i < n, text[i] != d { i += 1 }
                        var end = i
                        while end > start, isBlank(text[end - 1]) { end -= 1 }
                        fieldRanges.append(start ..< end); quoted.append(false)
                    }
                    if i >= n { break }
                    i += 1  // past the delimiter; a trailing delimiter yields a final empty field
                    if i == n { fieldRanges.append(n ..< n); quoted.append(false); break }
                }
            }
        }

        /// A quoted field starting at `text[from] == "`: returns the range inside the quotes and the index after
        /// the closing quote.
        private func quotedField(_ text: UnsafeBufferPointer<UInt8>, from: Int) throws -> (Range<Int>, Int) {
            let quote = UInt8(ascii: "\"")
            var i = from + 1
            while i < text.count {
                if text[i] == quote {
                    if i + 1 < text.count, text[i + 1] == quote { i += 2; continue }
                    return (from + 1 ..< i, i + 1)
                }
                i += 1
            }
            throw DataError.unterminatedQuote(path: path, line: line)
        }

        /// The number in `text[range]`, or nil if the whole range is not one decimal number.
        static func parseNumber(_ text: UnsafeBufferPointer<UInt8>, _ range: Range<Int>) -> Double? {
            let count = range.count
            guard count > 0, count < 256 else { return nil }
            // strtod also reads hexadecimal ("0x1p3"); a data file never means that.
            for i in range where text[i] == UInt8(ascii: "x") || text[i] == UInt8(ascii: "X") { return nil }
            return withUnsafeTemporaryAllocation(of: CChar.self, capacity: count + 1) { buffer -> Double? in
                for k in 0 ..< count { buffer[k] = CChar(bitPattern: text[range.lowerBound + k]) }
                buffer[count] = 0
                var end: UnsafeMutablePointer<CChar>? = nil
                let value = strtod(buffer.baseAddress!, &end)
                guard let end, end == buffer.baseAddress! + count, !isBlankStart(buffer[0]) else { return nil }
                return value
            }
        }

        @inline(__always) private static func isBlankStart(_ c: CChar) -> Bool { c == 0x20 || c == 0x09 }
    }
}
