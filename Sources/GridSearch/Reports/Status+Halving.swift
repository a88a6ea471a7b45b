import Foundation

extension SearchStatus {
    /// The status of a `--halving` directory (never sharded): its records replayed rung by rung (`HalvingPlan.replay`,
    /// the rule the search itself follows). `missing` is the current rung's candidates without a record (grid
    /// indices of the candidate grid); later rungs are not known until it is done.
    static func halvingStatus(directory: String, manifest: ResultsManifest, plan: HalvingPlan,
                              histories: Bool) throws -> SearchStatus {
        let contents = try ResultsLog.read(path: (directory as NSString).appendingPathComponent("results.jsonl"),
                                           histories: histories)
        var part = Part(shard: nil, fileName: "results.jsonl", assigned: plan.plannedRecords)
        part.tornTail = contents.tornTail
        var seen = Set<String>()
        var records: [TrialRecord] = []
        for record in contents.records where seen.insert(record.trialID).inserted {
            records.append(record)
            switch record.status {
            case .ok: part.ok += 1
            case .diverged: part.diverged += 1
            case .failed: part.failed += 1
            }
        }
        let summary = plan.summary(records: records)
        let replay = plan.replay(Dictionary(records.map { ($0.trialID, $0) }, uniquingKeysWith: { a, _ in a }))
        if let current = replay.current {
            part.missing = replay.rungs[current].filter { $0.record == nil }.map { plan.candidates[$0.candidate].index }
        }
        let lastRung = records.filter { summary.lastRung.contains($0.trialID) && $0.status == .ok && ($0.testScore?.isFinite ?? false) }
        part.best = lastRung.min { ($0.testScore!, $0.index) < ($1.testScore!, $1.index) }
        var status = SearchStatus(directory: directory, manifest: manifest, parts: [part],
                                  records: records.sorted { ($0.index, $0.epochsRun) < ($1.index, $1.epochsRun) })
        status.halving = summary
        return status
    }
}
