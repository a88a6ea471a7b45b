import Foundation
import LinearAlgebra
import DataFiles
import DurableFiles
import SearchSpace

/// Reading a results directory as a whole: every log in it (a single run's `results.jsonl` and any shard logs),
/// its manifest and its PCA baseline. Takes no lock, so it works while a search is writing: a line being written
/// is not yet whole and is left out.
public enum ResultsDirectory {
    /// The PCA baseline a search writes at start (`PCABaseline` as JSON).
    public static let baselineFileName = "pca_baseline.json"

    /// The `.jsonl` logs in `directory`: `results.jsonl` first, then shard logs by name.
    public static func logPaths(directory: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        let logs = names.filter { $0 == "results.jsonl" || ($0.hasPrefix("results.shard-") && $0.hasSuffix(".jsonl")) }
        return logs.sorted { ($0 == "results.jsonl" ? 0 : 1, $0) < ($1 == "results.jsonl" ? 0 : 1, $1) }
            .map { (directory as NSString).appendingPathComponent($0) }
    }

    /// Whether the directory holds a single run's files only: no shard's log or PCA baseline beside `results.jsonl`.
    /// What such a directory's report reads is what that run wrote, so the run itself can build it from memory.
    public static func holdsSingleRunOnly(directory: String) -> Bool {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return !names.contains { $0.hasPrefix("results.shard-") || $0.hasPrefix("pca_baseline.shard-") }
    }

    /// Every record in the directory's logs, one per trial id (the first seen wins); with `histories: false`, without
    /// their per-epoch histories (see `ResultsLog.read`).
    public static func records(directory: String, histories: Bool) throws -> [TrialRecord] {
        var seen = Set<String>()
        var records: [TrialRecord] = []
        for path in logPaths(directory: directory) {
            for record in try ResultsLog.read(path: path, histories: histories).records
            where seen.insert(record.trialID).inserted {
                records.append(record)
            }
        }
        return records
    }

    /// The directory's report: its records with the PCA baseline beside each trial's latent size.
    /// Throws `ResultsError.noResults` for a directory no search has written.
    public static func report(directory: String) throws -> Report {
        try read(directory: directory).report
    }

    /// The directory's report, and what its page (`HTMLReport.load(directory:finished:)`) needs from the same read:
    /// for a single run's directory (no shards' files, no halving) its status, baseline and latent sizes, so that
    /// the page does not decode the logs a second time (a third of `aegrid results` on a 300k-trial log); otherwise
    /// the sessions only, and the page reads the directory itself, as `HTMLReport.load(directory:)` does.
    public static func reportAndPage(directory: String) throws -> (report: Report, page: FinishedRun) {
        let (report, manifest, grid, records) = try read(directory: directory)
        var page = FinishedRun(sessions: SearchSessions.read(directory: directory))
        if let grid, report.halving == nil, manifest.shards == nil, holdsSingleRunOnly(directory: directory) {
            page.status = SearchStatus.singleRun(directory: directory, manifest: manifest, grid: grid, records: records)
            page.baseline = report.baseline
            page.latentSizes = report.latentSizes
        }
        return (report, page)
    }

    private static func read(directory: String) throws
        -> (report: Report, manifest: ResultsManifest, grid: ParameterGrid?, records: [TrialRecord]) {
        guard let manifest = try ResultsLog.readManifest(directory: directory) else {
            throw ResultsError.noResults(directory: directory,
                                         detail: "it has no manifest.json; give the --out directory of an aegrid search")
        }
        // The report needs no histories: leaving them out keeps a million-trial directory's report in memory.
        let records = try self.records(directory: directory, histories: false)
        let baseline = self.baseline(directory: directory)
        let grid = try? manifest.parsedGrid()
        let latentSizes = grid.map { Report.latentSizes(of: records, grid: $0, inputSize: manifest.inputSize) } ?? [:]
        var report = Report(records: records, baseline: baseline, latentSizes: latentSizes)
        report.warnings = SearchWarnings.read(directory: directory)
        report.halving = try HalvingPlan(manifest: manifest)?.summary(records: records)
        return (report, manifest, grid, records)
    }

    /// The most a small JSON file of a results directory (manifest, sessions, PCA baseline, warnings) may hold. They
    /// take kilobytes (the manifest holds the grid, itself at most 16 MB); a larger one is damage, or not the file
    /// AEGrid wrote, and reading it whole would cost all the memory it claims.
    static let smallFileLimit = 128 << 20

    /// The bytes of a small file of the directory, or nil when it is missing, unreadable or over `smallFileLimit`.
    static func smallFile(_ path: String) -> Data? {
        (try? ByteSource.readWhole(path, limit: smallFileLimit)).flatMap { $0.map { Data($0) } }
    }

    /// The PCA baseline of a directory: `pca_baseline.json`, and for a sharded search the union of the shards'
    /// `pca_baseline.shard-K-of-N.json` (each shard computes the latent sizes of its own trials, on the same split,
    /// so equal component counts have equal errors). Nil when the directory has none.
    public static func baseline(directory: String) -> PCABaseline? {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            $0 == baselineFileName || ($0.hasPrefix("pca_baseline.shard-") && $0.hasSuffix(".json"))
        }.sorted()
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var rows: [Int: PCABaseline.Row] = [:]
        var found = false
        for name in names {
            guard let data = smallFile((directory as NSString).appendingPathComponent(name)),
                  let baseline = try? decoder.decode(PCABaseline.self, from: data) else { continue }
            found = true
            for row in baseline.rows where rows[row.components] == nil { rows[row.components] = row }
        }
        return found ? PCABaseline(rows: rows.keys.sorted().map { rows[$0]! }) : nil
    }

    /// The baseline file a run writes: `pca_baseline.json`, or `pca_baseline.shard-K-of-N.json` for a shard (shards
    /// never write one another's files; `baseline(directory:)` combines them).
    public static func baselineFileName(shard: ShardID?) -> String {
        shard.map { "pca_baseline.shard-\($0.index)-of-\($0.count).json" } ?? baselineFileName
    }

    /// Writes the baseline where `baseline(directory:)` finds it, atomically but not fsynced (`.atomic`): every
    /// `aegrid search` on the directory computes it again before training and rewrites it (a finished search rerun
    /// trains nothing and does just that), and readers take a missing or unreadable one as no baseline.
    public static func writeBaseline(_ baseline: PCABaseline, directory: String, shard: ShardID? = nil) throws {
        let path = (directory as NSString).appendingPathComponent(baselineFileName(shard: shard))
        try ResultsLog.writeFileAtomically(try JSONCoding.encoder(pretty: true).encode(baseline), path: path,
                                           guarantee: .atomic)
    }
}
