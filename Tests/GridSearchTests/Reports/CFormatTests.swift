import Foundation
import XCTest
@testable import GridSearch

/// `CFormat` against its oracle, Foundation's `String(format:)`: the same text for every conversion the reports use,
/// on awkward values (ties, powers of ten, subnormals, the largest Double, signed zeros, non-finite values).
final class CFormatTests: XCTestCase {
    func testMatchesFoundationsStringFormat() {
        let formats = ["%.6g", "%.4g", "%.4f", "%.2g", "%.3f", "%.2f s", "%.1f", "%.1f %%", "%+.1f %%", "%.1f×"]
        var values: [Double] = [0, -0.0, 1, -1, 0.5, 0.05, 0.125, 0.0325, 2.5e-05, 1e-4, 9.99995e-5, 123456.5,
                                999_999.5, 1e6, 1e15, 1e300, -1e300, .greatestFiniteMagnitude, .leastNonzeroMagnitude,
                                .leastNormalMagnitude, .pi, -.pi, 0.0483925, 1.0 / 3, 2.0 / 3, .infinity, -.infinity,
                                .nan]
        var generator = SystemRandomNumberGenerator()
        for _ in 0 ..< 500 {
            values.append(Double(sign: Bool.random(using: &generator) ? .plus : .minus,
                                 exponent: Int.random(in: -40 ... 40, using: &generator),
                                 significand: Double.random(in: 1 ..< 2, using: &generator)))
        }
        for format in formats {
            for value in values {
                XCTAssertEqual(CFormat.string(format, value), String(format: format, value), "\(format) of \(value)")
            }
        }
    }
}
