import Foundation

import XCTest
@testable import JSONLines
import LinearAlgebra

/// Number conversions of `JSONLineScanner` against two oracles: the standard library's correctly rounded
/// `Double(String)` for Doubles, Foundation's `JSONDecoder` for integers.
final class JSONNumberTests: XCTestCase {
    private func scanDouble(_ text: String) -> Double? {
        var scanner = JSONLineScanner(Array(text.utf8))
        return try? scanner.readDouble()
    }

    private func scanInteger<T: FixedWidthInteger>(_ text: String, as type: T.Type) -> T? {
        var scanner = JSONLineScanner(Array(text.utf8))
        return try? scanner.readInteger(T.self)
    }

    /// The scanner's rule in terms of `Double(String)`: out of range (infinite, or a nonzero value rounded to zero)
    /// is refused.
    private func expectedDouble(_ text: String) -> Double? {
        guard let value = Double(text), value.isFinite else { return nil }
        let mantissa = text.prefix { $0 != "e" && $0 != "E" }
        if value == 0 && mantissa.contains(where: { ("1"..."9").contains($0) }) { return nil }
        return value
    }

    private func assertDouble(_ text: String, file: StaticString = #filePath, line: UInt = #line) {
        let actual = scanDouble(text), expected = expectedDouble(text)
        XCTAssertEqual(actual?.bitPattern, expected?.bitPattern,
                       "\(text): read \(actual.map { "\($0)" } ?? "nil"), expected \(expected.map { "\($0)" } ?? "nil")",
                       file: file, line: line)
    }

    /// A random number in JSON's grammar: `digits` significant digits, the decimal point anywhere (or none), an
    /// exponent or not.
    private func randomNumberText(digits: Int, exponent: Int, using generator: inout SeededGenerator) -> String {
        var digitText = String(Int.random(in: 1...9, using: &generator))
        for _ in 1..<digits { digitText.append(String(Int.random(in: 0...9, using: &generator))) }
        let point = Int.random(in: 0...digits, using: &generator)
        var text = Bool.random(using: &generator) ? "-" : ""
        if point == 0 {
            text += "0." + digitText
        } else if point == digits {
            text += digitText
        } else {
            text += digitText.prefix(point) + "." + digitText.dropFirst(point)
        }
        if exponent != 0 || Bool.random(using: &generator) {
            let sign = exponent < 0 ? "-" : Bool.random(using: &generator) ? "+" : ""
            let leadingZero = Bool.random(using: &generator) ? "0" : ""
            text += ["e", "E"].randomElement(using: &generator)! + sign + leadingZero + String(exponent.magnitude)
        }
        return text
    }

    /// Every path of `JSONNumber.doubleValue` (Clinger's, the Float80 one, the standard library's) on random texts
    /// from 1 to 24 digits and exponents far beyond the fast paths' ranges.
    func testDoublesMatchTheStandardLibraryBitForBit() {
        var generator = SeededGenerator(seed: 11)
        for _ in 0..<200_000 {
            let digits = Int.random(in: 1...24, using: &generator)
            let exponent = Int.random(in: -40...40, using: &generator)
            assertDouble(randomNumberText(digits: digits, exponent: exponent, using: &generator))
        }
        for text in ["0", "-0", "0.0", "-0.0", "0e0", "0.000e-999", "1e308", "1.7976931348623157e308", "1.7976931348623159e308",
                     "2.2250738585072014e-308", "4.9e-324", "2.4703282292062328e-324", "2.4703282292062327e-324", "1e-400",
                     "9007199254740993", "9007199254740993.0000000000000001", "18446744073709551615", "18446744073709551616",
                     "123456789012345678901234567890", "0.1", "0.30000000000000004", "1e23", "8.98846567431158e307"] {
            assertDouble(text)
        }
    }

    /// Decimal texts a hair beside the midpoint between two Doubles, where rounding to Float80 first lands exactly
    /// on the midpoint and rounding again to a Double goes the wrong way half the time: the Float80 path must hand
    /// them on. And exact midpoints, which must round to even.
    func testNearHalfwayCasesRoundCorrectly() {
        var generator = SeededGenerator(seed: 12)
        for _ in 0..<20_000 {
            // Doubles in [2^40, 2^41) are 2^-12 apart; the midpoint M = m·2^-13 (m odd) has 13 decimals. Its nearest
            // 7-decimal neighbour x is within 5e-8 of it, closer than half a Float80 ulp (2^-24), so x rounds to M in
            // Float80. The 20-digit significand x·10^7 still fits in 64 bits (m < 1.4e16), so the fast path sees x.
            let m = UInt64.random(in: 1 << 53 ..< 14_000_000_000_000_000, using: &generator) | 1
            let scaled = (UInt128(m) * 10_000_000 + (1 << 12)) >> 13
            for significand in [UInt64(scaled) - 1, UInt64(scaled), UInt64(scaled) + 1] {
                let fraction = String(significand % 10_000_000)
                let text = "\(significand / 10_000_000)." + String(repeating: "0", count: 7 - fraction.count) + fraction
                assertDouble(text)
                assertDouble("-" + text)
            }
            // Exact midpoints: odd integers between the even Doubles of [2^53, 2^54).
            let midpoint = UInt64.random(in: 1 << 52 ..< 1 << 53, using: &generator) * 2 + 1
            for text in ["\(midpoint)", "\(midpoint).0", "\(midpoint)000e-3", "\(midpoint)e-1"] {
                assertDouble(text)
            }
        }
    }

    /// Integers in every form JSONDecoder reads as Int or UInt64 (`100.0`, `1e2`, `1.5e1`), and the forms it
    /// refuses (`1.5`, overflow), decoded the same way.
    func testIntegersFollowJSONDecoder() throws {
        var generator = SeededGenerator(seed: 13)
        var texts = ["0", "-0", "0.0", "-0.0", "0e5", "1", "-1", "100", "100.0", "1e2", "1E+2", "1.5e1", "-1.5e1", "1.5",
                     "1e-5", "9007199254740993", "9007199254740993.0", "9007199254740993.5", "1e16", "1.2345678901234567e+17",
                     "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                     "9.223372036854775807e18", "-9.223372036854775807e18", "18446744073709551615", "18446744073709551616",
                     "1.8446744073709551615e19", "1.8446744073709552e19", "12345678901234567890000e-3",
                     "90071992547409930000000000000000000000000e-22", "1e19", "1e20", "1e400", "-1e400"]
        for _ in 0..<3000 {
            texts.append(randomNumberText(digits: Int.random(in: 1...21, using: &generator),
                                          exponent: Int.random(in: -3...20, using: &generator), using: &generator))
            let integer = Int.random(in: .min ... .max, using: &generator) >> Int.random(in: 0...63, using: &generator)
            texts.append(["\(integer)", "\(integer).0", "\(integer)e0", "\(integer)00e-2"].randomElement(using: &generator)!)
        }
        let decoder = JSONDecoder()
        for text in texts {
            let json = Data("[\(text)]".utf8)
            XCTAssertEqual(scanInteger(text, as: Int.self), (try? decoder.decode([Int].self, from: json))?.first, "Int \(text)")
            XCTAssertEqual(scanInteger(text, as: UInt64.self), (try? decoder.decode([UInt64].self, from: json))?.first,
                           "UInt64 \(text)")
        }
    }
}
