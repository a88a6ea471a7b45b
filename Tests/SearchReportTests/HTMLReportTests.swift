import Foundation
#if canImport(FoundationXML)
import FoundationXML
#endif
import XCTest
@testable import SearchReport
@testable import GridSearch
import TestSupport
import SearchSpace

final class HTMLReportTests: XCTestCase {
    var directory = ""

    override func setUp() { directory = makeTemporaryDirectory(name) }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    /// What an XML parser sees of a page: every section id, and each chart's kind and data-marks.
    final class Outline: NSObject, XMLParserDelegate {
        var sections: [String] = []
        var charts: [(kind: String, marks: Int, section: String)] = []
        var markElements = 0

        func parser(_ parser: XMLParser, didStartElement name: String, namespaceURI: String?, qualifiedName: String?,
                    attributes: [String: String] = [:]) {
            if name == "section", let id = attributes["id"] { sections.append(id) }
            if name == "svg", attributes["class"] == "chart" {
                charts.append((attributes["data-kind"] ?? "", Int(attributes["data-marks"] ?? "") ?? -1, sections.last ?? ""))
            }
            if (name == "path" && attributes["d"]?.hasPrefix("M") == true) || (name == "rect" && attributes["class"] != "frame") {
                markElements += 1
            }
        }
    }

    /// Parses `html` as XML; fails the test with the parser's line and column when it is not well-formed.
    func outline(_ html: String, file: StaticString = #filePath, line: UInt = #line) -> Outline {
        let parser = XMLParser(data: Data(html.utf8))
        let outline = Outline()
        parser.delegate = outline
        if !parser.parse() {
            let lines = html.split(separator: "\n", omittingEmptySubsequences: false)
            let at = parser.lineNumber - 1
            XCTFail("not well-formed XML at line \(parser.lineNumber), column \(parser.columnNumber): "
                    + "\(parser.parserError.map { "\($0)" } ?? "?")\n\(at >= 0 && at < lines.count ? String(lines[at].prefix(300)) : "")",
                    file: file, line: line)
        }
        return outline
    }

    /// A complete grid over latent size × learning rate × l2 × activation (`count` trials at most), scored so that
    /// the latent size dominates; every 17th trial diverges; the best few have histories with validation losses.
    func syntheticReport(latents: [Int], rates: [Double], l2s: [Double], activations: [String],
                         shards: Int? = nil) throws -> HTMLReport {
        var records: [TrialRecord] = []
        var latentSizes: [String: Int] = [:]
        for latent in latents {
            for (r, rate) in rates.enumerated() {
                for (l, l2) in l2s.enumerated() {
                    for (a, activation) in activations.enumerated() {
                        let index = records.count
                        let id = String(format: "%016llx", stableHash64("trial \(index)"))
                        let diverged = index % 17 == 16
                        let score = 0.08 / Double(latent) * (1 + 0.1 * Double(r) + 0.05 * Double(l) + 0.02 * Double(a))
                            * (1 + Double(stableHash64(id) % 100) / 2000)
                        records.append(TrialRecord(
                            trialID: id, index: index,
                            parameters: ["latent_dim": .int(latent), "learning_rate": .double(rate), "l2": .double(l2),
                                         "activation": .string(activation)],
                            status: diverged ? .diverged : .ok,
                            reason: diverged ? "loss is NaN at epoch \(index % 30), batch 3" : nil,
                            trainLoss: diverged ? nil : score * 0.9, testScore: diverged ? nil : score,
                            epochsRun: 40, fitSeconds: 0.25, seed: UInt64(index)))
                        latentSizes[id] = latent
                    }
                }
            }
        }
        let report = Report(records: records,
                            baseline: PCABaseline(rows: latents.map {
                                .init(components: $0, testMSE: 0.1 / Double($0), trainMSE: 0.09 / Double($0), explainedVariance: 0.5)
                            }),
                            latentSizes: latentSizes)
        var histories: [String: [TrialRecord.Epoch]] = [:]
        for record in report.ranked.prefix(HTMLReport.curveTrials) {
            histories[record.trialID] = (1 ... 40).map { epoch in
                TrialRecord.Epoch(epoch: epoch, loss: record.testScore! * (1 + 3 / Double(epoch)),
                                  validationLoss: record.testScore! * (1.1 + 2 / Double(epoch)), seconds: 0.01)
            }
        }
        let grid = try ParameterGrid.parse("""
            {"latent_dim": [\(latents.map(String.init).joined(separator: ","))], "learning_rate": [\(rates.map { "\($0)" }.joined(separator: ","))],
             "l2": [\(l2s.map { "\($0)" }.joined(separator: ","))], "activation": ["relu"]}
            """, source: "test")
        let manifest = ResultsManifest(grid: grid, dataFingerprint: "f", dataShape: [1797, 64],
                                       dataDescription: "train digits_X.csv", trainPath: "/data/digits_X.csv",
                                       settings: ["evaluation": "holdout", "test_fraction": "0.2", "seed": "0", "scale": "none"],
                                       shards: shards)
        let sessions = [SearchSessions.Session(started: "2026-01-01T00:00:00Z", wallSeconds: 12.5, jobs: 2, cores: 2,
                                               host: "test", trials: records.count, interrupted: false)]
        return HTMLReport(name: "synthetic", manifest: manifest, report: report, histories: histories, sessions: sessions,
                          shards: nil, missing: 0, generated: "2026-01-01T00:00:01Z")
    }

    /// The page is well-formed XML (so its SVG is valid XML), has every section, and every chart draws data.
    func testPageIsWellFormedXMLWithEverySectionAndNoEmptyChart() throws {
        // An activation name with every character that needs escaping in HTML and XML.
        let page = try syntheticReport(latents: [2, 4, 8, 16], rates: [0.01, 0.001], l2s: [0, 0.001, 0.01],
                                       activations: ["relu", "a<b&\"c'>"]).html()
        let outline = outline(page)
        XCTAssertEqual(outline.sections, ["summary", "leaderboard", "importance", "slices", "pairs", "curves", "latent"])
        XCTAssertEqual(Set(outline.charts.map(\.kind)), ["importance", "slice", "heatmap", "curves", "latent"])
        XCTAssertEqual(outline.charts.filter { $0.kind == "slice" }.count, 4, "one per varying key")
        XCTAssertEqual(outline.charts.filter { $0.kind == "heatmap" }.count, 6, "one per pair of 4 keys")
        for chart in outline.charts { XCTAssertGreaterThan(chart.marks, 0, "empty \(chart.kind) chart in #\(chart.section)") }
        XCTAssertGreaterThan(outline.markElements, 50)
        XCTAssertTrue(page.contains("a&lt;b&amp;&quot;c&#39;&gt;"), "escaped parameter value")
        XCTAssertFalse(page.contains("a<b&"), "an unescaped value")
        XCTAssertFalse(page.contains("http://") && page.replacingOccurrences(of: "http://www.w3.org/", with: "").contains("http://"),
                       "a reference to the network")
        XCTAssertTrue(page.contains("Failed and diverged trials (2)"), "the two diverged trials are listed")
    }

    /// The importance chart lists the dominant key (latent size) first, and the slices follow that order.
    func testImportanceChartRanksTheDominantParameterFirst() throws {
        let report = try syntheticReport(latents: [2, 4, 8, 16, 32], rates: [0.01, 0.001, 0.0001], l2s: [0, 0.01],
                                         activations: ["relu"])
        XCTAssertEqual(report.importance.entries.first?.key, "latent_dim")
        let page = report.html()
        let section = try XCTUnwrap(page.range(of: "<section id=\"importance\"").map { page[$0.lowerBound...] })
        let bars = section.components(separatedBy: "<text class=\"label\"").dropFirst().prefix(3)
        XCTAssertTrue(bars.first?.contains(">latent_dim</text>") == true, String(bars.first ?? ""))
        let slices = try XCTUnwrap(page.range(of: "<section id=\"slices\"").map { String(page[$0.lowerBound...]) })
        XCTAssertTrue(slices.components(separatedBy: "<figcaption>")[1].hasPrefix("latent_dim"))
    }

    /// 10,000 trials: the page summarises (points merged at pixel resolution, six curves, 50 rows), so it stays
    /// well under 2 MB, and it is made in well under a second.
    func testTenThousandTrialsStayUnderTwoMegabytes() throws {
        let report = try syntheticReport(latents: Array(1 ... 25), rates: [0.03, 0.01, 0.003, 0.001, 0.0003],
                                         l2s: [0, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1, 0.3, 1], activations: ["relu", "tanh", "elu", "sigmoid", "selu", "linear", "softplus", "swish", "gelu", "mish"])
        XCTAssertEqual(report.report.ranked.count, 10_000)
        let started = Date()
        let page = report.html()
        let seconds = Date().timeIntervalSince(started)
        let bytes = page.utf8.count
        print("10,000-trial report: \(bytes) bytes, made in \(String(format: "%.2f", seconds)) s")
        XCTAssertLessThan(bytes, 2_000_000)
        let outline = outline(page)
        XCTAssertEqual(outline.charts.filter { $0.kind == "slice" }.count, 4)
        XCTAssertTrue(page.contains("more finished trials in <code>results.csv</code>"))
    }

    /// From a sharded results directory on disk: the shard section, the best trials' histories read from the logs,
    /// sessions, and `write` putting DIR/report.html there atomically.
    func testLoadsAShardedDirectoryWithHistoriesAndWritesTheFile() throws {
        let grid = try ParameterGrid.parse("latent_dim: [2, 4, 6]\nlearning_rate: [0.01, 0.001]\nepochs: [5]", source: "grid.yaml")
        let manifest = ResultsManifest(grid: grid, dataFingerprint: "f", dataShape: [100, 10], dataDescription: "train x.npy",
                                       settings: ["seed": "0", "evaluation": "holdout", "test_fraction": "0.2"])
        let plan = try ShardPlan(grid: grid, inputSize: 10, trainingSamples: 100, shards: 3)
        for k in 0 ..< 3 {
            let shard = ShardID(index: k, count: 3)
            let log = try ResultsLog.open(directory: directory, manifest: manifest, shard: shard)
            // Shard 2 has not run its last trial yet.
            for index in plan.trialIndices(inShard: k).dropLast(k == 2 ? 1 : 0) {
                let trial = try TrialConfiguration.make(grid: grid, index: index, inputSize: 10, baseSeed: 0)
                var record = TrialRecord(trial: trial, status: .ok, epochsRun: 5, fitSeconds: 0.1)
                record.testScore = 0.1 / Double(trial.architecture.latentSize) + Double(index) / 1000
                record.history = (1 ... 5).map { TrialRecord.Epoch(epoch: $0, loss: 0.2 / Double($0), seconds: 0.01) }
                try log.append(record)
            }
            try log.close()
            try SearchSessions.append(.init(started: "2026-01-01T00:00:0\(k)Z", wallSeconds: 1, jobs: 1, cores: 2, host: "node\(k)",
                                            trials: 2, interrupted: false, shard: shard.description,
                                            gemm: k == 0 ? "blas: OpenBLAS 0.3.21 … Haswell" : "blas: OpenBLAS 0.3.21 … Cooperlake"),
                                      directory: directory, shard: shard)
        }
        let report = try HTMLReport.load(directory: directory)
        XCTAssertEqual(report.sessions.count, 3)
        XCTAssertEqual(report.missing, 1)
        XCTAssertEqual(report.histories.count, 5, "the histories of the five finished trials")
        XCTAssertTrue(report.histories.values.allSatisfy { $0.count == 5 })
        let path = try HTMLReport.write(directory: directory)
        XCTAssertEqual(path, (directory as NSString).appendingPathComponent("report.html"))
        let page = try String(contentsOfFile: path, encoding: .utf8)
        let outline = outline(page)
        XCTAssertEqual(outline.sections.last, "shards")
        XCTAssertTrue(page.contains("5 of 6 trials done across 3 shards"), page)
        XCTAssertTrue(page.contains("3.00 s summed over 3 shard sessions on 3 hosts"))
        XCTAssertTrue(page.contains("matrix products on 2 different kernels"), "the shards' OpenBLAS kernels differ")
        XCTAssertTrue(page.contains("1 not yet run"))
    }
}
