import Foundation
import GridSearch
import NeuralNet
import LinearAlgebra
import SearchSpace

// The plotted sections: importance, score per parameter, per pair, learning curves, latent size against PCA.
extension HTMLReport {
    /// Each key's distinct values over all records, in axis order (numbers by value, lists element-wise, the rest
    /// by text); "(absent)" stands for records without the key.
    static func valuesByKey(_ records: [TrialRecord]) -> [String: [ParameterValue]] {
        var values: [String: Set<ParameterValue>] = [:]
        for record in records {
            for (key, value) in record.parameters { values[key, default: []].insert(value) }
        }
        return values.mapValues { $0.sorted(by: Self.axisOrder) }
    }

    static func axisOrder(_ a: ParameterValue, _ b: ParameterValue) -> Bool {
        if let x = a.numericValue, let y = b.numericValue { return x < y }
        if case let .intList(x) = a, case let .intList(y) = b {
            return x.count != y.count ? x.count < y.count : x.lexicographicallyPrecedes(y)
        }
        return a.canonicalJSON < b.canonicalJSON
    }

    /// Where a parameter's values sit on a horizontal axis: by value (log₁₀ when they span a decade or more) for
    /// numbers, else as evenly spaced categories.
    struct KeyAxis {
        let key: String
        let values: [ParameterValue]
        let numeric: Bool
        let logarithmic: Bool
        let scale: ChartScale

        init(key: String, values: [ParameterValue], range: (Double, Double)) {
            self.key = key
            self.values = values
            let numbers = values.compactMap(\.numericValue)
            let positive = numbers.filter { $0 > 0 }
            let decades = (positive.max() ?? 1) / (positive.min() ?? 1) >= 10
            // Values spanning decades with a zero among them (an l2 of 0, 1e-5, …, 0.1) fit neither a linear axis
            // (all but the largest crowd at zero) nor a log one: they are evenly spaced categories, in order.
            numeric = numbers.count == values.count && values.count > 1 && !(decades && positive.count < numbers.count)
            logarithmic = numeric && positive.count == numbers.count && decades
            if numeric {
                scale = ChartScale(values: numbers, range: range, logarithmic: logarithmic, padding: 0.08)
            } else {
                scale = ChartScale(values: [-0.5, Double(values.count) - 0.5], range: range, logarithmic: false,
                                   padding: 0)
            }
        }

        /// The x of a value; nil for a value not on the axis (a record lacking the key on a numeric axis).
        func position(_ value: ParameterValue?) -> Double? {
            if numeric { return value?.numericValue.map { scale($0) } }
            let label = value ?? .string("(absent)")
            return values.firstIndex(of: label).map { scale(Double($0)) }
        }

        /// Half the distance between neighbouring values, in pixels: how far points may be spread sideways.
        var band: Double {
            let xs = values.compactMap(position).sorted()
            let gaps = zip(xs.dropFirst(), xs).map { $0 - $1 }
            return min(gaps.min() ?? 40, 40) / 2
        }

        var ticks: [(value: Double, label: String)] {
            if numeric {
                return values.compactMap { v in v.numericValue.map { ($0, Self.short(v.description)) } }
            }
            return values.enumerated().map { (Double($0.offset), Self.short($0.element.description)) }
        }

        var label: String {
            let unit = GridUnits.unit(of: key)
            return key + (unit.isEmpty ? "" : " (\(unit))") + (logarithmic ? ", log scale" : "")
        }

        static func short(_ text: String) -> String { text.count <= 12 ? text : String(text.prefix(11)) + "…" }
    }

    /// The scores' vertical scale, shared by the per-parameter charts: log₁₀ when the scores span a decade.
    func scoreScale(range: (Double, Double), extra: [Double] = []) -> ChartScale {
        let scores = finished.compactMap(\.testScore) + extra
        let positive = scores.filter { $0 > 0 && $0.isFinite }
        let logarithmic = positive.count == scores.count && (positive.max() ?? 1) / (positive.min() ?? 1) >= 10
        return ChartScale(values: scores, range: range, logarithmic: logarithmic)
    }

    func scoreLabel(_ scale: ChartScale) -> String {
        "test MSE (scaled units²)" + (scale.logarithmic ? ", log scale" : "")
    }

    /// A deterministic sideways offset in [−1, 1) for a trial, so stacked points spread the same way every time.
    static func jitter(_ record: TrialRecord) -> Double {
        Double(stableHash64(record.trialID) % 2001) / 1000 - 1
    }

    // MARK: Importance

    func importanceSection() -> Section {
        guard importance.trials > 1, !importance.entries.isEmpty else {
            return Section(id: "importance", title: "Hyperparameter importance",
                           caption: "Which parameters move the score most.",
                           body: "<p class=\"empty\">Needs at least two finished trials and a parameter with more than one value.</p>")
        }
        let rows = importance.entries.map { ($0.key, $0.share, ChartPalette.series(0)) }
            + [("interactions and rest", importance.remainder, "#9a9a9a")]
        let rowHeight = 30.0
        var chart = SVGChart(width: 760, height: 54 + Double(rows.count) * rowHeight, left: 190, top: 8, right: 70, bottom: 46)
        let x = ChartScale(values: [0, 1], range: (chart.plot.left, chart.plot.right), logarithmic: false, padding: 0)
        let y = ChartScale(values: [0, Double(rows.count)], range: (chart.plot.top, chart.plot.bottom), logarithmic: false, padding: 0)
        chart.axes(x: x, y: y, xLabel: "share of the variance of log₁₀(test MSE), %", yLabel: "",
                   xTicks: stride(from: 0.0, through: 1.0, by: 0.2).map { ($0, "\(Int(($0 * 100).rounded()))") }, yTicks: [])
        var bars = ""
        for (i, row) in rows.enumerated() {
            let top = y(Double(i)) + 5, height = rowHeight - 10
            let width = max(x(row.1) - x(0), row.1 > 0 ? 1 : 0)
            bars += "<rect x=\"\(ChartText.px(x(0)))\" y=\"\(ChartText.px(top))\" width=\"\(ChartText.px(width))\" "
                + "height=\"\(ChartText.px(height))\" fill=\"\(row.2)\"><title>\(ChartText.escape(row.0)): "
                + "\(CFormat.string("%.1f", row.1 * 100)) %</title></rect>"
            bars += "<text class=\"label\" x=\"\(ChartText.px(x(0) - 8))\" y=\"\(ChartText.px(top + height / 2 + 4))\" text-anchor=\"end\">\(ChartText.escape(row.0))</text>"
            bars += "<text class=\"label\" x=\"\(ChartText.px(x(0) + width + 6))\" y=\"\(ChartText.px(top + height / 2 + 4))\">\(CFormat.string("%.1f %%", row.1 * 100))</text>"
        }
        chart.raw(bars, marks: rows.count)
        var body = "<figure>" + chart.svg(title: "Hyperparameter importance", kind: "importance") + "</figure>"
        body += "<p class=\"note\">\(ChartText.escape(Importance.method)) Trials used: \(importance.trials).</p>"
        let strongPairs = importance.pairs.prefix(3).filter { $0.share >= 0.01 }
        if !strongPairs.isEmpty {
            body += "<p class=\"note\">Largest pairwise interactions: " + strongPairs.map {
                "\(ChartText.escape($0.keys.0)) × \(ChartText.escape($0.keys.1)) \(CFormat.string("%.1f %%", $0.share * 100))"
            }.joined(separator: "; ") + ".</p>"
        }
        return Section(id: "importance", title: "Hyperparameter importance",
                       caption: "The longer the bar, the more of the differences between trials' scores that "
                           + "parameter explains on its own; the most important parameter is at the top.",
                       body: body)
    }

    // MARK: Score against each parameter

    func slicesSection() -> Section {
        let order = importance.entries.map(\.key)
        let keys = varyingKeys.sorted { (order.firstIndex(of: $0) ?? .max, $0) < (order.firstIndex(of: $1) ?? .max, $1) }
        guard !keys.isEmpty, !finished.isEmpty else {
            return Section(id: "slices", title: "Score against each parameter", caption: "One chart per parameter that varies.",
                           body: "<p class=\"empty\">No parameter varies, or no trial has finished yet.</p>")
        }
        var figures: [String] = []
        for key in keys {
            var chart = SVGChart()
            let axis = KeyAxis(key: key, values: values[key] ?? [], range: (chart.plot.left, chart.plot.right))
            let y = scoreScale(range: (chart.plot.bottom, chart.plot.top))
            chart.axes(x: axis.scale, y: y, xLabel: axis.label, yLabel: scoreLabel(y), xTicks: axis.ticks)
            let spread = min(axis.band * 0.6, 14)
            var points: [(x: Double, y: Double)] = []
            var best: [ParameterValue: Double] = [:]
            for record in finished {
                let value = record.parameters[key] ?? .string("(absent)")
                guard let x = axis.position(record.parameters[key]), let score = record.testScore else { continue }
                points.append((x + Self.jitter(record) * spread, y(score)))
                best[value] = min(best[value] ?? .infinity, score)
            }
            chart.points(points, colour: ChartPalette.series(0), label: "every finished trial")
            let line = axis.values.compactMap { v in best[v].flatMap { s in axis.position(v).map { ($0, y(s)) } } }
            chart.line(line, colour: ChartPalette.series(1), label: "best test MSE per value")
            figures.append("<figure>" + chart.svg(title: "Test MSE against \(key)", kind: "slice")
                + "<figcaption>\(ChartText.escape(key)): \(CFormat.string("%.1f", importance.share(of: key) * 100)) % of the "
                + "variance</figcaption></figure>")
        }
        let legend = "<ul class=\"legend\"><li><span class=\"swatch dot\" style=\"background: \(ChartPalette.series(0))\"></span>"
            + "one finished trial (spread sideways so they do not hide one another)</li><li><span class=\"swatch\" "
            + "style=\"border-color: \(ChartPalette.series(1))\"></span>best trial per value</li></ul>"
        return Section(id: "slices", title: "Score against each parameter",
                       caption: "For each parameter that varies (most important first): every finished trial as a dot "
                           + "at its value and test MSE, and the best per value as a line; a line that falls steeply "
                           + "means the parameter matters. All charts share one vertical scale.",
                       body: legend + "<div class=\"charts\">" + figures.joined() + "</div>")
    }

    // MARK: Pairs

    func pairsSection() -> Section {
        let keys = varyingKeys
        guard keys.count >= 2, !finished.isEmpty else {
            return Section(id: "pairs", title: "Pairs of parameters", caption: "One heatmap per pair of parameters that vary.",
                           body: "<p class=\"empty\">Fewer than two parameters vary, or no trial has finished yet: no pairs to show.</p>")
        }
        let interaction = Dictionary(importance.pairs.map { ("\($0.keys.0)\u{1}\($0.keys.1)", $0.share) }, uniquingKeysWith: { a, _ in a })
        var pairs: [(String, String, Double)] = []
        let sorted = keys.sorted()
        for (i, p) in sorted.enumerated() {
            for q in sorted[(i + 1)...] {
                pairs.append((p, q, importance.share(of: p) + importance.share(of: q) + (interaction["\(p)\u{1}\(q)"] ?? 0)))
            }
        }
        pairs.sort { ($0.2, $1.0, $1.1) > ($1.2, $0.0, $0.1) }
        // One colour scale for every heatmap: brighter is better (lower MSE).
        let logs = finished.compactMap { $0.testScore.flatMap { $0 > 0 ? log10($0) : nil } }
        let (low, high) = (logs.min() ?? 0, logs.max() ?? 1)
        func t(_ score: Double) -> Double { high > low ? 1 - (log10(max(score, 1e-300)) - low) / (high - low) : 1 }
        var figures: [String] = []
        for (p, q, _) in pairs.prefix(Self.pairCharts) {
            // The more important key across (columns), the other down (rows).
            let (across, down) = importance.share(of: p) >= importance.share(of: q) ? (p, q) : (q, p)
            let columns = values[across] ?? [], rows = values[down] ?? []
            let cellWidth = min(90, max(34, 420 / Double(max(columns.count, 1))))
            let cellHeight = min(44, max(18, 260 / Double(max(rows.count, 1))))
            var chart = SVGChart(width: 110 + cellWidth * Double(columns.count) + 20,
                                 height: 16 + cellHeight * Double(rows.count) + 56, left: 110, top: 16, right: 20, bottom: 56)
            var best: [Int: TrialRecord] = [:]
            var counts: [Int: Int] = [:]
            let columnIndex = Dictionary(columns.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            let rowIndex = Dictionary(rows.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
            for record in finished {
                guard let c = record.parameters[across].flatMap({ columnIndex[$0] }),
                      let r = record.parameters[down].flatMap({ rowIndex[$0] }) else { continue }
                let cell = r * columns.count + c
                counts[cell, default: 0] += 1
                if Search.ranksBefore(record, best[cell]) { best[cell] = record }
            }
            var cells = ""
            for (r, rowValue) in rows.enumerated() {
                for (c, columnValue) in columns.enumerated() {
                    let x = chart.plot.left + Double(c) * cellWidth, y = chart.plot.top + Double(r) * cellHeight
                    let position = "x=\"\(ChartText.px(x))\" y=\"\(ChartText.px(y))\" width=\"\(ChartText.px(cellWidth - 1))\" height=\"\(ChartText.px(cellHeight - 1))\""
                    let where_ = "\(across)=\(columnValue.description), \(down)=\(rowValue.description)"
                    guard let record = best[r * columns.count + c], let score = record.testScore else {
                        cells += "<rect \(position) fill=\"#f0f0f0\" stroke=\"#d0d0d0\"><title>\(ChartText.escape(where_)): no finished trial</title></rect>"
                        continue
                    }
                    let shade = t(score)
                    cells += "<rect \(position) fill=\"\(ChartPalette.viridis(shade))\"><title>\(ChartText.escape(where_)): best test MSE "
                        + "\(ChartText.number(score)) of \(counts[r * columns.count + c] ?? 0) trials</title></rect>"
                    if cellWidth >= 44 && cellHeight >= 16 {
                        cells += "<text x=\"\(ChartText.px(x + cellWidth / 2))\" y=\"\(ChartText.px(y + cellHeight / 2 + 4))\" "
                            + "text-anchor=\"middle\" font-size=\"11\" fill=\"\(ChartPalette.textOnViridis(shade))\">\(ChartText.number(score))</text>"
                    }
                }
            }
            for (c, value) in columns.enumerated() {
                cells += "<text class=\"tick\" x=\"\(ChartText.px(chart.plot.left + (Double(c) + 0.5) * cellWidth))\" y=\"\(ChartText.px(chart.plot.bottom + 15))\" text-anchor=\"middle\">\(ChartText.escape(KeyAxis.short(value.description)))</text>"
            }
            for (r, value) in rows.enumerated() {
                cells += "<text class=\"tick\" x=\"\(ChartText.px(chart.plot.left - 6))\" y=\"\(ChartText.px(chart.plot.top + (Double(r) + 0.5) * cellHeight + 4))\" text-anchor=\"end\">\(ChartText.escape(KeyAxis.short(value.description)))</text>"
            }
            cells += "<text class=\"axis\" x=\"\(ChartText.px((chart.plot.left + chart.plot.right) / 2))\" y=\"\(ChartText.px(chart.height - 14))\" text-anchor=\"middle\">\(ChartText.escape(across))</text>"
            cells += "<text class=\"axis\" transform=\"translate(14 \(ChartText.px((chart.plot.top + chart.plot.bottom) / 2))) rotate(-90)\" text-anchor=\"middle\">\(ChartText.escape(down))</text>"
            chart.raw(cells, marks: best.count)
            figures.append("<figure>" + chart.svg(title: "Best test MSE per \(across) and \(down)", kind: "heatmap")
                + "<figcaption>\(ChartText.escape(across)) × \(ChartText.escape(down)): interaction "
                + "\(CFormat.string("%.1f", (interaction["\(min(p, q))\u{1}\(max(p, q))"] ?? 0) * 100)) % of the variance</figcaption></figure>")
        }
        var body = colourLegend(low: pow(10, low), high: pow(10, high)) + "<div class=\"charts\">" + figures.joined() + "</div>"
        if pairs.count > Self.pairCharts {
            body += "<p class=\"note\">\(pairs.count - Self.pairCharts) less important pairs not drawn.</p>"
        }
        return Section(id: "pairs", title: "Pairs of parameters",
                       caption: "For each pair of parameters (the most important pairs first), the best test MSE of "
                           + "every combination of their values: brighter is better, grey is not run or not finished.",
                       body: body)
    }

    /// The heatmaps' colour key: viridis from the worst score (dark) to the best (bright).
    func colourLegend(low: Double, high: Double) -> String {
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"colour-key\" width=\"420\" height=\"40\" viewBox=\"0 0 420 40\" role=\"img\">"
            + "<title>Colour key: test MSE</title>"
        for i in 0 ..< 40 {
            svg += "<rect x=\"\(10 + i * 8)\" y=\"4\" width=\"8.5\" height=\"14\" fill=\"\(ChartPalette.viridis(Double(i) / 39))\"/>"
        }
        svg += "<text class=\"tick\" x=\"10\" y=\"33\">\(ChartText.number(high)) (worst)</text>"
        svg += "<text class=\"tick\" x=\"330\" y=\"33\" text-anchor=\"end\">\(ChartText.number(low)) (best)</text>"
        svg += "<text class=\"tick\" x=\"338\" y=\"15\">test MSE, log</text></svg>"
        return svg
    }

    // MARK: Learning curves

    func curvesSection() -> Section {
        let trials = finished.prefix(Self.curveTrials).filter { !(histories[$0.trialID] ?? []).isEmpty }
        guard !trials.isEmpty else {
            return Section(id: "curves", title: "Learning curves", caption: "Loss per epoch of the best trials.",
                           body: "<p class=\"empty\">No finished trial with a recorded history.</p>")
        }
        var chart = SVGChart(width: 1100, height: 380)
        // At most this many points per curve: a 10,000-epoch history draws as well from 300.
        let limit = 300
        func thinned(_ epochs: [TrialRecord.Epoch]) -> [TrialRecord.Epoch] {
            guard epochs.count > limit else { return epochs }
            let step = Double(epochs.count - 1) / Double(limit - 1)
            return (0 ..< limit).map { epochs[Int((Double($0) * step).rounded())] }
        }
        let curves = trials.map { thinned(histories[$0.trialID]!) }
        let losses = curves.flatMap { $0.flatMap { [$0.loss] + ($0.validationLoss.map { [$0] } ?? []) } }
            .filter { $0 > 0 && $0.isFinite }
        let epochs = curves.flatMap { $0.map { Double($0.epoch) } }
        let x = ChartScale(values: [1] + epochs, range: (chart.plot.left, chart.plot.right), logarithmic: false, padding: 0.02)
        let y = ChartScale(values: losses, range: (chart.plot.bottom, chart.plot.top), logarithmic: true)
        chart.axes(x: x, y: y, xLabel: "epoch", yLabel: "loss per epoch (scaled units², log scale)")
        var buttons: [String] = []
        let keys = varyingKeys
        for (i, (record, curve)) in zip(trials, curves).enumerated() {
            let colour = ChartPalette.series(i)
            let name = "#\(i + 1) " + parameterText(record, keys: keys)
            let train = curve.filter { $0.loss > 0 && $0.loss.isFinite }.map { (x: x(Double($0.epoch)), y: y($0.loss)) }
            chart.line(train, colour: colour, markers: false, label: "\(name): training loss", series: i)
            let validation = curve.compactMap { e in e.validationLoss.flatMap { $0 > 0 && $0.isFinite ? (x: x(Double(e.epoch)), y: y($0)) : nil } }
            if !validation.isEmpty {
                chart.line(validation, colour: colour, dash: "6 4", markers: false, label: "\(name): validation loss", series: i)
            }
            buttons.append("<button type=\"button\" class=\"toggle\" aria-pressed=\"true\" data-chart=\"curves-chart\" data-series=\"\(i)\">"
                + "<span class=\"swatch\" style=\"border-color: \(colour)\"></span>\(ChartText.escape(name)) "
                + "(test MSE \(ChartText.number(record.testScore!)))</button>")
        }
        let svg = ChartText.replacingAll("<svg ", with: "<svg id=\"curves-chart\" ",
                                         in: chart.svg(title: "Learning curves of the best trials", kind: "curves"))
        let hasValidation = curves.contains { $0.contains { $0.validationLoss != nil } }
        return Section(id: "curves", title: "Learning curves",
                       caption: "Training loss per epoch (solid)" + (hasValidation ? " and validation loss (dashed)" : "")
                           + " of the \(trials.count) best trials, on one log scale: curves still falling at the end "
                           + "want more epochs" + (hasValidation ? ", a rising validation curve is overfitting" : "")
                           + ". Click a trial to hide or show it.",
                       body: "<figure>" + svg + "</figure><div class=\"legend\">" + buttons.joined() + "</div>")
    }

    // MARK: Latent size against PCA

    func latentSection() -> Section {
        let placed = finished.filter { report.latentSizes[$0.trialID] != nil }
        guard !placed.isEmpty else {
            return Section(id: "latent", title: "Latent size against PCA", caption: "Test MSE per latent size.",
                           body: "<p class=\"empty\">No finished trial with a known latent size.</p>")
        }
        var chart = SVGChart(width: 1100, height: 380)
        let sizes = Array(Set(placed.map { report.latentSizes[$0.trialID]! })).sorted()
        let pca = (report.baseline?.rows ?? []).filter { $0.components >= 1 && $0.testMSE.isFinite }
        let xs = (sizes + pca.map(\.components)).map(Double.init)
        let logarithmic = (xs.max() ?? 1) / max(xs.min() ?? 1, 1) >= 8
        let x = ChartScale(values: xs, range: (chart.plot.left, chart.plot.right), logarithmic: logarithmic, padding: 0.06)
        // PCA's error is ≈ 0 from as many components as the data has dimensions: those points would squash a log
        // axis, so they stay out of its range and are drawn on its lower edge.
        let lowest = placed.compactMap(\.testScore).min() ?? 0
        let exact = pca.filter { Self.pcaIsExact($0.testMSE, score: lowest) }.map(\.components)
        let y = scoreScale(range: (chart.plot.bottom, chart.plot.top),
                           extra: pca.filter { !exact.contains($0.components) }.map(\.testMSE))
        let ticks = Set(xs).sorted().map { ($0, ChartText.integer($0)) }
        chart.axes(x: x, y: y, xLabel: "latent size (units in the bottleneck)" + (logarithmic ? ", log scale" : ""),
                   yLabel: scoreLabel(y), xTicks: ticks.count <= 16 ? ticks : nil)
        var best: [Int: Double] = [:]
        var points: [(x: Double, y: Double)] = []
        for record in placed {
            let size = report.latentSizes[record.trialID]!
            points.append((x(Double(size)) + Self.jitter(record) * 7, y(record.testScore!)))
            best[size] = min(best[size] ?? .infinity, record.testScore!)
        }
        chart.points(points, colour: ChartPalette.series(0), label: "every finished trial")
        chart.line(sizes.map { (x(Double($0)), y(best[$0]!)) }, colour: ChartPalette.series(0), dash: "2 3",
                   width: 1.5, label: "best autoencoder per latent size")
        chart.line(pca.map { (x(Double($0.components)), min(y($0.testMSE), chart.plot.bottom)) }, colour: ChartPalette.series(1), width: 2.5,
                   label: "PCA with as many components (linear baseline)")
        let legend = "<ul class=\"legend\"><li><span class=\"swatch dot\" style=\"background: \(ChartPalette.series(0))\"></span>"
            + "one finished autoencoder trial</li><li><span class=\"swatch\" style=\"border-top: 2px dashed \(ChartPalette.series(0))\"></span>"
            + "best autoencoder per latent size</li><li><span class=\"swatch\" style=\"border-color: \(ChartPalette.series(1))\"></span>"
            + "PCA with as many components: the best any linear autoencoder can do</li></ul>"
        return Section(id: "latent", title: "Latent size against PCA",
                       caption: "Test MSE against the width of the bottleneck: dots below the PCA line are autoencoders "
                           + "that beat every linear model of the same size; above it, the non-linearity has not paid off."
                           + (exact.isEmpty ? "" : " PCA is exact (error ≈ 0) at latent size "
                               + exact.map(String.init).joined(separator: ", ") + ", drawn on the lower edge."),
                       body: "<figure>" + chart.svg(title: "Test MSE against latent size, with PCA", kind: "latent")
                           + "</figure>" + legend)
    }
}
