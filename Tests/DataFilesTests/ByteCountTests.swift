import Foundation
import XCTest
import DataFiles

/// `ByteCount.format` prints what `String(format: "%.1f %@", …)` printed before it was written in integer
/// arithmetic: the same unit, the same digit, ties rounded to even.
final class ByteCountTests: XCTestCase {
    private func reference(_ bytes: Int) -> String {
        let units = ["KB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes)
        var unit = -1
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit < 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }

    func testPinnedSizes() {
        XCTAssertEqual(ByteCount.format(0), "0 bytes")
        XCTAssertEqual(ByteCount.format(1023), "1023 bytes")
        XCTAssertEqual(ByteCount.format(1024), "1.0 KB")
        XCTAssertEqual(ByteCount.format(1536 << 20), "1.5 GB")
        XCTAssertEqual(ByteCount.format(1280), "1.2 KB", "1.25 exactly: a tie, to even")
        XCTAssertEqual(ByteCount.format(1792), "1.8 KB", "1.75 exactly: a tie, to even")
        XCTAssertEqual(ByteCount.format(1024 * 1024 - 1), "1024.0 KB")
        XCTAssertEqual(ByteCount.format(Int.max), "8.0 EB")
    }

    func testAgreesWithPrintfEverywhere() {
        var values = [Int.max, Int.max - 1, 1 << 62, (1 << 60) * 7 + 12345, -5]
        for shift in stride(from: 10, through: 62, by: 1) {
            let base = 1 << shift
            values += [base - 1, base, base + 1, base + base / 20, base + base / 40, base / 2 * 3, base / 1024 * 1023]
        }
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        for _ in 0 ..< 20_000 {
            state = state &* 6364136223846793005 &+ 1442695040888963407
            values.append(Int(state >> UInt64(1 + state % 62)))  // sizes across every unit
        }
        for bytes in values {
            XCTAssertEqual(ByteCount.format(bytes), reference(bytes), "bytes = \(bytes)")
        }
    }
}
