import Foundation
import XCTest
@testable import SearchReport

/// `ChartText.replacingAll` against Foundation's `replacingOccurrences(of:with:)`, the oracle it stands in for, on
/// random text of SVG-like pieces (overlapping and adjacent targets, non-ASCII text around them).
final class ChartTextTests: XCTestCase {
    func testReplacingAllMatchesFoundation() {
        let pieces = ["<svg ", "<svg", "svg ", "<", " ", "<svg <svg ", "é", "∑", "👩‍🔬", "a", "\n", "id=\"x\""]
        var generator = SystemRandomNumberGenerator()
        for _ in 0 ..< 2_000 {
            let text = (0 ..< Int.random(in: 0 ... 12, using: &generator))
                .map { _ in pieces.randomElement(using: &generator)! }.joined()
            for (target, replacement) in [("<svg ", "<svg id=\"curves-chart\" "), ("ss", "s"), ("a", "")] {
                XCTAssertEqual(ChartText.replacingAll(target, with: replacement, in: text),
                               text.replacingOccurrences(of: target, with: replacement), "\(text.debugDescription)")
            }
        }
    }
}
