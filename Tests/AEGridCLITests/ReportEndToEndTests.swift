import Foundation
import XCTest

/// `aegrid report`, and the report.html that `search`, `results` and `merge` leave, run as a user runs them.
final class ReportEndToEndTests: XCTestCase {
    let train = AEGridProcess.example("seed/X_train.npy")
    let test = AEGridProcess.example("seed/X_test.npy")
    let grid = #"{"latent_dim": [2, 4], "learning_rate": [0.01, 0.001], "epochs": [3], "patience": [2]}"#

    func testSearchWritesTheReportAndReportRewritesItAnywhere() throws {
        let out = try temporaryDirectory()
        let search = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid", grid,
                                            "--out", out.path, "--quiet", "--refit", "none"])
        XCTAssertEqual(search.status, 0, search.stderr)
        XCTAssertTrue(search.stdout.contains(out.appendingPathComponent("report.html").path), search.stdout)
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        for section in ["summary", "leaderboard", "importance", "slices", "pairs", "curves", "latent"] {
            XCTAssertTrue(page.contains("<section id=\"\(section)\""), "no #\(section)")
        }
        XCTAssertTrue(page.contains("4 recorded: 4 finished, 0 diverged, 0 failed"))
        XCTAssertTrue(page.contains("validation loss (dashed)"), "patience trials have validation curves")

        let elsewhere = out.appendingPathComponent("copy.html").path
        let report = try AEGridProcess.run(["report", out.path, "--out", elsewhere])
        XCTAssertEqual(report.status, 0, report.stderr)
        XCTAssertTrue(report.stdout.hasPrefix("report: \(elsewhere) ("), report.stdout)
        XCTAssertTrue(report.stdout.hasSuffix(" s)\n"), report.stdout)
        // The same directory gives the same page, but for the time it was made.
        let copy = try String(contentsOfFile: elsewhere, encoding: .utf8)
        let withoutTime = { (text: String) in text.replacingOccurrences(of: #"made \S+ by"#, with: "", options: .regularExpression) }
        XCTAssertEqual(withoutTime(copy), withoutTime(page))

        // `aegrid results` draws the page from the records it has read for the leaderboard (a single run's
        // directory), and it is the page `aegrid report` draws from the files.
        let results = try AEGridProcess.run(["results", out.path])
        XCTAssertTrue(results.stdout.contains(out.appendingPathComponent("report.html").path), results.stdout)
        XCTAssertEqual(withoutTime(try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)),
                       withoutTime(copy))
    }

    /// The search draws its page while it writes sessions.json, from the sessions it is writing: a resumed run's
    /// page counts both sessions and is still the page `aegrid report` draws from the files.
    func testASearchsPageHasItsOwnSessionAndMatchesTheReportCommand() throws {
        let out = try temporaryDirectory()
        let arguments = ["search", "--train", train, "--test", test, "--grid", grid, "--out", out.path, "--quiet"]
        for _ in 0 ..< 2 {
            let search = try AEGridProcess.run(arguments)
            XCTAssertEqual(search.status, 0, search.stderr)
        }
        let page = try String(contentsOf: out.appendingPathComponent("report.html"), encoding: .utf8)
        XCTAssertTrue(page.contains("over 2 sessions (resumed 1 time)"), "the page counts the run that drew it")
        let elsewhere = out.appendingPathComponent("copy.html").path
        XCTAssertEqual(try AEGridProcess.run(["report", out.path, "--out", elsewhere]).status, 0)
        let withoutTime = { (text: String) in text.replacingOccurrences(of: #"made \S+ by"#, with: "", options: .regularExpression) }
        XCTAssertEqual(withoutTime(try String(contentsOfFile: elsewhere, encoding: .utf8)), withoutTime(page))
    }

    func testReportOfADirectoryNoSearchWroteIsAnError() throws {
        let empty = try temporaryDirectory()
        let result = try AEGridProcess.run(["report", empty.path])
        XCTAssertEqual(result.status, 1)
        XCTAssertTrue(result.stderr.hasPrefix("aegrid: error: \(empty.path): "), result.stderr)
        XCTAssertTrue(result.stderr.contains("manifest.json"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: empty.appendingPathComponent("report.html").path))
    }
}
