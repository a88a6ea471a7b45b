import Foundation
import LinearAlgebra
import DurableFiles
import SearchSpace

/// What a search's records say, in the three forms a user reads: a leaderboard, a scikit-learn `cv_results_`-style
/// CSV, and `best.json`.
///
/// Ranking: finished trials by test score (mean squared reconstruction error, lower is better), ties by grid index;
/// diverged and failed trials after them, by index. `rank_test_score` follows scikit-learn (`method="min"`: tied
/// scores share the lowest rank); diverged and failed trials get the rank after the last finished one.
public struct Report: Sendable {
    /// Every record, ranked.
    public let ranked: [TrialRecord]
    /// PCA's test MSE at each latent size on the same split (from `PCABaseline`), and each trial's latent size.
    public let baseline: PCABaseline?
    public let latentSizes: [String: Int]
    /// What the search warned about before training (`OutputRangeCheck`): repeated under the leaderboard and in
    /// `best.json`.
    public var warnings: [String]
    /// For a `--halving` search: the rung of every record. The leaderboard and `best` then rank the last rung only,
    /// and the CSV gets scikit-learn's `iter` and `n_resources` columns.
    public var halving: HalvingSummary?

    /// - Parameters:
    ///   - records: the results (any order, one per trial id).
    ///   - baseline: PCA errors per latent size, shown beside each trial.
    ///   - latentSizes: each trial id's bottleneck width (for the PCA column).
    ///   - warnings: what the search warned about before training (repeated under the leaderboard, in best.json).
    public init(records: [TrialRecord], baseline: PCABaseline? = nil, latentSizes: [String: Int] = [:],
                warnings: [String] = []) {
        ranked = records.sorted { a, b in
            switch (a.status == .ok ? a.testScore : nil, b.status == .ok ? b.testScore : nil) {
            case let (x?, y?): return x != y ? x < y : a.index < b.index
            case (_?, nil): return true
            case (nil, _?): return false
            case (nil, nil): return a.index < b.index
            }
        }
        self.baseline = baseline
        self.latentSizes = latentSizes
        self.warnings = warnings
    }

    /// The best finished trial, if any.
    public var best: TrialRecord? { ranked.first { $0.status == .ok && $0.testScore != nil && isRanked($0) } }

    /// Whether the leaderboard ranks `record`: every record, or for a halving search those of its last rung.
    func isRanked(_ record: TrialRecord) -> Bool {
        halving.map { $0.lastRung.contains(record.trialID) } ?? true
    }

    /// scikit-learn's `rank_test_score` for each ranked record (1 = best; ties share the lowest rank).
    public var ranks: [Int] {
        var ranks: [Int] = []
        var finished = 0
        for (position, record) in ranked.enumerated() {
            if record.status == .ok, let score = record.testScore {
                finished += 1
                if position > 0, ranked[position - 1].testScore == score, ranked[position - 1].status == .ok {
                    ranks.append(ranks[position - 1])
                } else {
                    ranks.append(position + 1)
                }
            } else {
                ranks.append(finished + 1)
            }
        }
        return ranks
    }

    /// The parameter keys of all records, sorted (the CSV's `param_*` columns).
    public var parameterKeys: [String] {
        Array(Set(ranked.flatMap { $0.parameters.keys })).sorted()
    }

    /// The keys whose value differs between records (what the leaderboard shows); all keys for a single record.
    public var varyingKeys: [String] {
        let keys = parameterKeys
        guard ranked.count > 1 else { return keys }
        return keys.filter { key in Set(ranked.map { $0.parameters[key]?.canonicalJSON ?? "-" }).count > 1 }
    }

    // MARK: Leaderboard

    /// The top `top` trials as an aligned table: rank, test MSE (± std under CV), PCA's MSE at the same latent
    /// size, epochs run, fit seconds, and the parameters that vary; then a line counting diverged / failed trials.
    public func leaderboard(top: Int) -> String {
        let board = halving == nil ? ranked : ranked.filter(isRanked)
        let shown = board.prefix(top).filter { $0.status == .ok }
        let keys = varyingKeys
        let crossValidated = ranked.contains { $0.foldScores != nil }
        var header = ["rank", crossValidated ? "test MSE (mean ± std)" : "test MSE"]
        if baseline != nil { header.append("PCA MSE") }
        header += ["epochs run", "fit s"] + keys
        var rows: [[String]] = [header]
        let ranks = halving == nil ? self.ranks : Report(records: board).ranks
        for (position, record) in shown.enumerated() {
            var row = [String(ranks[position])]
            let score = record.testScore.map { Self.number($0) } ?? "-"
            row.append(crossValidated ? score + " ± " + (record.testScoreStd.map { Self.number($0) } ?? "-") : score)
            if let baseline {
                row.append(latentSizes[record.trialID].flatMap { baseline.testMSE(components: $0) }.map { Self.number($0) } ?? "-")
            }
            row += [String(record.epochsRun), CFormat.string("%.3f", record.fitSeconds)]
            row += keys.map { record.parameters[$0]?.description ?? "-" }
            rows.append(row)
        }
        let widths = (0 ..< header.count).map { c in rows.map { $0[c].count }.max() ?? 0 }
        var lines = rows.map { row in
            row.enumerated().map { c, cell in
                c == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[c] - cell.count)
            }.joined(separator: "  ")
        }
        let finished = board.filter { $0.status == .ok }.count
        let diverged = board.filter { $0.status == .diverged }.count
        let failed = board.filter { $0.status == .failed }.count
        var summary = (halving == nil ? "" : "last rung: ")
            + "\(board.count) trial\(board.count == 1 ? "" : "s"): \(finished) finished"
        if diverged > 0 { summary += ", \(diverged) diverged" }
        if failed > 0 { summary += ", \(failed) failed" }
        if shown.isEmpty { summary += "; no finished trial to rank" }
        lines.insert(summary + (shown.count < finished ? "; top \(shown.count) by test MSE (lower is better):" : "; by test MSE (lower is better):"), at: 0)
        if let halving { lines.insert(halving.text, at: 0) }
        if baseline != nil {
            lines.append("PCA MSE: PCA with as many components as the trial's latent size, on the same split (the best a linear autoencoder can do).")
        }
        if let hint = baselineHint { lines.append(hint) }
        if let hint = wideLatentHint { lines.append(hint) }
        lines += warnings.map { "warning: " + $0 }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A score in a table: six significant digits.
    static func number(_ value: Double) -> String { CFormat.string("%.6g", value) }

    // MARK: CSV

    /// scikit-learn `cv_results_` columns, one row per trial in rank order: `mean_fit_time`, `std_fit_time`,
    /// `param_<key>` (empty when a sub-grid lacks the key), `params` (JSON), `split<k>_test_score` (under CV),
    /// `mean_test_score`, `std_test_score`, `rank_test_score`; then AEGrid's `mean_test_mse`, `trial_id`, `status`,
    /// `reason`, `mean_train_loss`, `epochs_run`, `best_epoch`, `pca_test_mse`. As with scikit-learn's
    /// `scoring="neg_mean_squared_error"`, the `*_test_score` columns are the NEGATED MSE (greater is better,
    /// `rank_test_score` 1 = best); `mean_test_mse` is the MSE itself. Diverged and failed trials have empty scores.
    public func csv() -> String {
        let keys = parameterKeys
        let folds = ranked.compactMap { $0.foldScores?.count }.max() ?? 0
        var header = ["mean_fit_time", "std_fit_time"] + keys.map { "param_" + $0 } + ["params"]
        header += (0 ..< folds).map { "split\($0)_test_score" }
        header += ["mean_test_score", "std_test_score", "rank_test_score", "mean_test_mse", "trial_id", "status",
                   "reason", "mean_train_loss", "epochs_run", "best_epoch", "pca_test_mse"]
        if halving != nil { header += ["iter", "n_resources"] }
        var lines = [header.map(Self.csvField).joined(separator: ",")]
        let ranks = self.ranks
        for (position, record) in ranked.enumerated() {
            let fitTimes = record.foldFitSeconds ?? [record.fitSeconds]
            let meanFit = fitTimes.reduce(0, +) / Double(max(1, fitTimes.count))
            let stdFit = (fitTimes.map { ($0 - meanFit) * ($0 - meanFit) }.reduce(0, +) / Double(max(1, fitTimes.count))).squareRoot()
            var row = [Self.csvNumber(meanFit), Self.csvNumber(stdFit)]
            row += keys.map { record.parameters[$0]?.description ?? "" }
            row.append("{" + keys.compactMap { key in
                record.parameters[key].map { ParameterValue.jsonQuoted(key) + ": " + $0.canonicalJSON }
            }.joined(separator: ", ") + "}")
            row += (0 ..< folds).map { f in record.foldScores.flatMap { f < $0.count ? Self.csvNumber(-$0[f]) : nil } ?? "" }
            let ok = record.status == .ok
            row.append(ok ? record.testScore.map { Self.csvNumber(-$0) } ?? "" : "")
            row.append(ok ? Self.csvNumber(record.testScoreStd ?? 0) : "")
            row.append(String(ranks[position]))
            row.append(ok ? record.testScore.map(Self.csvNumber) ?? "" : "")
            row += [record.trialID, record.status.rawValue, record.reason ?? "",
                    record.trainLoss.map(Self.csvNumber) ?? "", String(record.epochsRun),
                    record.bestEpoch.map(String.init) ?? "",
                    latentSizes[record.trialID].flatMap { baseline?.testMSE(components: $0) }.map(Self.csvNumber) ?? ""]
            if let rung = halving?.rungOf[record.trialID] {
                row += [String(rung.iter), String(rung.epochs)]
            } else if halving != nil {
                row += ["", ""]
            }
            lines.append(row.map(Self.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    static func csvNumber(_ value: Double) -> String { value.isFinite ? "\(value)" : "" }

    /// RFC 4180 quoting: fields with a comma, quote or line break are quoted, quotes doubled. Scalar by scalar
    /// (a CR LF pair is one Character, and a quote may start a cluster), and without Foundation's
    /// `replacingOccurrences`, which cost about 0.3 ms per search on its first use.
    static func csvField(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else {
            return text
        }
        var field = String.UnicodeScalarView()
        field.append("\"")
        for scalar in text.unicodeScalars {
            if scalar == "\"" { field.append("\"") }
            field.append(scalar)
        }
        field.append("\"")
        return String(field)
    }

    // MARK: best.json

    /// The best trial's record as pretty JSON, with its rank count and PCA comparison; nil when none finished.
    public func bestJSON() throws -> Data? {
        guard let best else { return nil }
        struct Best: Encodable {
            var trial: TrialRecord
            var trialsRanked: Int
            var pcaTestScore: Double?
            var warnings: [String]?
            enum CodingKeys: String, CodingKey {
                case trial
                case trialsRanked = "trials_ranked"
                case pcaTestScore = "pca_test_mse"
                case warnings
            }
        }
        return try JSONCoding.encoder(pretty: true).encode(Best(
            trial: best, trialsRanked: ranked.filter { $0.status == .ok }.count,
            pcaTestScore: latentSizes[best.trialID].flatMap { baseline?.testMSE(components: $0) },
            warnings: warnings.isEmpty ? nil : warnings))
    }

    /// Writes `leaderboard.txt`, `results.csv` (or `csvPath`) and `best.json` (when a trial finished) into
    /// `directory`, each atomically, side by side. Returns the paths written.
    public func write(directory: String, top: Int, csvPath: String? = nil) throws -> [String] {
        let files = try self.files(directory: directory, top: top, csvPath: csvPath)
        return try SideBySide.run(files.map { file in { try file.write() } })
    }

    /// The files `write` writes, with their contents, in that order: `results.csv` (or `csvPath`),
    /// `leaderboard.txt`, and `best.json` when a trial finished.
    func files(directory: String, top: Int, csvPath: String? = nil) throws -> [ReportFile] {
        func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }
        var files = [ReportFile(path: csvPath ?? path("results.csv"), contents: Data(csv().utf8)),
                     ReportFile(path: path("leaderboard.txt"), contents: Data(leaderboard(top: top).utf8))]
        if let best = try bestJSON() { files.append(ReportFile(path: path("best.json"), contents: best)) }
        return files
    }
}

/// One file of a report and what it holds, ready to be written.
struct ReportFile: Sendable {
    var path: String
    var contents: Data

    /// Replaces the file atomically (`ResultsLog.writeFileAtomically`); returns its path. Not fsynced
    /// (`.atomic`): a report is rebuilt from the durable results log and manifest (`aegrid results DIR`), so after
    /// a machine crash a missing or empty one costs a command, while two fsyncs per file cost every search.
    func write() throws -> String {
        try ResultsLog.writeFileAtomically(contents, path: path, guarantee: .atomic)
        return path
    }
}

extension Report {
    /// Each record's latent size by trial id, for the trials whose grid point is a valid configuration on
    /// `inputSize` columns: what puts a trial beside PCA with as many components.
    public static func latentSizes(of records: [TrialRecord], grid: ParameterGrid, inputSize: Int) -> [String: Int] {
        var sizes: [String: Int] = [:]
        for record in records where record.index < grid.count {
            if let trial = try? TrialConfiguration.make(grid: grid, index: record.index, inputSize: inputSize,
                                                        baseSeed: 0) {
                sizes[record.trialID] = trial.architecture.latentSize
            }
        }
        return sizes
    }
}
