import Foundation

/// Combining a results directory's logs into the files a single run produces.
public enum Merge {
    /// Reads every log of `directory` and writes `results.jsonl` (sharded directories only: one line per trial, in
    /// grid order; a single run's log already is that file), `results.csv` and `best.json`, each atomically.
    /// Refuses an incomplete search (`ResultsError.incomplete`, listing the missing trials by shard) unless
    /// `allowPartial`. Returns the status it merged.
    @discardableResult
    public static func run(directory: String, allowPartial: Bool = false,
                           pcaBaseline: [Int: Double] = [:]) throws -> SearchStatus {
        let status = try SearchStatus.load(directory: directory)
        if !status.isComplete && !allowPartial {
            let detail = status.parts.filter { !$0.missing.isEmpty }.map { part in
                "\(part.shard.map { "shard \($0)" } ?? "all"): \(SearchStatus.ranges(part.missing))"
            }.joined(separator: "; ")
            throw ResultsError.incomplete(directory: directory, missing: status.missing.count,
                                          total: status.totalTrials, detail: detail)
        }
        if status.manifest.shards != nil {
            var text = Data()
            for record in status.records {
                do {
                    text.append(try record.jsonLine())
                } catch {
                    throw ResultsError.writeFailed(path: directory + "/results.jsonl",
                                                   reason: "cannot encode trial \(record.trialID): \(error)")
                }
                text.append(UInt8(ascii: "\n"))
            }
            try ResultsLog.writeFileAtomically(text, path: (directory as NSString).appendingPathComponent("results.jsonl"))
        }
        try Report(records: status.records, pcaBaseline: pcaBaseline).write(to: directory)
        return status
    }
}
