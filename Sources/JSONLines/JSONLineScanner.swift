import Foundation

/// A strict reader of one JSON text (RFC 8259) held in memory, value by value, for hand-written decoders.
///
/// The caller drives it: `readObject` hands each key to a closure that must read (or `skipValue`) exactly one
/// value; `readArray` does the same per element. Everything RFC 8259 forbids is an error: trailing commas, leading
/// zeros, `NaN` as a bare word, raw control characters in strings, lone UTF-16 surrogates in `\u` escapes, invalid
/// UTF-8, and anything after the value. Whitespace between tokens is allowed. Errors are `JSONLineError` with the
/// byte offset and the path of keys and indices down to the value.
///
/// Access: JSONLines is no product of the package, so its `public` API is seen only by the package's own targets
/// (GridSearch, the benchmarks, the tests) and GridSearch's public surface does not grow. It is `public` rather than
/// `package` because the decoder's hot paths must inline into GridSearch: Swift 6.3 inlines `@inlinable public`
/// declarations across modules but not `@inlinable package` ones (without library evolution), and without that
/// decoding a 100-epoch record took 0.078 ms instead of 0.041 (`aegrid-bench codec`).
public struct JSONLineScanner {
    @usableFromInline let bytes: [UInt8]
    /// Offset of the next unread byte.
    public var offset = 0

    /// Nesting limit for `skipValue`, so a hostile line cannot exhaust the stack.
    public static let maximumDepth = 512

    @inlinable public init(_ bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Reads the whole text as one value with `body`, allowing whitespace around it and nothing else.
    @inlinable public static func read<T>(_ bytes: [UInt8], _ body: (inout JSONLineScanner) throws -> T) throws -> T {
        var scanner = JSONLineScanner(bytes)
        scanner.skipWhitespace()
        guard scanner.offset < bytes.count else { throw scanner.error("the line holds no JSON value") }
        let value = try body(&scanner)
        scanner.skipWhitespace()
        guard scanner.offset == bytes.count else {
            throw scanner.error("unexpected \(scanner.nextDescription) after the end of the value")
        }
        return value
    }

    // MARK: - Structure

    /// An object key as read: its UTF-8 bytes (escapes resolved, valid UTF-8) and where it starts in the text.
    public struct Key {
        public var utf8: ArraySlice<UInt8>
        public var offset: Int

        @usableFromInline init(utf8: ArraySlice<UInt8>, offset: Int) {
            self.utf8 = utf8
            self.offset = offset
        }

        @inlinable public var string: String { String(decoding: utf8, as: UTF8.self) }

        /// Whether the key is `name`, compared byte for byte.
        @inlinable public func equals(_ name: [UInt8]) -> Bool { utf8.count == name.count && utf8.elementsEqual(name) }
    }

    /// The kind of the next value, judged by its first byte (nil at the end of the text).
    public enum Kind { case object, array, string, number, bool, null }

    @inlinable public mutating func peekKind() -> Kind? {
        skipWhitespace()
        guard offset < bytes.count else { return nil }
        switch bytes[offset] {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        default: return nil
        }
    }

    /// Reads an object, calling `member` with each key; `member` must read exactly one value. Errors it throws get
    /// the key added to their path.
    @inlinable public mutating func readObject(_ member: (inout JSONLineScanner, Key) throws -> Void) throws {
        if try openIsEmpty(UInt8(ascii: "{"), UInt8(ascii: "}"), "an object") { return }
        while true {
            skipWhitespace()
            guard offset < bytes.count && bytes[offset] == UInt8(ascii: "\"") else {
                throw error("expected a key in double quotes, found \(nextDescription)")
            }
            let keyOffset = offset
            let key = Key(utf8: try readStringBytes(), offset: keyOffset)
            skipWhitespace()
            guard offset < bytes.count && bytes[offset] == UInt8(ascii: ":") else {
                throw error("expected ':' after the key \(JSONLineWriter.quotedText(key.string)), "
                            + "found \(nextDescription)")
            }
            offset += 1
            do {
                try member(&self, key)
            } catch let error as JSONLineError {
                throw error.inside(key: key.string)
            }
            skipWhitespace()
            guard offset < bytes.count else { throw error("the object is not closed: expected ',' or '}'") }
            switch bytes[offset] {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "}"): offset += 1; return
            default:
                throw error("expected ',' or '}' after the value of \(JSONLineWriter.quotedText(key.string)), "
                            + "found \(nextDescription)")
            }
        }
    }

    /// Reads an array, calling `element` with each index; `element` must read exactly one value. Errors it throws
    /// get the index added to their path.
    @inlinable public mutating func readArray(_ element: (inout JSONLineScanner, Int) throws -> Void) throws {
        if try openIsEmpty(UInt8(ascii: "["), UInt8(ascii: "]"), "an array") { return }
        var index = 0
        while true {
            do {
                try element(&self, index)
            } catch let error as JSONLineError {
                throw error.inside(index: index)
            }
            index += 1
            skipWhitespace()
            guard offset < bytes.count else { throw error("the array is not closed: expected ',' or ']'") }
            switch bytes[offset] {
            case UInt8(ascii: ","): offset += 1
            case UInt8(ascii: "]"): offset += 1; return
            default: throw error("expected ',' or ']' after an element, found \(nextDescription)")
            }
        }
    }

    /// Reads `null` if it comes next and returns true; otherwise reads nothing and returns false.
    @inlinable public mutating func readNullIfPresent() throws -> Bool {
        guard peekKind() == .null else { return false }
        try readLiteral("null")
        return true
    }

    /// Reads `null` as nil, anything else with `read`.
    @inlinable public mutating func readNullable<T>(_ read: (inout JSONLineScanner) throws -> T) throws -> T? {
        try readNullIfPresent() ? nil : read(&self)
    }

    @inlinable public mutating func readBool() throws -> Bool {
        skipWhitespace()
        guard offset < bytes.count else { throw error("expected true or false, found the end of the line") }
        switch bytes[offset] {
        case UInt8(ascii: "t"): try readLiteral("true"); return true
        case UInt8(ascii: "f"): try readLiteral("false"); return false
        default: throw error("expected true or false, found \(nextDescription)")
        }
    }

    /// Skips one value of any kind (an unknown key's value), checking that it is valid JSON.
    @inlinable public mutating func skipValue() throws {
        try skipValue(depth: 0)
    }

    @usableFromInline mutating func skipValue(depth: Int) throws {
        guard depth < JSONLineScanner.maximumDepth else {
            throw error("values nested deeper than \(JSONLineScanner.maximumDepth) levels")
        }
        switch peekKind() {
        case .object?: try readObject { scanner, _ in try scanner.skipValue(depth: depth + 1) }
        case .array?: try readArray { scanner, _ in try scanner.skipValue(depth: depth + 1) }
        case .string?: _ = try readStringBytes()
        case .number?: _ = try readNumber()
        case .bool?: _ = try readBool()
        case .null?: try readLiteral("null")
        case nil: throw error("expected a value, found \(nextDescription)")
        }
    }

    // MARK: - Strings

    /// Reads a string value.
    @inlinable public mutating func readString() throws -> String {
        skipWhitespace()
        guard offset < bytes.count && bytes[offset] == UInt8(ascii: "\"") else {
            throw error("expected a string, found \(nextDescription)")
        }
        // Already checked to be valid UTF-8.
        return String(decoding: try readStringBytes(), as: UTF8.self)
    }

    /// Reads a string starting at the opening quote and returns its UTF-8 bytes with escapes resolved, checked to
    /// be valid UTF-8. Without escapes (the usual case) this is a slice of the text, not a copy.
    @usableFromInline mutating func readStringBytes() throws -> ArraySlice<UInt8> {
        let start = offset + 1
        offset = start
        var isASCII = true
        while offset < bytes.count {
            let byte = bytes[offset]
            if byte == UInt8(ascii: "\"") {
                let content = bytes[start..<offset]
                offset += 1
                if !isASCII { try checkUTF8(content, at: start) }
                return content
            }
            if byte == UInt8(ascii: "\\") {
                return try readEscapedString(start: start, isASCII: isASCII)
            }
            if byte < 0x20 { throw controlCharacterError(byte) }
            if byte >= 0x80 { isASCII = false }
            offset += 1
        }
        throw error("the string is not closed: expected '\"' before the end of the line", at: start - 1)
    }

    /// The rest of `readStringBytes` once a backslash is found at `offset`.
    @usableFromInline mutating func readEscapedString(start: Int, isASCII: Bool) throws -> ArraySlice<UInt8> {
        var content = Array(bytes[start..<offset])
        var isASCII = isASCII
        while offset < bytes.count {
            let byte = bytes[offset]
            switch byte {
            case UInt8(ascii: "\""):
                offset += 1
                if !isASCII { try checkUTF8(content[...], at: start) }
                return content[...]
            case UInt8(ascii: "\\"):
                let escapeOffset = offset
                offset += 1
                guard offset < bytes.count else { break }
                let escaped = bytes[offset]
                offset += 1
                switch escaped {
                case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): content.append(escaped)
                case UInt8(ascii: "b"): content.append(0x08)
                case UInt8(ascii: "f"): content.append(0x0C)
                case UInt8(ascii: "n"): content.append(0x0A)
                case UInt8(ascii: "r"): content.append(0x0D)
                case UInt8(ascii: "t"): content.append(0x09)
                case UInt8(ascii: "u"):
                    let scalar = try readUnicodeEscape(escapeOffset: escapeOffset)
                    UTF8.encode(scalar) { content.append($0) }
                    if scalar.value >= 0x80 { isASCII = false }
                default:
                    throw error("invalid escape '\\\(JSONLineScanner.describe(escaped))' in a string", at: escapeOffset)
                }
            default:
                if byte < 0x20 { throw controlCharacterError(byte) }
                if byte >= 0x80 { isASCII = false }
                content.append(byte)
                offset += 1
            }
        }
        throw error("the string is not closed: expected '\"' before the end of the line", at: start - 1)
    }

    /// Reads the XXXX of `\uXXXX` (offset just after the `u`), and a second `\uXXXX` when the first is a high
    /// surrogate: a lone surrogate is not a Unicode scalar and is an error.
    @usableFromInline mutating func readUnicodeEscape(escapeOffset: Int) throws -> Unicode.Scalar {
        let first = try readHex4(escapeOffset: escapeOffset)
        switch first {
        case 0xD800...0xDBFF:
            let lowOffset = offset
            guard offset + 1 < bytes.count, bytes[offset] == UInt8(ascii: "\\"), bytes[offset + 1] == UInt8(ascii: "u")
            else {
                throw error("the escape \\u\(JSONLineScanner.hex4(first)) is a lone high surrogate", at: escapeOffset)
            }
            offset += 2
            let second = try readHex4(escapeOffset: lowOffset)
            guard (0xDC00...0xDFFF).contains(second) else {
                throw error("the escape \\u\(JSONLineScanner.hex4(first)) is a high surrogate not followed by a low "
                            + "one", at: escapeOffset)
            }
            // Always a valid scalar: U+10000...U+10FFFF.
            return Unicode.Scalar(0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00))!
        case 0xDC00...0xDFFF:
            throw error("the escape \\u\(JSONLineScanner.hex4(first)) is a lone low surrogate", at: escapeOffset)
        default:
            return Unicode.Scalar(first)!
        }
    }

    @usableFromInline mutating func readHex4(escapeOffset: Int) throws -> UInt32 {
        guard offset + 4 <= bytes.count else { throw error("incomplete \\u escape", at: escapeOffset) }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[offset]
            let digit: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw error("the \\u escape needs 4 hexadecimal digits, found \(nextDescription)")
            }
            value = value << 4 | UInt32(digit)
            offset += 1
        }
        return value
    }

    @usableFromInline func checkUTF8(_ content: ArraySlice<UInt8>, at start: Int) throws {
        guard String(validating: content, as: UTF8.self) != nil else {
            throw error("the string is not valid UTF-8", at: start - 1)
        }
    }

    @usableFromInline func controlCharacterError(_ byte: UInt8) -> JSONLineError {
        error("control character U+\(JSONLineScanner.hex4(UInt32(byte))) must be escaped in a string")
    }

    // MARK: - Numbers

    /// Reads a number, checking the RFC 8259 grammar `-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?`.
    @inlinable public mutating func readNumber() throws -> JSONNumber {
        skipWhitespace()
        let start = offset
        var number = JSONNumber(text: start..<start)
        if offset < bytes.count && bytes[offset] == UInt8(ascii: "-") {
            number.isNegative = true
            offset += 1
        }
        guard offset < bytes.count, let first = JSONLineScanner.digit(bytes[offset]) else {
            throw error("expected a number, found \(nextDescription)", at: start)
        }
        if first == 0 {
            offset += 1
            if offset < bytes.count, JSONLineScanner.digit(bytes[offset]) != nil {
                throw error("a number must not start with a leading zero", at: start)
            }
        } else {
            while offset < bytes.count, let digit = JSONLineScanner.digit(bytes[offset]) {
                number.appendDigit(digit, inFraction: false)
                offset += 1
            }
        }
        if offset < bytes.count && bytes[offset] == UInt8(ascii: ".") {
            number.isInteger = false
            offset += 1
            guard offset < bytes.count, JSONLineScanner.digit(bytes[offset]) != nil else {
                throw error("expected a digit after the decimal point, found \(nextDescription)")
            }
            while offset < bytes.count, let digit = JSONLineScanner.digit(bytes[offset]) {
                number.appendDigit(digit, inFraction: true)
                offset += 1
            }
        }
        if offset < bytes.count && (bytes[offset] == UInt8(ascii: "e") || bytes[offset] == UInt8(ascii: "E")) {
            number.isInteger = false
            offset += 1
            var exponentIsNegative = false
            if offset < bytes.count && (bytes[offset] == UInt8(ascii: "+") || bytes[offset] == UInt8(ascii: "-")) {
                exponentIsNegative = bytes[offset] == UInt8(ascii: "-")
                offset += 1
            }
            guard offset < bytes.count, JSONLineScanner.digit(bytes[offset]) != nil else {
                throw error("expected a digit in the exponent, found \(nextDescription)")
            }
            var exponent = 0
            while offset < bytes.count, let digit = JSONLineScanner.digit(bytes[offset]) {
                // Far beyond any Double; clamping keeps the arithmetic from overflowing.
                exponent = min(exponent * 10 + Int(digit), 1_000_000)
                offset += 1
            }
            number.exponent += exponentIsNegative ? -exponent : exponent
        }
        number.text = start..<offset
        return number
    }

    /// Reads a Double: a number (see `JSONNumber.doubleValue`), or one of the strings "NaN", "Infinity",
    /// "-Infinity" that `JSONLineWriter` writes for non-finite values.
    @inlinable public mutating func readDouble() throws -> Double {
        if peekKind() == .string {
            let start = offset
            let text = try readString()
            if let value = JSONLineScanner.nonFiniteValue(named: text) { return value }
            throw error("expected a number, found the string \(JSONLineWriter.quotedText(text)) (only \"NaN\", "
                        + "\"Infinity\" and \"-Infinity\" stand for numbers)", at: start)
        }
        let number = try readNumber()
        if let value = number.doubleValue(text: bytes[number.text]) { return value }
        throw error("the number \(numberText(number)) is out of the range of a Double", at: number.text.lowerBound)
    }

    /// The non-finite Double a string names ("NaN", "Infinity", "-Infinity"), else nil.
    @inlinable public static func nonFiniteValue(named text: String) -> Double? {
        switch text {
        case "NaN": return .nan
        case "Infinity": return .infinity
        case "-Infinity": return -.infinity
        default: return nil
        }
    }

    /// Reads a number as an integer of type `T` (see `JSONNumber.integerValue`).
    @inlinable public mutating func readInteger<T: FixedWidthInteger>(_ type: T.Type) throws -> T {
        let number = try readNumber()
        if let value = number.integerValue(T.self, text: bytes[number.text]) { return value }
        let what = T.isSigned ? "an integer" : "a non-negative integer"
        throw error("expected \(what) that fits in \(T.bitWidth) bits, found \(numberText(number))",
                    at: number.text.lowerBound)
    }

    /// Like `readDouble` and `readInteger` for a number already read.
    @inlinable public func doubleValue(of number: JSONNumber) -> Double? { number.doubleValue(text: bytes[number.text]) }
    @inlinable public func integerValue<T: FixedWidthInteger>(of number: JSONNumber, as type: T.Type) -> T? {
        number.integerValue(T.self, text: bytes[number.text])
    }

    @inlinable public func numberText(_ number: JSONNumber) -> String { String(decoding: bytes[number.text], as: UTF8.self) }

    @usableFromInline static func digit(_ byte: UInt8) -> UInt8? {
        let value = byte &- UInt8(ascii: "0")
        return value < 10 ? value : nil
    }

    // MARK: - Tokens and errors

    @inlinable public mutating func skipWhitespace() {
        while offset < bytes.count {
            switch bytes[offset] {
            case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\n"), UInt8(ascii: "\r"): offset += 1
            default: return
            }
        }
    }

    /// Reads the opening bracket of `what`; when the closing one follows at once, reads it too and returns true.
    @usableFromInline mutating func openIsEmpty(_ opening: UInt8, _ closing: UInt8, _ what: String) throws -> Bool {
        try expect(opening, what)
        skipWhitespace()
        guard offset < bytes.count && bytes[offset] == closing else { return false }
        offset += 1
        return true
    }

    @usableFromInline mutating func expect(_ byte: UInt8, _ what: String) throws {
        skipWhitespace()
        guard offset < bytes.count && bytes[offset] == byte else {
            throw error("expected \(what), found \(nextDescription)")
        }
        offset += 1
    }

    @usableFromInline mutating func readLiteral(_ word: StaticString) throws {
        let end = offset + word.utf8CodeUnitCount
        let matches = word.withUTF8Buffer { literal in end <= bytes.count && bytes[offset..<end].elementsEqual(literal) }
        guard matches else { throw error("expected \(word), found \(nextDescription)") }
        offset = end
    }

    /// An error at `offset` (the next unread byte unless given).
    @inlinable public func error(_ problem: String, at offset: Int? = nil) -> JSONLineError {
        JSONLineError(offset: offset ?? self.offset, problem: problem)
    }

    /// What comes next, for a message: `a string`, `an object`, `an array`, a run of letters, digits and signs whole
    /// (`NaN`, `7`, `1.5e`, `nul`), else the byte (`'x'`, `'\xC3'`), or `the end of the line`.
    @inlinable public var nextDescription: String {
        guard offset < bytes.count else { return "the end of the line" }
        switch bytes[offset] {
        case UInt8(ascii: "\""): return "a string"
        case UInt8(ascii: "{"): return "an object"
        case UInt8(ascii: "["): return "an array"
        default: break
        }
        var end = offset
        while end < bytes.count && end - offset < 24 && JSONLineScanner.isWordByte(bytes[end]) { end += 1 }
        if end - offset > 1 || (end > offset && JSONLineScanner.isAlphanumeric(bytes[offset])) {
            return String(decoding: bytes[offset..<end], as: UTF8.self)
        }
        return "'" + JSONLineScanner.describe(bytes[offset]) + "'"
    }

    @usableFromInline static func isWordByte(_ byte: UInt8) -> Bool {
        isAlphanumeric(byte) || byte == UInt8(ascii: ".") || byte == UInt8(ascii: "+") || byte == UInt8(ascii: "-")
    }

    @usableFromInline static func isAlphanumeric(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
             UInt8(ascii: "0")...UInt8(ascii: "9"):
            return true
        default:
            return false
        }
    }

    @usableFromInline static func describe(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte) ? String(UnicodeScalar(byte)) : "\\x" + String(byte, radix: 16, uppercase: true)
    }

    @usableFromInline static func hex4(_ value: UInt32) -> String {
        let digits = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, 4 - digits.count)) + digits
    }
}
