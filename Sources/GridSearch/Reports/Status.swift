import Foundation
import SearchSpace

/// The state of a results directory, single run or sharded, read without locking (safe while writers run).
///
/// The grid, the data shape and the shard count come from `manifest.json`, so the assignment of trials to shards
/// is recomputed exactly as the shards computed it. A trial is done when a record with its trial id is in any log
/// of the directory (points that are identical share one record).
public struct SearchStatus: Sendable {
    /// One log: the whole grid for a single run, or one shard's share.
    public struct Part: Sendable {
        /// nil for a single (unsharded) run.
        public var shard: ShardID?
        public var fileName: String
        /// Trials this part runs (grid indices).
        public var assigned: Int
        public var ok = 0, diverged = 0, failed = 0
        /// Grid indices of this part's trials with no record yet, ascending.
        public var missing: [Int] = []
        /// The log's last line was torn (its writer was killed mid-line; it reruns that trial).
        public var tornTail = false
        /// Lowest test MSE among this part's trials.
        public var best: TrialRecord?

        public var done: Int { ok + diverged + failed }
    }

    public let directory: String
    public let manifest: ResultsManifest
    public let parts: [Part]
    /// One record per finished trial, in grid order.
    public let records: [TrialRecord]
    /// For a `--halving` search: its rungs so far (then `missing` lists the current rung's pending candidates).
    public var halving: HalvingSummary?

    /// Grid indices without a record, ascending.
    public var missing: [Int] { parts.flatMap(\.missing).sorted() }
    public var isComplete: Bool { parts.allSatisfy { $0.missing.isEmpty } }
    /// The finished trial with the lowest test MSE (ties: lowest grid index).
    public var best: TrialRecord? {
        records.filter { $0.status == .ok && ($0.testScore?.isFinite ?? false) }
            .min { ($0.testScore!, $0.index) < ($1.testScore!, $1.index) }
    }
    public var totalTrials: Int { manifest.gridPoints }

    /// Reads `directory`'s manifest and every log it implies; the records keep their per-epoch histories only with
    /// `histories` (`merge` writes them back; the status table needs none). Throws `ResultsError` (no manifest,
    /// unreadable or corrupt log) or `GridError` (a manifest whose grid no longer parses).
    public static func load(directory: String, histories: Bool) throws -> SearchStatus {
        guard let manifest = try ResultsLog.readManifest(directory: directory) else {
            throw ResultsError.noResults(directory: directory, detail: "no manifest.json: not an aegrid results directory "
                                         + "(aegrid search --out \(directory) creates one)")
        }
        let grid = try manifest.parsedGrid(source: ResultsLog.manifestPath(directory: directory))
        if let plan = try HalvingPlan(manifest: manifest) {
            return try halvingStatus(directory: directory, manifest: manifest, plan: plan, histories: histories)
        }
        let inputSize = manifest.inputSize
        var assignments: [(shard: ShardID?, file: String, indices: [Int])] = []
        if let count = manifest.shards {
            let plan = try ShardPlan(grid: grid, inputSize: inputSize, trainingSamples: manifest.dataShape.first ?? 1,
                                     shards: count)
            for index in 0..<count {
                let shard = ShardID(index: index, count: count)
                assignments.append((shard, shard.resultsFileName, plan.trialIndices(inShard: index)))
            }
        } else {
            assignments.append((nil, "results.jsonl", Array(0..<grid.count)))
        }

        var byID: [String: TrialRecord] = [:]
        var torn: [Bool] = []
        for assignment in assignments {
            let contents = try ResultsLog.read(path: (directory as NSString).appendingPathComponent(assignment.file),
                                               histories: histories)
            torn.append(contents.tornTail)
            for record in contents.records where byID[record.trialID] == nil { byID[record.trialID] = record }
        }
        return assemble(directory: directory, manifest: manifest, grid: grid, assignments: assignments, byID: byID,
                        torn: torn)
    }

    /// The status of a single (unsharded, not halving) run from its log's records as `ResultsLog.read` gives them,
    /// without reading the directory: what `load(directory:histories:)` returns once that run has written them.
    static func singleRun(directory: String, manifest: ResultsManifest, grid: ParameterGrid,
                          records: [TrialRecord]) -> SearchStatus {
        var byID: [String: TrialRecord] = [:]
        for record in records where byID[record.trialID] == nil { byID[record.trialID] = record }
        return assemble(directory: directory, manifest: manifest, grid: grid,
                        assignments: [(nil, "results.jsonl", Array(0..<grid.count))], byID: byID, torn: [false])
    }

    /// Each part's counts, missing indices and best trial, and one record per grid point in grid order, from the
    /// records of the parts' logs by trial id.
    private static func assemble(directory: String, manifest: ResultsManifest, grid: ParameterGrid,
                                 assignments: [(shard: ShardID?, file: String, indices: [Int])],
                                 byID: [String: TrialRecord], torn: [Bool]) -> SearchStatus {
        let identities = TrialIdentities(grid: grid)
        var parts: [Part] = []
        var merged: [Int: TrialRecord] = [:]
        for (position, assignment) in assignments.enumerated() {
            var part = Part(shard: assignment.shard, fileName: assignment.file, assigned: assignment.indices.count)
            part.tornTail = torn[position]
            for index in assignment.indices {
                guard let record = byID[identities.trialID(at: index)] else {
                    part.missing.append(index)
                    continue
                }
                switch record.status {
                case .ok: part.ok += 1
                case .diverged: part.diverged += 1
                case .failed: part.failed += 1
                }
                if merged[record.index] == nil { merged[record.index] = record }
                if record.status == .ok, let score = record.testScore, score.isFinite,
                   part.best.map({ (score, record.index) < ($0.testScore!, $0.index) }) ?? true {
                    part.best = record
                }
            }
            parts.append(part)
        }
        let records = merged.keys.sorted().map { merged[$0]! }
        return SearchStatus(directory: directory, manifest: manifest, parts: parts, records: records)
    }

    /// The status table: per part and in total, done / ok / diverged / failed / missing and the best test MSE,
    /// then the exact missing grid indices per part (as ranges, e.g. `0-7, 9`).
    public func text() -> String {
        var lines: [String] = []
        let sharding = manifest.shards.map { "in \($0) shards" } ?? "single run"
        lines.append("\(directory): grid of \(totalTrials) trials, \(sharding); data \(manifest.dataDescription) "
                     + manifest.dataShape.map(String.init).joined(separator: "×"))
        var table = [["shard", "done", "ok", "diverged", "failed", "missing", "best test MSE"]]
        func bestText(_ record: TrialRecord?) -> String {
            record.map { "\(CFormat.string("%.6g", $0.testScore!)) (trial \($0.index), \($0.trialID))" } ?? "-"
        }
        for part in parts {
            table.append([part.shard?.description ?? "all", String(part.done), String(part.ok), String(part.diverged),
                          String(part.failed), String(part.missing.count), bestText(part.best)])
        }
        if parts.count > 1 {
            let sum = { (f: (Part) -> Int) in String(parts.map(f).reduce(0, +)) }
            table.append(["total", sum(\.done), sum(\.ok), sum(\.diverged), sum(\.failed), sum { $0.missing.count },
                          bestText(best)])
        }
        let widths = table[0].indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        for row in table {
            lines.append(row.enumerated().map { column, cell in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 || column == row.count - 1 ? cell + pad : pad + cell
            }.joined(separator: "  ").droppingTrailingSpaces)
        }
        if let halving { lines.append(halving.text) }
        if let halving, isComplete {
            lines.append(halving.complete ? "complete: every rung has its results" : "complete: no candidate left to promote")
        } else if isComplete {
            lines.append("complete: all \(totalTrials) trials have a result")
        } else {
            lines.append("missing trials (grid indices):")
            lines += missingSummary.map { "  " + $0 }
        }
        for part in parts where part.tornTail {
            lines.append("note: \(part.fileName) ends in a torn line (a writer was killed); that trial reruns on resume")
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// The missing trials, exactly: one entry per started shard with its missing grid indices, and one entry for the
    /// shards that have not started (all their trials missing), so a 1000-shard search stays readable.
    public var missingSummary: [String] {
        var entries: [String] = []
        let unstarted = parts.filter { $0.shard != nil && $0.done == 0 && $0.assigned > 0 }
        if unstarted.count > 1 {
            let indices = unstarted.map { $0.shard!.index }
            entries.append("not started (all their trials missing): shards \(SearchStatus.ranges(indices)) "
                           + "of \(unstarted[0].shard!.count)")
        }
        for part in parts where !part.missing.isEmpty && !(unstarted.count > 1 && part.done == 0) {
            entries.append("\(part.shard.map { "shard \($0)" } ?? "all"): \(SearchStatus.ranges(part.missing))")
        }
        return entries
    }

    /// Sorted indices as compact ranges: [0, 1, 2, 5, 7, 8] → "0-2, 5, 7-8".
    public static func ranges(_ indices: [Int]) -> String {
        var parts: [String] = []
        var position = 0
        while position < indices.count {
            var end = position
            while end + 1 < indices.count && indices[end + 1] == indices[end] + 1 { end += 1 }
            parts.append(end == position ? "\(indices[position])" : "\(indices[position])-\(indices[end])")
            position = end + 1
        }
        return parts.joined(separator: ", ")
    }
}

extension String {
    /// The text without trailing spaces (table rows whose last cells are short).
    var droppingTrailingSpaces: String {
        var text = self
        while text.last == " " { text.removeLast() }
        return text
    }
}
