/// Writes one line of compact JSON into a byte buffer, in the dialect of Foundation's `JSONEncoder` with
/// `[.sortedKeys, .withoutEscapingSlashes]` and non-finite numbers converted to strings, so hand-written encoders
/// produce the same bytes:
/// - no whitespace; commas between members and elements are inserted by the writer;
/// - a finite Double is Swift's shortest round-trip text (`description`) with a trailing `.0` removed: `100.0` is
///   written `100`, `-0.0` is `-0`, `1e-05` and `1e+16` stay as they are;
/// - NaN and ±infinity are the strings `"NaN"`, `"Infinity"`, `"-Infinity"`;
/// - strings escape `"` and `\`, `\b \f \n \r \t`, other control characters as `\u00xx` (lower-case hex); `/`,
///   DEL and all non-ASCII text pass through as UTF-8.
/// Key order is the caller's job (`JSONEncoder` sorts by UTF-8 bytes).
public struct JSONLineWriter {
    public private(set) var bytes: [UInt8] = []
    /// A member or element was written at this level, so the next one needs a comma first.
    private var needsComma = false

    public init(reservingCapacity capacity: Int) {
        bytes.reserveCapacity(capacity)
    }

    // MARK: - Structure

    public mutating func beginObject() { open(UInt8(ascii: "{")) }
    public mutating func endObject() { close(UInt8(ascii: "}")) }
    public mutating func beginArray() { open(UInt8(ascii: "[")) }
    public mutating func endArray() { close(UInt8(ascii: "]")) }

    /// Opens an object or array as the next value: its first member needs no comma before it.
    private mutating func open(_ bracket: UInt8) {
        separate()
        bytes.append(bracket)
        needsComma = false
    }

    /// Closes an object or array, which is itself a value: what follows needs a comma.
    private mutating func close(_ bracket: UInt8) {
        bytes.append(bracket)
        needsComma = true
    }

    /// Writes a member's key; the value comes next. `quotedKey` is the key already in JSON form, with its quotes
    /// (see `JSONLineWriter.quoted`), so fixed keys are escaped once, not per record.
    public mutating func key(_ quotedKey: [UInt8]) {
        separate()
        bytes.append(contentsOf: quotedKey)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    /// Writes a member's key given as text.
    public mutating func key(_ key: String) {
        separate()
        appendQuoted(key)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    // MARK: - Values

    public mutating func write(_ value: Bool) {
        separate()
        if value {
            bytes.append(contentsOf: [UInt8(ascii: "t"), UInt8(ascii: "r"), UInt8(ascii: "u"), UInt8(ascii: "e")])
        } else {
            bytes.append(contentsOf: [UInt8(ascii: "f"), UInt8(ascii: "a"), UInt8(ascii: "l"), UInt8(ascii: "s"),
                                      UInt8(ascii: "e")])
        }
        needsComma = true
    }

    public mutating func write(_ value: Int) {
        separate()
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        appendDigits(UInt64(value.magnitude))
        needsComma = true
    }

    public mutating func write(_ value: UInt64) {
        separate()
        appendDigits(value)
        needsComma = true
    }

    public mutating func write(_ value: Double) {
        separate()
        if value.isNaN {
            appendQuoted("NaN")
        } else if value.isInfinite {
            appendQuoted(value < 0 ? "-Infinity" : "Infinity")
        } else {
            var text = value.description
            text.withUTF8 { utf8 in
                // `description` ends integral values in ".0" (not the exponent forms); JSONEncoder drops it.
                let dropsPointZero = utf8.count > 2 && utf8[utf8.count - 2] == UInt8(ascii: ".")
                    && utf8[utf8.count - 1] == UInt8(ascii: "0")
                bytes.append(contentsOf: dropsPointZero ? UnsafeBufferPointer(rebasing: utf8.dropLast(2)) : utf8)
            }
        }
        needsComma = true
    }

    public mutating func write(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    /// `text` in JSON form with its quotes, for a fixed key.
    public static func quoted(_ text: String) -> [UInt8] {
        var writer = JSONLineWriter(reservingCapacity: text.utf8.count + 2)
        writer.appendQuoted(text)
        return writer.bytes
    }

    /// `text` in JSON form with its quotes, for a message.
    public static func quotedText(_ text: String) -> String { String(decoding: quoted(text), as: UTF8.self) }

    // MARK: - Bytes

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    /// Decimal digits of `value`, most significant first.
    private mutating func appendDigits(_ value: UInt64) {
        let start = bytes.count
        var rest = value
        repeat {
            bytes.append(UInt8(ascii: "0") + UInt8(rest % 10))
            rest /= 10
        } while rest != 0
        bytes[start...].reverse()
    }

    private mutating func appendQuoted(_ text: String) {
        bytes.append(UInt8(ascii: "\""))
        var text = text
        text.withUTF8 { utf8 in
            // Most strings need no escape: copy them whole.
            guard utf8.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else {
                bytes.append(contentsOf: utf8)
                return
            }
            for byte in utf8 {
                switch byte {
                case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
                case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
                case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
                case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
                case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
                case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
                case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
                case 0..<0x20:
                    bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"),
                                              UInt8(ascii: "0"), JSONLineWriter.hexDigit(byte >> 4),
                                              JSONLineWriter.hexDigit(byte & 0xF)])
                default: bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static func hexDigit(_ value: UInt8) -> UInt8 {
        value < 10 ? UInt8(ascii: "0") + value : UInt8(ascii: "a") + value - 10
    }
}
