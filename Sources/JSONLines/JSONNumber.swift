/// A JSON number as `JSONLineScanner` read it: where its text is, and its value as ±significand × 10^exponent
/// for the fast conversions.
///
/// Conversions follow what Foundation's `JSONDecoder` accepts, so a line decodes the same either way:
/// - `doubleValue`: the correctly rounded Double; nil when the value overflows to infinity or a nonzero value
///   underflows to zero (Foundation refuses both).
/// - `integerValue`: a plain integer (no fraction, no exponent) exactly; otherwise, like Foundation, a number with a
///   fraction or exponent is an integer when its Double is integral and fits, so `100.0` and `1e+16` read as integers
///   and `1.5` does not; from 2^53 on, where Doubles are at least 2 apart, the integer comes from the digits.
public struct JSONNumber {
    /// The number's bytes in the scanned text.
    public var text: Range<Int>
    public var isNegative = false
    /// No fraction and no exponent in the text.
    public var isInteger = true
    /// The significant digits (leading zeros skipped) that fitted in 64 bits.
    public var significand: UInt64 = 0
    /// How many digits `significand` holds.
    @usableFromInline var digitCount = 0
    /// While `isExact`, the value is exactly ±significand × 10^exponent.
    public var exponent = 0
    /// False once a nonzero digit did not fit in `significand`.
    public var isExact = true
    /// A digit did not fit; every later digit is dropped too.
    @usableFromInline var isTruncated = false

    @inlinable public init(text: Range<Int>) {
        self.text = text
    }

    /// Adds the next digit of the integer part or, with `inFraction`, of the fraction.
    @inline(__always)
    @inlinable public mutating func appendDigit(_ digit: UInt8, inFraction: Bool) {
        // Any 19 digits fit in 64 bits; only the 20th and later need the careful path.
        if digitCount < 19 {
            significand = significand &* 10 &+ UInt64(digit)
            if significand != 0 { digitCount += 1 }
            if inFraction { exponent -= 1 }
        } else {
            appendLongDigit(digit, inFraction: inFraction)
        }
    }

    @usableFromInline mutating func appendLongDigit(_ digit: UInt8, inFraction: Bool) {
        if !isTruncated {
            let (product, overflowed) = significand.multipliedReportingOverflow(by: 10)
            let (sum, carried) = product.addingReportingOverflow(UInt64(digit))
            if !overflowed && !carried {
                significand = sum
                digitCount += 1
                if inFraction { exponent -= 1 }
                return
            }
            isTruncated = true
        }
        if !inFraction { exponent += 1 }
        if digit != 0 { isExact = false }
    }

    /// The correctly rounded Double (`text` is the number's bytes), or nil when out of range (see the type).
    @inlinable public func doubleValue(text: ArraySlice<UInt8>) -> Double? {
        if significand == 0 { return isNegative ? -0.0 : 0.0 }
        // Clinger's fast path: significand and 10^|exponent| are both exact Doubles, so one IEEE multiplication or
        // division rounds the exact value correctly.
        if isExact && significand <= 1 << 53 && (-22...22).contains(exponent) {
            let magnitude = exponent < 0 ? Double(significand) / JSONNumber.powersOfTen[-exponent]
                : Double(significand) * JSONNumber.powersOfTen[exponent]
            return isNegative ? -magnitude : magnitude
        }
        #if (arch(i386) || arch(x86_64)) && !os(Windows) && !os(Android)
        if isExact && (-27...27).contains(exponent), let magnitude = JSONNumber.extendedValue(significand, exponent) {
            return isNegative ? -magnitude : magnitude
        }
        #endif
        // Everything else: the standard library's correctly rounded parser, about ten times slower.
        guard let value = Double(String(decoding: text, as: UTF8.self)), value.isFinite, value != 0 else { return nil }
        return value
    }

    /// The value as a `T` of at most 64 bits (`text` is the number's bytes), or nil when it is not an integer or
    /// does not fit (see the type).
    @inlinable public func integerValue<T: FixedWidthInteger>(_ type: T.Type, text: ArraySlice<UInt8>) -> T? {
        if isInteger {
            // Every digit of a plain integer that fits in 64 bits went into the significand.
            guard exponent == 0 else { return nil }
            return JSONNumber.signed(significand, negative: isNegative)
        }
        guard let double = doubleValue(text: text), T(exactly: double) != nil else { return nil }
        if double.magnitude < 0x1p53 { return T(exactly: double) }
        guard isExact else { return nil }
        var magnitude = significand
        if exponent < 0 {
            // Truncates toward zero, as Foundation's conversion from Decimal does.
            for _ in 0 ..< -exponent { magnitude /= 10 }
        } else {
            for _ in 0 ..< exponent {
                let (product, overflowed) = magnitude.multipliedReportingOverflow(by: 10)
                if overflowed { return nil }
                magnitude = product
            }
        }
        return JSONNumber.signed(magnitude, negative: isNegative)
    }

    #if (arch(i386) || arch(x86_64)) && !os(Windows) && !os(Android)
    /// significand × 10^exponent correctly rounded to a Double, for the 16 to 20 digit significands (most shortest
    /// round-trip texts) that Clinger's path cannot take, or nil in the rare case it cannot tell.
    ///
    /// Float80 holds any UInt64 and 10^0 … 10^27 exactly, so one multiplication or division rounds the exact value
    /// x to r, within half a Float80 ulp. Rounding r to a Double then gives x correctly rounded unless r lies exactly
    /// on a midpoint between two Doubles (any other r is at least a whole Float80 ulp from every midpoint, so x is on
    /// the same side of it as r): such an r, recognisable by its lowest 11 significand bits `10000000000`, returns
    /// nil for the slow path.
    @usableFromInline static func extendedValue(_ significand: UInt64, _ exponent: Int) -> Double? {
        let scaled = exponent < 0 ? Float80(significand) / extendedPowersOfTen[-exponent]
            : Float80(significand) * extendedPowersOfTen[exponent]
        if scaled.significandBitPattern & 0x7FF == 0x400 { return nil }
        return Double(scaled)
    }

    /// 10^0 … 10^27, each exact in Float80 (5^27 < 2^64).
    @usableFromInline static let extendedPowersOfTen: [Float80] = {
        var powers: [Float80] = [1]
        for _ in 1...27 { powers.append(powers[powers.count - 1] * 10) }
        return powers
    }()
    #endif

    @usableFromInline static func signed<T: FixedWidthInteger>(_ magnitude: UInt64, negative: Bool) -> T? {
        guard negative && magnitude != 0 else { return T(exactly: magnitude) }
        guard T.isSigned, magnitude <= UInt64(T.min.magnitude) else { return nil }
        // Two's complement: -magnitude, which for magnitude == |T.min| is T.min itself.
        return T(truncatingIfNeeded: 0 &- magnitude)
    }

    /// 10^0 … 10^22: every one is exactly representable as a Double.
    @usableFromInline static let powersOfTen: [Double] = [
        1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11,
        1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
    ]
}
