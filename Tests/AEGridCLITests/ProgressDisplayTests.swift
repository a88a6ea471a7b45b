import XCTest
@testable import AEGridCLI

/// The progress line's clocks: running time, ETA and durations as a person reads them, and numbers no run reaches
/// (an ETA from a plan of 2⁶³ − 1 epochs, NaN) written rather than trapped on converting to Int.
final class ProgressDisplayTests: XCTestCase {
    func testClocksAsARunShowsThem() {
        XCTAssertEqual(ProgressDisplay.clock(12.34), "12.3s")
        XCTAssertEqual(ProgressDisplay.clock(245.2), "4:05.2")
        XCTAssertEqual(ProgressDisplay.clock(3723), "1:02:03")
        XCTAssertEqual(ProgressDisplay.countdown(6.2), "7s")
        XCTAssertEqual(ProgressDisplay.countdown(244.1), "4:05")
        XCTAssertEqual(ProgressDisplay.duration(3723.4), "1:02:03")
    }

    func testTimesOutsideIntsRangeAreWrittenNotTrappedOn() {
        XCTAssertEqual(ProgressDisplay.countdown(9.3e19), "9.3e+19s")
        XCTAssertEqual(ProgressDisplay.clock(1e300), "1e+300s")
        XCTAssertEqual(ProgressDisplay.duration(.infinity), "infs")
        XCTAssertEqual(ProgressDisplay.countdown(.nan), "nans")
    }
}
