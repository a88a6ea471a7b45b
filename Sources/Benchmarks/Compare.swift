import Foundation
import LinearAlgebra

/// `aegrid-bench compare BASELINE.json OTHER.json [--svg PATH]`: one side-by-side table of two reports (every
/// variant each build measured, and the ratio OTHER ÷ BASELINE of their default variants), optionally an SVG chart.
func compareReports(_ arguments: [String]) throws {
    var paths: [String] = [], svgPath: String?
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        if argument == "--svg" {
            guard let path = rest.popFirst() else { fail("--svg needs a file path, e.g. --svg bench-results/chart.svg") }
            svgPath = path
        } else if argument.hasPrefix("-") {
            fail("unknown option '\(argument)' for compare\n\(usage)")
        } else {
            paths.append(argument)
        }
    }
    guard paths.count == 2 else {
        fail("compare needs exactly two reports (BASELINE.json OTHER.json), got \(paths.count)\n\(usage)")
    }
    let comparison = Comparison(baseline: try BenchmarkReport.read(from: paths[0]),
                                other: try BenchmarkReport.read(from: paths[1]))
    print(comparison.renderTable())
    if let svgPath {
        try comparison.renderSVG().write(toFile: svgPath, atomically: true, encoding: .utf8)
        print("\nwrote \(svgPath)")
    }
}

/// Two reports lined up row by row: a row is one (section, benchmark, metric); each build contributes a column per
/// (backend, threads) it measured. The ratio compares each build's default variant: its default GEMM backend at
/// the fewest threads (or, for rows that do not vary the backend, the first variant recorded).
struct Comparison {
    struct Row {
        var section: String, name: String, metric: String, unit: String
    }

    let baseline: BenchmarkReport
    let other: BenchmarkReport
    let rows: [Row]

    init(baseline: BenchmarkReport, other: BenchmarkReport) {
        self.baseline = baseline
        self.other = other
        var rows: [Row] = []
        for record in baseline.records + other.records
        where !rows.contains(where: { $0.section == record.section && $0.name == record.name && $0.metric == record.metric }) {
            rows.append(Row(section: record.section, name: record.name, metric: record.metric, unit: record.unit))
        }
        self.rows = rows
    }

    private static func records(_ report: BenchmarkReport, _ row: Row) -> [BenchmarkRecord] {
        report.records.filter { $0.section == row.section && $0.name == row.name && $0.metric == row.metric }
    }

    /// The build's default variant for a row, or nil when the build did not measure the row.
    static func defaultValue(_ report: BenchmarkReport, _ row: Row) -> Double? {
        let candidates = records(report, row)
        let preferred = candidates.filter { $0.backend == report.build.defaultBackend }.min { $0.threads < $1.threads }
        return (preferred ?? candidates.first)?.value
    }

    private static func variants(_ report: BenchmarkReport) -> [(backend: String, threads: Int)] {
        var variants: [(backend: String, threads: Int)] = []
        for record in report.records where !variants.contains(where: { $0 == (record.backend, record.threads) }) {
            variants.append((record.backend, record.threads))
        }
        return variants
    }

    func renderTable() -> String {
        let left = Self.variants(baseline), right = Self.variants(other)
        let threadCounts = Set((left + right).map(\.threads))
        func header(_ report: BenchmarkReport, _ variant: (backend: String, threads: Int)) -> String {
            "\(report.build.label) \(variantLabel(backend: variant.backend, threads: variant.threads, threadCounts: threadCounts))"
        }
        let ratioHeader = "\(other.build.label)÷\(baseline.build.label)"
        var table = TextTable(headers: ["benchmark", "unit"] + left.map { header(baseline, $0) }
                              + right.map { header(other, $0) } + [ratioHeader])
        var section = ""
        for row in rows {
            if row.section != section {
                section = row.section
                table.append(["[\(section)]"])
            }
            func cell(_ report: BenchmarkReport, _ variant: (backend: String, threads: Int)) -> String {
                Self.records(report, row).first { $0.backend == variant.backend && $0.threads == variant.threads }
                    .map { formatValue($0.value) } ?? "-"
            }
            var ratio = "-"
            if let a = Self.defaultValue(baseline, row), let b = Self.defaultValue(other, row), a > 0 {
                ratio = String(format: "%.2f", b / a)
            }
            table.append([row.name, row.unit] + left.map { cell(baseline, $0) } + right.map { cell(other, $0) } + [ratio])
        }
        let describe = { (r: BenchmarkReport) in
            "\(r.build.label): default GEMM \(r.build.defaultBackend), \(r.build.codeGeneration), \(r.build.date)"
        }
        return """
            \(describe(baseline))
            \(describe(other))
            CPU \(baseline.build.cpuModel), \(baseline.build.cores) cores\(baseline.build.cpuModel == other.build.cpuModel ? "" : " / \(other.build.cpuModel) (different machines!)")
            \(ratioHeader): each build's default backend at the fewest threads; above 1 means \(other.build.label) is higher.

            \(table.render())

            \(renderTargets())
            """
    }

    /// Issue 17's figures ("What it must show"), each build's beside its target, from the rows that measure them;
    /// "-" where a run did not measure one (a section left out, or a row a later change adds).
    func renderTargets() -> String {
        func value(_ report: BenchmarkReport, section: String, name: String, metric: String) -> Double? {
            report.records.first { $0.section == section && $0.name == name && $0.metric == metric }?.value
        }
        /// The best samples/s per core of any 10→4→10 batch-32 training row (single trials or grouped ones).
        /// The train section's grouped-training row (`GroupedTrainingBenchmark`) with this metric.
        func grouped(_ metric: String) -> (BenchmarkReport) -> Double? {
            { report in
                report.records.first { $0.section == "train" && $0.name.hasPrefix("10→4→10 batch 32")
                    && $0.metric == metric }?.value
            }
        }
        let figures: [(name: String, unit: String, target: String, read: (BenchmarkReport) -> Double?)] = [
            ("seed grids, 3 whole processes, --jobs 2, best repeat", "s wall", "< 0.12",
             { value($0, section: "search", name: "seed grids, 52 trials, --jobs 2", metric: "best wall") }),
            ("seed grids, 3 whole processes, --jobs 2, median", "s wall", "",
             { value($0, section: "search", name: "seed grids, 52 trials, --jobs 2", metric: "wall") }),
            ("10→4→10 batch 32, eight trials grouped, per core", "samples/s", "≥ 3 × 17 M (51 M)",
             grouped("grouped, 8 trials")),
            ("the same ÷ the fastest lone trial, same run", "×", "3", grouped("grouped ÷ fastest lone")),
            ("784→256→64→256→784 batch 32 ÷ batch 256, lone trial", "%", "≥ 85",
             { value($0, section: "batch", name: "784→256→64→256→784 batch 32 ÷ batch 256", metric: "share") }),
            ("  the same step with SGD (no Adam moments, √ or ÷)", "%", "",
             { value($0, section: "batch", name: "784→256→64→256→784 batch 32 ÷ batch 256, SGD", metric: "share") }),
            ("  its plain products alone, one thread, same ratio", "%", "",
             { value($0, section: "batch", name: "products alone, batch 32 ÷ batch 256", metric: "share") }),
        ]
        var table = TextTable(headers: ["issue 17", "unit", baseline.build.label, other.build.label, "target"])
        for figure in figures {
            table.append([figure.name, figure.unit, figure.read(baseline).map(formatValue) ?? "-",
                          figure.read(other).map(formatValue) ?? "-", figure.target])
        }
        return table.render() + "\nAEGrid against compiled JAX (issue 17: at least 10×) is measured by `make compare`."
    }

    /// Horizontal bars, two per row (baseline, other), each row scaled to its own larger value, since rows differ
    /// in unit and magnitude; sections are headed, values printed at the bar ends.
    func renderSVG() -> String {
        let labelWidth = 330.0, barArea = 520.0, width = labelWidth + barArea + 90
        let barHeight = 11.0, rowGap = 8.0, headerHeight = 24.0
        var body: [String] = []
        var y = 58.0
        var section = ""
        let colors = ("#3b6fb6", "#e08a2c")
        for row in rows {
            if row.section != section {
                section = row.section
                y += 6
                body.append(#"<text x="8" y="\#(y + 14)" font-weight="bold">\#(escape(section))</text>"#)
                y += headerHeight
            }
            let a = Self.defaultValue(baseline, row), b = Self.defaultValue(other, row)
            let scale = max(a ?? 0, b ?? 0)
            body.append(#"<text x="\#(labelWidth - 6)" y="\#(y + barHeight + 3)" text-anchor="end">\#(escape(row.name)) (\#(escape(row.unit)))</text>"#)
            for (index, value) in [a, b].enumerated() {
                let top = y + Double(index) * barHeight
                guard let value, scale > 0 else { continue }
                let length = max(1, barArea * value / scale)
                let color = index == 0 ? colors.0 : colors.1
                body.append(#"<rect x="\#(labelWidth)" y="\#(top)" width="\#(length)" height="\#(barHeight - 1)" fill="\#(color)"/>"#)
                body.append(#"<text x="\#(labelWidth + length + 4)" y="\#(top + barHeight - 2)" font-size="10">\#(formatValue(value))</text>"#)
            }
            y += 2 * barHeight + rowGap
        }
        let title = "aegrid-bench: \(baseline.build.label) build vs \(other.build.label) build — \(baseline.build.cpuModel), \(baseline.build.cores) cores"
        let legend = [
            #"<rect x="8" y="34" width="12" height="10" fill="\#(colors.0)"/><text x="24" y="43">\#(escape(baseline.build.label)) (default GEMM \#(escape(baseline.build.defaultBackend)))</text>"#,
            #"<rect x="260" y="34" width="12" height="10" fill="\#(colors.1)"/><text x="276" y="43">\#(escape(other.build.label)) (default GEMM \#(escape(other.build.defaultBackend)))</text>"#,
        ]
        return """
            <svg xmlns="http://www.w3.org/2000/svg" width="\(Int(width))" height="\(Int(y + 10))" font-family="sans-serif" font-size="11">
            <rect width="100%" height="100%" fill="white"/>
            <text x="8" y="18" font-size="13" font-weight="bold">\(escape(title))</text>
            \((legend + body).joined(separator: "\n"))
            </svg>

            """
    }

    private func escape(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;")
            .replacingOccurrences(of: ">", with: "&gt;")
    }
}
