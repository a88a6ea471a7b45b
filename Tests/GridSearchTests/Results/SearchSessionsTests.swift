import XCTest
import Foundation
@testable import GridSearch

/// `SearchSessions.timestamp` writes what `ISO8601DateFormatter` (`.withInternetDateTime`) writes, without creating
/// one: the formatter is the oracle, over dates that exercise every field's padding, leap days, year ends and
/// fractions of a second just below the next second.
final class SearchSessionsTests: XCTestCase {
    func testTimestampMatchesISO8601DateFormatter() {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime]
        var dates = [Date(timeIntervalSince1970: 0), Date(timeIntervalSince1970: 951_782_400),  // 2000-02-29
                     Date(timeIntervalSince1970: 1_798_761_599.999),                            // 2026-12-31 23:59:59.999
                     Date(timeIntervalSince1970: 4_102_444_800), Date()]                         // 2100-01-01
        var generator = SystemRandomNumberGenerator()
        for _ in 0 ..< 2_000 {
            dates.append(Date(timeIntervalSince1970: Double.random(in: 0 ..< 4_102_444_800, using: &generator)))
        }
        for date in dates {
            XCTAssertEqual(SearchSessions.timestamp(date), formatter.string(from: date), "\(date.timeIntervalSince1970)")
        }
    }
}
