import ArgumentParser
import XCTest
import LinearAlgebra
@testable import AEGridCLI

/// `SearchRequest(quickParsing:)`, the start-up shortcut past ArgumentParser, against ArgumentParser's own parse of
/// `SearchCommand`: every option it reads gives the same request, and every command line it is not sure of is left
/// to the full parse (nil), so help and usage errors keep ArgumentParser's text.
final class SearchCommandLineTests: XCTestCase {
    let required = ["--train", "data.csv", "--grid", "grid.yaml", "--out", "runs/a"]

    /// A value each option takes, by long name; flags map to nil.
    let samples: [String: String?] = [
        "train": "x.npy", "test": "y.npy", "grid": #"{"latent_dim": [2]}"#, "out": "dir", "jobs": "3",
        "seed": "18446744073709551615", "test-fraction": "0.25", "cv": "4", "scale": "standard", "refit": "all",
        "top": "7", "shard": "2/8", "shards": "8", "max-memory": "512M", "factor": "4", "min-epochs": "2",
        "max-epochs": "20", "n-iter": "5", "halving": nil, "aggressive-elimination": nil, "quiet": nil,
    ]

    /// ArgumentParser's request for `arguments`, or nil when it refuses them.
    func fullParse(_ arguments: [String]) -> SearchRequest? {
        (try? SearchCommand.parse(arguments))?.request
    }

    func assertQuickMatchesFull(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) {
        let quick = SearchRequest(quickParsing: arguments)
        XCTAssertNotNil(quick, "read without ArgumentParser: \(arguments)", file: file, line: line)
        XCTAssertEqual(quick, fullParse(arguments), "\(arguments)", file: file, line: line)
    }

    /// Every option and flag `aegrid search --help` lists is read by the shortcut, alone and in both spellings,
    /// exactly as ArgumentParser reads it. A new option fails here until it has a sample and a case in
    /// `SearchRequest.setOption` / `setFlag`.
    func testEveryOptionInTheHelpIsReadAsArgumentParserReadsIt() throws {
        let help = SearchCommand.helpMessage(columns: 10_000)
        let names = Set(help.matches(of: /--([a-z][a-z-]*)/).map { String($0.output.1) }).subtracting(["help"])
        XCTAssertGreaterThan(names.count, 15, help)
        for name in names.sorted() {
            guard let sample = samples[name] else {
                XCTFail("--\(name) is in `aegrid search --help` but has no sample value here")
                continue
            }
            // The option itself replaces its required counterpart; the halving options come with `--halving`.
            var context = required
            if let position = context.firstIndex(of: "--\(name)") { context.removeSubrange(position ... position + 1) }
            if ["factor", "min-epochs", "max-epochs", "aggressive-elimination"].contains(name) {
                context.append("--halving")
            }
            if let sample {
                assertQuickMatchesFull(context + ["--\(name)", sample])
                assertQuickMatchesFull(context + ["--\(name)=\(sample)"])
            } else {
                assertQuickMatchesFull(context + ["--\(name)"])
            }
        }
        assertQuickMatchesFull(required + ["-q"])
    }

    /// The seed's command lines, as the README and `make bench` run them, take the shortcut.
    func testTypicalCommandLines() {
        assertQuickMatchesFull(["--train", "examples/seed/X_train.npy", "--test", "examples/seed/X_test.npy",
                                "--grid", "examples/seed/grid1.json", "--jobs", "2", "--out", "runs/grid1", "--quiet"])
        assertQuickMatchesFull(required + ["--halving", "--min-epochs", "3", "--max-epochs", "27", "--factor", "3"])
        assertQuickMatchesFull(required + ["--n-iter", "20", "--seed", "1", "--cv", "5", "--scale", "minmax"])
        assertQuickMatchesFull(required + ["--refit", "none", "--top", "3", "--shards", "4", "--max-memory", "8G"])
    }

    /// Random command lines, from the options' names and values, near misses and hostile tokens: the shortcut never
    /// traps, and whatever it reads, ArgumentParser reads as the same request. Seeded, so a failure repeats.
    func testRandomCommandLinesAreReadAsArgumentParserReadsThemOrLeftToIt() {
        let names = samples.keys.sorted().map { "--" + $0 } + ["-q", "-h", "--help", "--", "--bogus", "-", "---train",
                                                                "--Train", "--q", "--train=", "--=x", "--seed=-1"]
        let values = ["1", "0", "-1", "2.5", ".5", "+3", " 3", "1e3", "0x10", "nan", "inf", "abc", "", "x.csv",
                      #"{"a": [1]}"#, "standard", "minmax", "none", "all", "2/8", "8G", "-", "--", "é", "=", "a=b"]
        var generator = SeededGenerator(seed: 17)
        var accepted = 0
        for _ in 0 ..< 3000 {
            // Mostly plausible: the required options (now and then one missing) and a few others, each with its
            // sample value, in either spelling; then, often, a value swapped for a random one or a stray token.
            var chosen = ["train", "grid", "out"].filter { _ in Int.random(in: 0 ..< 12, using: &generator) > 0 }
            let others = samples.keys.filter { !["train", "grid", "out"].contains($0) }.sorted()
            chosen += others.shuffled(using: &generator).prefix(Int.random(in: 0 ... 4, using: &generator))
            var groups: [[String]] = chosen.map { name in
                guard let sample = samples[name]! else { return ["--" + name] }
                let value = Int.random(in: 0 ..< 5, using: &generator) == 0 ? values.randomElement(using: &generator)! : sample
                return Bool.random(using: &generator) ? ["--" + name, value] : ["--" + name + "=" + value]
            }
            for _ in 0 ..< Int.random(in: 0 ... 2, using: &generator) where Int.random(in: 0 ..< 3, using: &generator) == 0 {
                groups.append(Bool.random(using: &generator) ? [names.randomElement(using: &generator)!]
                                  : [names.randomElement(using: &generator)!, values.randomElement(using: &generator)!])
            }
            let arguments = groups.shuffled(using: &generator).flatMap { $0 }
            guard let quick = SearchRequest(quickParsing: arguments) else { continue }
            accepted += 1
            XCTAssertEqual(quick, fullParse(arguments), "\(arguments)")
        }
        XCTAssertGreaterThan(accepted, 300, "the generator also makes command lines the shortcut reads")
    }

    /// What the shortcut leaves to ArgumentParser: help, unknown or repeated names, values it cannot convert or
    /// that look like options, missing required options, and every rule `validate()` enforces.
    func testAnythingUnusualIsLeftToTheFullParse() {
        let refused: [[String]] = [
            required + ["--help"], required + ["-h"], ["--help"], [],
            required + ["--generate-completion-script", "bash"],
            required + ["--"], required + ["extra"], required + ["--bogus", "1"], required + ["-x"],
            required + ["--train", "again.csv"], required + ["-q", "--quiet"], required + ["-q", "-q"],
            required + ["--quiet=true"], required + ["--halving=1"],
            required + ["--jobs"], required + ["--jobs", "two"], required + ["--jobs", "-1"], required + ["--jobs="],
            required + ["--seed", "-1"], required + ["--test-fraction", "abc"], required + ["--scale", "bogus"],
            required + ["--refit", "best"],
            ["--train", "a.csv", "--grid", "g.json"], ["--grid", "g.json", "--out", "o"],
            // validate()'s rules
            required + ["--cv", "1"], required + ["--jobs", "0"], required + ["--top", "0"],
            required + ["--test-fraction", "1.5"], required + ["--test", "t.csv", "--cv", "3"],
            required + ["--max-memory", "lots"], required + ["--factor", "4"], required + ["--halving", "--shard", "0/2"],
            required + ["--halving", "--min-epochs", "9", "--max-epochs", "3"], required + ["--n-iter", "0"],
        ]
        for arguments in refused {
            XCTAssertNil(SearchRequest(quickParsing: arguments), "left to ArgumentParser: \(arguments)")
        }
        // …and ArgumentParser itself refuses those that are errors, so the user sees its message.
        XCTAssertNil(fullParse(required + ["--cv", "1"]))
        XCTAssertNil(fullParse(required + ["--jobs", "two"]))
    }
}
