// libFuzzer target: a results log as `aegrid results`, `merge` and `report` draw it. Every line that decodes becomes
// a record (the rest are skipped, as a torn tail would be); the text leaderboard, the CSV, best.json and the HTML
// page are made from them. The decoder has its own target (jsonline); this one feeds what it accepts to the code
// that formats it, where a count of 2⁶³ − 1 or a negative index once trapped.
import Foundation
import GridSearch
import SearchReport
import SearchSpace

private let manifest = ResultsManifest(grid: try! ParameterGrid.parse(#"{"latent_dim": [2, 4], "epochs": [3]}"#,
                                                                      source: "fuzz"),
                                       dataFingerprint: "fuzz", dataShape: [100, 8], dataDescription: "fuzz")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzReport(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var records: [TrialRecord] = []
    var histories: [String: [TrialRecord.Epoch]] = [:]
    var latentSizes: [String: Int] = [:]
    for line in Data(bytes: data, count: size).split(separator: UInt8(ascii: "\n")) {
        guard let record = try? TrialRecord.decode(line: Data(line)) else { continue }
        records.append(record)
        histories[record.trialID] = record.history
        if case let .int(latent)? = record.parameters["latent_dim"] { latentSizes[record.trialID] = latent }
    }
    guard !records.isEmpty else { return 0 }
    let report = Report(records: records, latentSizes: latentSizes)
    _ = report.leaderboard(top: 10)
    _ = report.csv()
    _ = try? report.bestJSON()
    let page = HTMLReport(name: "fuzz", manifest: manifest, report: report, histories: histories, sessions: [],
                          shards: nil, missing: 0, generated: "2026-01-01T00:00:00Z")
    _ = page.html()
    return 0
}
