import Foundation
import XCTest
@testable import SearchReport

/// The page's hand-written formatting against `String(format:)`, which it replaced on the page's path: heatmap
/// colours (`%02x` per channel) and durations (`%d min %02d s`, `%d h %02d min`).
final class PageFormattingTests: XCTestCase {
    func testHexBytesAreFormatsTwoLowercaseDigits() {
        for value in 0 ... 255 {
            XCTAssertEqual(ChartPalette.hexByte(value), String(format: "%02x", value))
        }
        XCTAssertEqual(ChartPalette.viridis(0), "#440154")
        XCTAssertEqual(ChartPalette.viridis(1), "#fde725")
    }

    func testDurationsAsBefore() {
        for seconds in [0, 0.004, 59.994, 59.996, 60, 61.5, 599, 3599.9, 3600, 3661, 86_399, 360_000.5] {
            let expected = seconds < 60 ? String(format: "%.2f s", seconds)
                : seconds < 3600 ? String(format: "%d min %02d s", Int(seconds) / 60, Int(seconds) % 60)
                : String(format: "%d h %02d min", Int(seconds) / 3600, Int(seconds) % 3600 / 60)
            XCTAssertEqual(HTMLReport.duration(seconds), expected, "\(seconds)")
        }
    }

    /// The files a page is drawn from may be edited by hand: numbers outside Int's range are written, not trapped
    /// on.
    func testNumbersOutsideIntsRangeAreWrittenNotTrappedOn() {
        XCTAssertEqual(HTMLReport.duration(1e300), "1e+300 s")
        XCTAssertEqual(HTMLReport.duration(.nan), "nan s")
        XCTAssertEqual(ChartText.integer(9_007_199_254_740_992), "9007199254740992")
        XCTAssertEqual(ChartText.integer(-3), "-3")
        XCTAssertEqual(ChartText.integer(0x1p63), ChartText.number(0x1p63))
        XCTAssertEqual(ChartText.integer(-.infinity), ChartText.number(-.infinity))
        XCTAssertEqual(ChartText.px(1e300), "1000000000000")
        XCTAssertEqual(ChartText.px(-1e300), "-1000000000000")
    }
}
