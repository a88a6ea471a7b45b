import Foundation
import GridSearch
import LinearAlgebra
import DurableFiles
import SearchSpace

/// `report.html`: one self-contained page that shows what a search found — summary, leaderboard, parameter
/// importance, score against each parameter and each pair, learning curves, the autoencoder against PCA, and shard
/// completion — as inline SVG with inline CSS and a few lines of inline JavaScript (table sorting, series toggles).
///
/// Self-contained: no fonts, scripts, styles or images are fetched (a Content-Security-Policy forbids it, so a
/// browser reports any attempt as an error), so the file opens from `file://` after `scp`. Bounded: charts draw
/// summaries (points de-duplicated at pixel resolution, curves of the best few trials only, at most 50 leaderboard
/// rows), so 10,000 trials make a file well under 2 MB. Well-formed XML as well as HTML (XHTML-compatible
/// serialisation), so an XML parser can check it.
public struct HTMLReport: Sendable {
    /// The directory's name as the title shows it.
    public var name: String
    public var manifest: ResultsManifest
    /// The records, ranked, with PCA's error at each trial's latent size; without histories.
    public let report: Report
    /// Per-epoch histories of the best few trials (the learning curves), by trial id.
    public var histories: [String: [TrialRecord.Epoch]]
    public var sessions: [SearchSessions.Session]
    /// Per-shard completion of a sharded search (nil for a single run).
    public var shards: [SearchStatus.Part]?
    /// Grid points without a record.
    public var missing: Int
    /// When the page was made (ISO 8601).
    public var generated: String
    /// Computed once from `report`: each varying key's importance, and each key's values in axis order.
    let importance: Importance
    let values: [String: [ParameterValue]]
    /// The finished trials (a test score, status ok), best first.
    let finished: [TrialRecord]
    /// `report.varyingKeys` and `report.parameterKeys` (each computed from every record).
    let varyingKeys: [String]
    let parameterKeys: [String]

    /// Learning curves drawn: the best this many trials.
    static let curveTrials = 6
    /// Leaderboard rows, and failed or diverged trials listed one by one.
    static let leaderboardRows = 50
    static let failureRows = 50
    /// Pair heatmaps drawn when many keys vary (the most important pairs first).
    static let pairCharts = 15

    public init(name: String, manifest: ResultsManifest, report: Report, histories: [String: [TrialRecord.Epoch]],
                sessions: [SearchSessions.Session], shards: [SearchStatus.Part]?, missing: Int,
                generated: String = SearchSessions.timestamp()) {
        self.name = name
        self.manifest = manifest
        self.report = report
        self.histories = histories
        self.sessions = sessions
        self.shards = shards
        self.missing = missing
        self.generated = generated
        varyingKeys = report.varyingKeys
        parameterKeys = report.parameterKeys
        importance = Importance(records: report.ranked, keys: varyingKeys)
        values = Self.valuesByKey(report.ranked)
        finished = report.ranked.filter { $0.status == .ok && $0.testScore != nil }
    }

    /// Reads a results directory (without locking: safe while a search writes it): its manifest, every log (one
    /// record per trial), the PCA baseline, the sessions, and the histories of the best trials only, so memory
    /// stays that of the records without their histories however large the search. `sessions`, when given, stand
    /// for the directory's (`SearchSessions.read`): a search draws its page while it writes `sessions.json`.
    public static func load(directory: String, sessions: [SearchSessions.Session]? = nil) throws -> HTMLReport {
        let status = try SearchStatus.load(directory: directory, histories: false)
        let manifest = status.manifest
        let latentSizes = (try? manifest.parsedGrid())
            .map { Report.latentSizes(of: status.records, grid: $0, inputSize: manifest.inputSize) } ?? [:]
        return try make(directory: directory, status: status, baseline: ResultsDirectory.baseline(directory: directory),
                        latentSizes: latentSizes, sessions: sessions ?? SearchSessions.read(directory: directory))
    }

    /// The page of a run that has just finished in `directory`, from what the run hands it (`FinishedRun`) instead
    /// of reading the files it wrote; the same page `load(directory:)` draws. Reads the directory when the run could
    /// not hand it all (a halving search, a directory with shards' files).
    public static func load(directory: String, finished run: FinishedRun) throws -> HTMLReport {
        guard let status = run.status else { return try load(directory: directory, sessions: run.sessions) }
        let ids = Set(status.records.map(\.trialID))
        return try make(directory: directory, status: status, baseline: run.baseline,
                        latentSizes: run.latentSizes.filter { ids.contains($0.key) }, sessions: run.sessions,
                        knownHistories: run.histories)
    }

    /// The page of `status`'s records. The learning curves' histories are read from the directory's logs, those
    /// in `knownHistories` (a finished run's own, as the log holds them) excepted.
    private static func make(directory: String, status: SearchStatus, baseline: PCABaseline?,
                             latentSizes: [String: Int], sessions: [SearchSessions.Session],
                             knownHistories: [String: [TrialRecord.Epoch]] = [:]) throws -> HTMLReport {
        let manifest = status.manifest
        let report = Report(records: status.records, baseline: baseline, latentSizes: latentSizes)
        let wanted = Set(report.ranked.prefix { $0.status == .ok }.prefix(curveTrials).map(\.trialID))
        var histories = knownHistories.filter { wanted.contains($0.key) }
        let unknown = wanted.subtracting(histories.keys)
        if !unknown.isEmpty { histories.merge(try Self.histories(of: unknown, directory: directory)) { known, _ in known } }
        let name = URL(fileURLWithPath: directory).standardizedFileURL.lastPathComponent
        return HTMLReport(name: name, manifest: manifest, report: report, histories: histories, sessions: sessions,
                          shards: manifest.shards == nil ? nil : status.parts, missing: status.missing.count)
    }

    /// Writes `html()` to `path` (default `directory/report.html`) atomically (`DurableFile.replace`); returns the
    /// path. Not fsynced (`.atomic`): the page is drawn from the directory's durable files and `aegrid report DIR`
    /// draws it again, so a machine crash costs that command rather than every search two fsyncs.
    @discardableResult
    public func write(to path: String) throws -> String {
        try ResultsLog.writeFileAtomically(Data(html().utf8), path: path, guarantee: .atomic)
        return path
    }

    /// Loads `directory` and writes its report to `path` (default `directory/report.html`); returns the path.
    @discardableResult
    public static func write(directory: String, to path: String? = nil) throws -> String {
        try load(directory: directory).write(to: path ?? defaultPath(directory: directory))
    }

    public static let fileName = "report.html"

    /// Where a directory's page goes unless told: `directory/report.html`.
    public static func defaultPath(directory: String) -> String {
        (directory as NSString).appendingPathComponent(fileName)
    }

    /// The histories of `ids`, finished trials, read from the directory's logs: only lines naming one of them are
    /// decoded, and a trial's first line that says it finished counts (an earlier line of a retried trial says
    /// `failed`, with no history).
    static func histories(of ids: Set<String>, directory: String) throws -> [String: [TrialRecord.Epoch]] {
        var found: [String: [TrialRecord.Epoch]] = [:]
        guard !ids.isEmpty else { return found }
        let marker = Array("\"trial_id\":\"".utf8)
        for path in ResultsDirectory.logPaths(directory: directory) where found.count < ids.count {
            guard let handle = FileHandle(forReadingAtPath: path) else { continue }
            defer { try? handle.close() }
            var pending: [UInt8] = []
            func take(_ line: ArraySlice<UInt8>) {
                guard let idStart = end(of: marker, in: line) else { return }
                guard let idEnd = line[idStart...].firstIndex(of: UInt8(ascii: "\"")) else { return }
                let id = String(decoding: line[idStart ..< idEnd], as: UTF8.self)
                // A torn or corrupt line is the log reader's business; here it just draws no curve.
                guard ids.contains(id), found[id] == nil,
                      let record = try? TrialRecord.decode(line: Data(line), histories: true), record.status == .ok
                else { return }
                found[id] = record.history
            }
            while found.count < ids.count, let chunk = try handle.read(upToCount: 1 << 20), !chunk.isEmpty {
                pending.append(contentsOf: chunk)
                var start = 0
                while let newline = pending[start...].firstIndex(of: UInt8(ascii: "\n")) {
                    take(pending[start ..< newline])
                    start = newline + 1
                }
                pending.removeFirst(start)
            }
            if !pending.isEmpty { take(pending[...]) }
        }
        return found
    }

    /// The index just past the first occurrence of `marker` (not empty) in `line`, found by jumping from one
    /// occurrence of its first byte to the next. Foundation's generic `firstRange(of:)` compared byte by byte through
    /// protocol witnesses, and took a third of the page's time on a seed grid.
    static func end(of marker: [UInt8], in line: ArraySlice<UInt8>) -> Int? {
        var from = line.startIndex
        while let start = line[from...].firstIndex(of: marker[0]) {
            let end = start + marker.count
            if end > line.endIndex { return nil }
            if line[start ..< end].elementsEqual(marker) { return end }
            from = start + 1
        }
        return nil
    }
}
