import Foundation
import XCTest
@testable import SearchSpace

/// `trimmingWhitespace`, which reads `--grid` arguments without Foundation's CharacterSet, against its oracle
/// `trimmingCharacters(in: .whitespacesAndNewlines)`: every Unicode space and line break at either end, nothing inside.
final class TrimmingTests: XCTestCase {
    func testMatchesFoundationsTrimming() {
        let spaces = [" ", "\t", "\n", "\r", "\r\n", "\u{0B}", "\u{0C}", "\u{85}", "\u{A0}", "\u{1680}", "\u{2003}",
                      "\u{2028}", "\u{2029}", "\u{202F}", "\u{205F}", "\u{3000}"]
        let bodies = ["", "{\"a\": [1]}", "grid.yaml", "a b", "x\u{200B}", "\u{301}é", " \u{301}"]
        for body in bodies {
            for before in [""] + spaces {
                for after in [""] + spaces {
                    let text = before + body + after
                    XCTAssertEqual(trimmingWhitespace(text), text.trimmingCharacters(in: .whitespacesAndNewlines),
                                   "\(text.unicodeScalars.map { String($0.value, radix: 16) })")
                }
            }
        }
    }
}
