import Foundation
import GridSearch
import LinearAlgebra

// The sections made of text and tables: summary, leaderboard with the failed and diverged trials, shards.
extension HTMLReport {
    /// PCA's test MSE at `record`'s latent size.
    func pcaMSE(_ record: TrialRecord) -> Double? {
        report.latentSizes[record.trialID].flatMap { report.baseline?.testMSE(components: $0) }
    }

    /// A record's varying parameters as `key=value, …`.
    func parameterText(_ record: TrialRecord, keys: [String]? = nil) -> String {
        (keys ?? varyingKeys).map { "\($0)=\(record.parameters[$0]?.description ?? "(absent)")" }
            .joined(separator: ", ")
    }

    // MARK: Summary

    func summarySection() -> Section {
        let e = ChartText.escape
        var rows: [(String, String)] = []
        let shape = manifest.dataShape.map(String.init).joined(separator: " × ")
        var files = "training file <code>\(e(manifest.trainPath ?? manifest.dataDescription))</code>"
        if let test = manifest.testPath { files += ", test file <code>\(e(test))</code>" }
        rows.append(("Data", "\(shape) (rows × columns of the training file); \(files)"))
        let settings = manifest.settings
        var evaluation: String
        switch settings["evaluation"] {
        case "test-file": evaluation = "scored on the test file" + (manifest.testPath.map { " <code>\(e($0))</code>" } ?? "")
        case "holdout": evaluation = "a held-out fraction \(e(settings["test_fraction"] ?? "?")) of the training file"
        case "cv": evaluation = "\(e(settings["cv_folds"] ?? "?"))-fold cross-validation (score: mean over folds)"
        default: evaluation = e(settings["evaluation"] ?? "unknown")
        }
        evaluation += "; scaling \(e(settings["scale"] ?? "none")); seed \(e(settings["seed"] ?? "0"))"
        rows.append(("Evaluation", evaluation))
        let varying = varyingKeys.map { "\(e($0)) (\(values[$0]?.count ?? 0))" }.joined(separator: ", ")
        rows.append(("Grid", "\(manifest.gridPoints) points" + (manifest.shards.map { ", run as \($0) shards" } ?? "")
            + (varying.isEmpty ? "" : "; varying: " + varying)))
        let counts = Dictionary(grouping: report.ranked, by: \.status).mapValues(\.count)
        var trials = "\(report.ranked.count) recorded: \(counts[.ok] ?? 0) finished, \(counts[.diverged] ?? 0) diverged, "
            + "\(counts[.failed] ?? 0) failed"
        if missing > 0 { trials += "; \(missing) not yet run" }
        rows.append(("Trials", trials))
        rows.append(("Wall time", wallTime()))
        var page = "<dl class=\"summary\">" + rows.map { "<dt>\($0.0)</dt><dd>\($0.1)</dd>" }.joined() + "</dl>"
        if let best = report.best, let score = best.testScore {
            var text = "<strong>Best:</strong> test MSE <strong>\(ChartText.number(score))</strong>"
            if let std = best.testScoreStd, best.foldScores != nil { text += " ± \(ChartText.number(std))" }
            if let latent = report.latentSizes[best.trialID], let pca = pcaMSE(best), Self.pcaIsExact(pca, score: score) {
                text += " — PCA with \(latent) components reconstructs this data exactly (MSE \(ChartText.number(pca))): "
                    + "the latent size is as wide as the data"
            } else if let latent = report.latentSizes[best.trialID], let pca = pcaMSE(best) {
                let change = (score / pca - 1) * 100
                text += " against PCA's \(ChartText.number(pca)) at the same latent size \(latent): "
                    + CFormat.string("%.1f %%", abs(change)) + " "
                    + (change <= 0 ? "lower (better than any linear autoencoder)"
                                   : "higher (no better than a linear autoencoder)")
            }
            text += "<br/>Trial <code>\(e(best.trialID))</code> (grid index \(best.index)): "
                + "<code>\(e(parameterText(best, keys: parameterKeys)))</code>"
            page += "<p class=\"best\">\(text)</p>"
        } else {
            page += "<p class=\"best\">No trial has finished yet.</p>"
        }
        return Section(id: "summary", title: "Summary",
                       caption: "What was searched, on which data, how it was scored, and the best configuration.",
                       body: page)
    }

    func wallTime() -> String {
        guard !sessions.isEmpty else { return "not recorded (a directory from an older aegrid)" }
        let total = sessions.map(\.wallSeconds).reduce(0, +)
        let hosts = Set(sessions.map(\.host))
        let cores = sessions.map(\.cores).max() ?? 0
        let jobs = sessions.map(\.jobs).max() ?? 0
        var text = Self.duration(total)
        if manifest.shards != nil {
            text += " summed over \(sessions.count) shard session\(sessions.count == 1 ? "" : "s") on \(hosts.count) "
                + "host\(hosts.count == 1 ? "" : "s")"
        } else if sessions.count > 1 {
            text += " over \(sessions.count) sessions (resumed \(sessions.count - 1) time\(sessions.count == 2 ? "" : "s"))"
        }
        text += "; \(jobs) job\(jobs == 1 ? "" : "s") on \(cores) core\(cores == 1 ? "" : "s")"
        if hosts.count == 1, let host = hosts.first { text += " (\(ChartText.escape(host)))" }
        if sessions.contains(where: \.interrupted) { text += "; interrupted at least once" }
        let kernels = Set(sessions.compactMap(\.gemm))
        if kernels.count > 1 {
            text += "; matrix products on \(kernels.count) different kernels (<code>gemm</code> in the sessions files), "
                + "whose trials may differ in their last bits"
        }
        return text
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return CFormat.string("%.2f s", seconds) }
        guard seconds < 1e12 else { return CFormat.string("%.3g s", seconds) }  // also NaN: Int() would trap
        func twoDigits(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        if seconds < 3600 { return "\(Int(seconds) / 60) min \(twoDigits(Int(seconds) % 60)) s" }
        return "\(Int(seconds) / 3600) h \(twoDigits(Int(seconds) % 3600 / 60)) min"
    }

    // MARK: Leaderboard

    func leaderboardSection() -> Section {
        let e = ChartText.escape
        let keys = varyingKeys
        let crossValidated = report.ranked.contains { $0.foldScores != nil }
        let ranks = report.ranks
        let shown = Array(finished.prefix(Self.leaderboardRows))
        var headers: [(String, Bool)] = [("rank", true), (crossValidated ? "test MSE (mean)" : "test MSE", true)]
        if crossValidated { headers.append(("± std", true)) }
        headers += [("PCA MSE", true), ("vs PCA", true), ("epochs run", true), ("fit s", true)]
        headers += keys.map { key in (key, values[key]?.allSatisfy { $0.numericValue != nil } ?? false) }
        headers.append(("trial", false))
        var table = "<div class=\"table-wrap\"><table class=\"sortable\" id=\"leaderboard-table\"><thead><tr>"
        table += headers.map { name, numeric in
            "<th scope=\"col\" data-type=\"\(numeric ? "number" : "text")\"><button type=\"button\">\(e(name))</button></th>"
        }.joined()
        table += "</tr></thead><tbody>"
        for (position, record) in shown.enumerated() {
            let score = record.testScore!
            var cells = [number(Double(ranks[position]), integer: true), number(score)]
            if crossValidated { cells.append(number(record.testScoreStd)) }
            let pca = pcaMSE(record)
            cells.append(number(pca))
            if let pca, !Self.pcaIsExact(pca, score: score) {
                let change = (score / pca - 1) * 100
                cells.append("<td class=\"n\" data-v=\"\(change)\">\(CFormat.string("%+.1f %%", change))</td>")
            } else {
                cells.append("<td class=\"n\" data-v=\"\">\(pca == nil ? "–" : "PCA exact")</td>")
            }
            cells += [number(Double(record.epochsRun), integer: true), number(record.fitSeconds)]
            for key in keys {
                let value = record.parameters[key]
                let sortValue = value?.numericValue.map { " data-v=\"\($0)\"" } ?? ""
                cells.append("<td\(sortValue)>\(e(value?.description ?? "(absent)"))</td>")
            }
            cells.append("<td><code>\(e(record.trialID))</code></td>")
            table += "<tr\(position == 0 ? " class=\"top\"" : "")>" + cells.joined() + "</tr>"
        }
        table += "</tbody></table></div>"
        if shown.isEmpty { table = "<p class=\"empty\">No trial has finished yet.</p>" }
        var body = table
        let more = finished.count - shown.count
        if more > 0 { body += "<p class=\"note\">\(more) more finished trials in <code>results.csv</code>.</p>" }
        body += failures()
        let caption = "The best \(shown.count) of \(finished.count) finished trials by test MSE (lower is better); "
            + "“vs PCA” is the change against PCA with as many components as the latent size (negative: the "
            + "autoencoder beats the linear baseline). Click a column header to sort."
        return Section(id: "leaderboard", title: "Leaderboard", caption: caption, body: body)
    }

    /// Whether PCA's error is zero up to rounding (as many components as the data has dimensions), so a ratio to
    /// it means nothing.
    static func pcaIsExact(_ pca: Double, score: Double) -> Bool { pca <= 1e-12 || pca < score * 1e-9 }

    /// A table cell with a number, right-aligned, sortable by its exact value.
    func number(_ value: Double?, integer: Bool = false) -> String {
        guard let value else { return "<td class=\"n\" data-v=\"\">–</td>" }
        let text = integer ? ChartText.integer(value) : ChartText.number(value)
        return "<td class=\"n\" data-v=\"\(value)\">\(text)</td>"
    }

    /// The diverged and failed trials with their reasons, one per row up to `failureRows`.
    func failures() -> String {
        let e = ChartText.escape
        let bad = report.ranked.filter { $0.status != .ok }
        guard !bad.isEmpty else {
            return "<h3 id=\"failures\">Failed and diverged trials</h3><p class=\"note\">None: every recorded trial finished.</p>"
        }
        var text = "<h3 id=\"failures\">Failed and diverged trials (\(bad.count))</h3>"
        let reasons = Dictionary(grouping: bad) { "\($0.status.rawValue): " + Self.reasonKind($0.reason ?? "no reason recorded") }
            .map { ($0.key, $0.value.count) }.sorted { ($1.1, $0.0) < ($0.1, $1.0) }
        if reasons.count > 1 {
            text += "<p class=\"note\">By kind: " + reasons.map { "\(e($0.0)) (\($0.1))" }.joined(separator: "; ") + "</p>"
        }
        text += "<div class=\"table-wrap\"><table id=\"failures-table\"><thead><tr><th>status</th><th>reason</th>"
            + "<th>parameters</th><th>trial</th></tr></thead><tbody>"
        for record in bad.prefix(Self.failureRows) {
            text += "<tr><td>\(record.status.rawValue)</td><td>\(e(record.reason ?? "–"))</td>"
                + "<td><code>\(e(parameterText(record)))</code></td><td><code>\(e(record.trialID))</code></td></tr>"
        }
        text += "</tbody></table></div>"
        if bad.count > Self.failureRows {
            text += "<p class=\"note\">\(bad.count - Self.failureRows) more in <code>results.csv</code> (column <code>reason</code>).</p>"
        }
        return text
    }

    /// A reason without its numbers ("loss is NaN at epoch 3, batch 1" → "loss is NaN at epoch #, batch #"), so
    /// reasons of one kind group together.
    static func reasonKind(_ reason: String) -> String {
        var out = ""
        var inNumber = false
        for character in reason {
            if character.isNumber || (inNumber && (character == "." || character == "e" || character == "-")) {
                if !inNumber { out.append("#") }
                inNumber = true
            } else {
                inNumber = false
                out.append(character)
            }
        }
        return out
    }

    // MARK: Shards

    func shardsSection(_ parts: [SearchStatus.Part]) -> Section {
        let total = parts.map(\.assigned).reduce(0, +), done = parts.map(\.done).reduce(0, +)
        let compact = parts.count > 48
        let rowHeight = compact ? 0.0 : 18.0
        let columns = compact ? 50 : 1
        let cell = compact ? 20.0 : 0
        let rows = compact ? (parts.count + columns - 1) / columns : parts.count
        var chart = SVGChart(width: 1100, height: 14 + (compact ? Double(rows) * cell : Double(rows) * rowHeight) + 34,
                         left: compact ? 20 : 90, top: 10, right: 20, bottom: 30)
        let left = chart.plot.left, right = chart.plot.right
        var marks = ""
        for (i, part) in parts.enumerated() {
            let label = part.shard?.description ?? "all"
            let detail = "shard \(label): \(part.done) of \(part.assigned) done (\(part.ok) ok, \(part.diverged) diverged, "
                + "\(part.failed) failed, \(part.missing.count) missing)"
            if compact {
                let x = left + Double(i % columns) * cell, y = 10 + Double(i / columns) * cell
                let fraction = part.assigned == 0 ? 1 : Double(part.done) / Double(part.assigned)
                marks += "<rect x=\"\(ChartText.px(x))\" y=\"\(ChartText.px(y))\" width=\"\(ChartText.px(cell - 2))\" "
                    + "height=\"\(ChartText.px(cell - 2))\" fill=\"\(ChartPalette.viridis(fraction))\"><title>\(ChartText.escape(detail))</title></rect>"
            } else {
                let y = 10 + Double(i) * rowHeight
                let scale = (right - left) / Double(max(part.assigned, 1))
                var x = left
                marks += "<text class=\"tick\" x=\"\(ChartText.px(left - 8))\" y=\"\(ChartText.px(y + 12))\" text-anchor=\"end\">\(ChartText.escape(label))</text>"
                for (count, colour) in [(part.ok, "#009E73"), (part.diverged, "#E69F00"), (part.failed, "#D55E00")] where count > 0 {
                    marks += "<rect x=\"\(ChartText.px(x))\" y=\"\(ChartText.px(y + 2))\" width=\"\(ChartText.px(Double(count) * scale))\" height=\"\(ChartText.px(rowHeight - 5))\" fill=\"\(colour)\"><title>\(ChartText.escape(detail))</title></rect>"
                    x += Double(count) * scale
                }
                marks += "<rect x=\"\(ChartText.px(x))\" y=\"\(ChartText.px(y + 2))\" width=\"\(ChartText.px(max(right - x, 0)))\" height=\"\(ChartText.px(rowHeight - 5))\" fill=\"#e6e6e6\"><title>\(ChartText.escape(detail))</title></rect>"
            }
        }
        chart.raw(marks, marks: parts.count)
        let axisY = chart.height - 12
        chart.raw("<text class=\"axis\" x=\"\(ChartText.px((left + right) / 2))\" y=\"\(ChartText.px(axisY))\" text-anchor=\"middle\">"
            + (compact ? "one square per shard, colour = fraction of its trials done (viridis: dark = none, yellow = all)"
                : "trials of each shard: finished (green), diverged (orange), failed (red), not run (grey)") + "</text>")
        var body = "<figure>" + chart.svg(title: "Completion per shard", kind: "shards") + "</figure>"
        if !compact {
            body += "<ul class=\"legend\">" + [("#009E73", "finished"), ("#E69F00", "diverged"), ("#D55E00", "failed"), ("#e6e6e6", "not run yet")]
                .map { "<li><span class=\"swatch\" style=\"border-color: \($0.0)\"></span>\($0.1)</li>" }.joined() + "</ul>"
        }
        return Section(id: "shards", title: "Shards",
                       caption: "\(done) of \(total) trials done across \(parts.count) shards; each bar is one shard's "
                           + "share of the grid (a grey remainder is trials not run yet: resubmit that shard).",
                       body: body)
    }
}
