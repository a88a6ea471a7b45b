import Foundation

/// What a search's records mean to a person and to pandas: the leaderboard, `results.csv`, `best.json`.
///
/// **Scores.** Trials are ranked by test MSE (the mean over folds under cross-validation), lowest first; ties keep
/// grid order. `results.csv` follows scikit-learn's `cv_results_` with `scoring="neg_mean_squared_error"`: the
/// `*_test_score` columns hold the NEGATIVE MSE (greater is better, as everywhere in scikit-learn) and
/// `rank_test_score` 1 is the lowest MSE; the extra column `mean_test_mse` holds the MSE itself. Trials without a
/// score (diverged, failed) have empty score cells (NaN in pandas) and share the rank after the last scored trial.
/// Rows are in grid order (`index`), as in `cv_results_`. A single test split is reported as one split
/// (`split0_test_score`, `std_test_score` 0).
public struct Report: Sendable {
    /// The records reported, in grid order.
    public let records: [TrialRecord]
    /// PCA reconstruction MSE by number of components, shown next to each trial of that latent size.
    public let pcaBaseline: [Int: Double]

    public init(records: [TrialRecord], pcaBaseline: [Int: Double] = [:]) {
        self.records = records.sorted { $0.index < $1.index }
        self.pcaBaseline = pcaBaseline
    }

    /// Trials with a finite score, best (lowest test MSE) first; ties by grid index.
    public var ranked: [TrialRecord] {
        records.filter { $0.status == .ok && ($0.testScore?.isFinite ?? false) }
            .sorted { ($0.testScore!, $0.index) < ($1.testScore!, $1.index) }
    }

    /// The best trial, if any finished with a score.
    public var best: TrialRecord? { ranked.first }

    /// Number of records per status.
    public var statusCounts: [TrialRecord.Status: Int] {
        var counts: [TrialRecord.Status: Int] = [:]
        for record in records { counts[record.status, default: 0] += 1 }
        return counts
    }

    /// "24 trials: 22 ok, 1 diverged, 1 failed" (statuses with no trial left out, except ok).
    public func statusLine(totalTrials: Int? = nil) -> String {
        let counts = statusCounts
        var parts = ["\(counts[.ok] ?? 0) ok"]
        for status in [TrialRecord.Status.diverged, .failed] where (counts[status] ?? 0) > 0 {
            parts.append("\(counts[status]!) \(status.rawValue)")
        }
        let done = records.count
        let head = totalTrials.map { $0 == done ? "\(done) trials" : "\(done) of \($0) trials done" } ?? "\(done) trials"
        return head + ": " + parts.joined(separator: ", ")
    }

    /// The latent (bottleneck) size of a record's configuration, if its parameters name one.
    public static func latentSize(of record: TrialRecord) -> Int? {
        let parameters = record.parameters.map { Parameter(key: $0.key, value: $0.value) }
        return (try? TrialConfiguration.resolve(parameters, source: "record"))?.encoderUnits.last
    }

    // MARK: - Leaderboard

    /// The top `top` trials as a text table: rank, test MSE (± std over folds), fit seconds, epochs run (best
    /// epoch), trial id, parameters, and the PCA MSE of the same latent size when a baseline is given.
    public func leaderboard(top: Int = 10, totalTrials: Int? = nil) -> String {
        let rows = ranked.prefix(max(top, 0))
        var lines = [statusLine(totalTrials: totalTrials)]
        guard !rows.isEmpty else {
            lines.append("no trial has a test score yet")
            return lines.joined(separator: "\n") + "\n"
        }
        lines.append("top \(rows.count) by test MSE (lower is better):")
        var table: [[String]] = [["rank", "test MSE", "fit s", "epochs", "trial", "parameters"]
                                 + (pcaBaseline.isEmpty ? [] : ["PCA MSE (same latent)"])]
        for (position, record) in rows.enumerated() {
            var score = Report.format(record.testScore!)
            if let std = record.testScoreStd { score += " ± " + Report.format(std) }
            let epochs = "\(record.epochsRun)" + (record.bestEpoch.map { $0 != record.epochsRun ? " (best \($0))" : "" } ?? "")
            var row = [String(position + 1), score, String(format: "%.2f", record.fitSeconds), epochs, record.trialID,
                       Report.parameterText(record.parameters)]
            if !pcaBaseline.isEmpty {
                row.append(Report.latentSize(of: record).flatMap { pcaBaseline[$0] }.map { Report.format($0) } ?? "-")
            }
            table.append(row)
        }
        let widths = table[0].indices.map { column in table.map { $0[column].count }.max() ?? 0 }
        let rightAligned: Set<Int> = [0, 2]
        for row in table {
            let cells = row.enumerated().map { column, cell -> String in
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return rightAligned.contains(column) ? pad + cell : cell + pad
            }
            lines.append(cells.joined(separator: "  ").droppingTrailingSpaces)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// "epochs=100 latent_dim=6 learning_rate=0.01", keys sorted.
    public static func parameterText(_ parameters: [String: ParameterValue]) -> String {
        parameters.keys.sorted().map { "\($0)=\(parameters[$0]!.description)" }.joined(separator: " ")
    }

    static func format(_ value: Double) -> String { String(format: "%.6g", value) }

    // MARK: - results.csv

    /// `results.csv` text (RFC 4180 quoting, `\n` line ends, header first). See the type's documentation.
    public func csv() -> String {
        let keys = Set(records.flatMap(\.parameters.keys)).sorted()
        let folds = records.map { $0.foldScores?.count ?? 1 }.max() ?? 1
        var header = ["mean_fit_time", "std_fit_time"] + keys.map { "param_" + $0 } + ["params"]
        header += (0..<folds).map { "split\($0)_test_score" }
        header += ["mean_test_score", "std_test_score", "rank_test_score", "mean_test_mse", "status", "reason",
                   "train_loss", "epochs_run", "best_epoch", "trial_id", "index", "seed"]
        if !pcaBaseline.isEmpty { header.append("pca_mse_same_latent") }

        let ranks = Report.ranks(records)
        var lines = [header.map(Report.csvField).joined(separator: ",")]
        for (position, record) in records.enumerated() {
            let fitTimes = record.foldFitSeconds ?? [record.fitSeconds]
            var row = [Report.number(record.fitSeconds), Report.number(Report.populationStd(fitTimes) ?? 0)]
            row += keys.map { key in record.parameters[key].map { $0.description } ?? "" }
            row.append(TrialConfiguration.canonicalJSON(record.parameters.keys.sorted().map {
                Parameter(key: $0, value: record.parameters[$0]!) }))
            let scored = record.status == .ok && (record.testScore?.isFinite ?? false)
            let splits = record.foldScores ?? record.testScore.map { [$0] } ?? []
            row += (0..<folds).map { fold in scored && fold < splits.count ? Report.number(-splits[fold]) : "" }
            row.append(scored ? Report.number(-record.testScore!) : "")
            row.append(scored ? Report.number(record.testScoreStd ?? 0) : "")
            row.append(String(ranks[position]))
            row.append(scored ? Report.number(record.testScore!) : "")
            row.append(record.status.rawValue)
            row.append(record.reason ?? "")
            row.append(record.trainLoss.map(Report.number) ?? "")
            row.append(String(record.epochsRun))
            row.append(record.bestEpoch.map(String.init) ?? "")
            row.append(record.trialID)
            row.append(String(record.index))
            row.append(String(record.seed))
            if !pcaBaseline.isEmpty {
                row.append(Report.latentSize(of: record).flatMap { pcaBaseline[$0] }.map(Report.number) ?? "")
            }
            lines.append(row.map(Report.csvField).joined(separator: ","))
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// scikit-learn's `rankdata(-score, method="min")`: equal scores share the smallest rank; unscored trials
    /// share the rank after the last scored one.
    static func ranks(_ records: [TrialRecord]) -> [Int] {
        let scores = records.map { $0.status == .ok && ($0.testScore?.isFinite ?? false) ? $0.testScore : nil }
        let sorted = scores.compactMap { $0 }.sorted()
        return scores.map { score in
            guard let score else { return sorted.count + 1 }
            // Number of strictly better scores + 1 (binary search for the first equal one).
            var low = 0, high = sorted.count
            while low < high {
                let mid = (low + high) / 2
                if sorted[mid] < score { low = mid + 1 } else { high = mid }
            }
            return low + 1
        }
    }

    /// A number as pandas reads it back exactly (shortest round-trip text); non-finite as nan / inf.
    static func number(_ value: Double) -> String {
        if value.isNaN { return "nan" }
        if value.isInfinite { return value > 0 ? "inf" : "-inf" }
        return value.description
    }

    static func populationStd(_ values: [Double]) -> Double? {
        guard !values.isEmpty else { return nil }
        let mean = values.reduce(0, +) / Double(values.count)
        return (values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(values.count)).squareRoot()
    }

    /// RFC 4180: quote a field holding a comma, quote, line break or edge spaces; double inner quotes.
    static func csvField(_ text: String) -> String {
        let needsQuotes = text.contains { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }
            || text.first == " " || text.last == " "
        return needsQuotes ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    // MARK: - best.json and files

    /// The best trial's record as pretty-printed JSON (keys sorted), or nil when no trial has a score.
    public func bestJSON() -> Data? {
        guard let best else { return nil }
        let encoder = TrialRecord.encoder
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(best)).map { $0 + Data("\n".utf8) }
    }

    /// Writes `results.csv` and (when a trial has a score) `best.json` into `directory`, each atomically.
    public func write(to directory: String) throws {
        try ResultsLog.writeFileAtomically(Data(csv().utf8), path: (directory as NSString).appendingPathComponent("results.csv"))
        if let best = bestJSON() {
            try ResultsLog.writeFileAtomically(best, path: (directory as NSString).appendingPathComponent("best.json"))
        }
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
