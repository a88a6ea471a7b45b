import Foundation

/// A position scale of a chart axis: data values in `domain` to pixels in `range`, linearly or on log₁₀.
///
/// A log scale needs a positive domain; values at or below zero map to the lower end of the range (callers leave
/// such values out of log plots). A domain of zero width is widened around its value so a single point sits in the
/// middle of the axis.
struct ChartScale: Sendable {
    let lower: Double
    let upper: Double
    let start: Double
    let end: Double
    let logarithmic: Bool

    init(values: [Double], range: (Double, Double), logarithmic: Bool, padding: Double = 0.05) {
        let finite = values.filter { $0.isFinite && (!logarithmic || $0 > 0) }
        var low = finite.min() ?? (logarithmic ? 1 : 0)
        var high = finite.max() ?? (logarithmic ? 10 : 1)
        if logarithmic { low = log10(low); high = log10(high) }
        if high - low < 1e-12 {
            let half = logarithmic ? 0.5 : max(abs(low) * 0.1, 0.5)
            low -= half
            high += half
        } else {
            let pad = (high - low) * padding
            low -= pad
            high += pad
        }
        lower = low
        upper = high
        start = range.0
        end = range.1
        self.logarithmic = logarithmic
    }

    /// The pixel coordinate of `value`.
    func callAsFunction(_ value: Double) -> Double {
        let v = logarithmic ? (value > 0 ? log10(value) : lower) : value
        return start + (v - lower) / (upper - lower) * (end - start)
    }

    /// Tick positions and labels: on a log axis the values 1, 2 and 5 × 10ᵏ inside it (only powers of ten when it
    /// spans many decades, more steps when it spans less than one), else about five "nice" steps (1, 2 or 5 × 10ᵏ).
    func ticks() -> [(value: Double, label: String)] {
        guard logarithmic else { return Self.niceTicks(low: lower, high: upper) }
        func candidates(_ multipliers: [Double], every step: Int = 1) -> [(value: Double, label: String)] {
            var ticks: [(Double, String)] = []
            for exponent in stride(from: Int(floor(lower)), through: Int(ceil(upper)), by: 1) where exponent % step == 0 {
                for m in multipliers {
                    let v = m * pow(10, Double(exponent))
                    if log10(v) >= lower - 1e-9 && log10(v) <= upper + 1e-9 { ticks.append((v, ChartText.number(v))) }
                }
            }
            return ticks
        }
        let decades = upper - lower
        if decades > 6 { return candidates([1], every: Int((decades / 6).rounded(.up))) }
        if decades > 2.5 { return candidates([1]) }
        let coarse = candidates([1, 2, 5])
        return coarse.count >= 3 ? coarse : candidates([1, 1.5, 2, 3, 4, 5, 7])
    }

    static func niceTicks(low: Double, high: Double, count: Int = 5) -> [(value: Double, label: String)] {
        let raw = (high - low) / Double(count)
        guard raw > 0, raw.isFinite else { return [] }
        let magnitude = pow(10, floor(log10(raw)))
        let step = [1.0, 2, 5, 10].map { $0 * magnitude }.first { $0 >= raw } ?? 10 * magnitude
        var ticks: [(Double, String)] = []
        var v = ceil(low / step - 1e-9) * step
        while v <= high + step * 1e-9 {
            let clean = abs(v) < step * 1e-9 ? 0 : v
            ticks.append((clean, ChartText.number(clean)))
            v += step
        }
        return ticks
    }
}

/// Text in SVG and HTML: escaping and the short number forms of tick labels and cells.
enum ChartText {
    /// `text` safe inside an element or a double-quoted attribute (HTML and XML alike).
    static func escape(_ text: String) -> String {
        var out = ""
        out.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            case "'": out += "&#39;"
            default:
                // Control characters other than tab and newline are not allowed in XML at all.
                if scalar.value < 0x20 && scalar != "\n" && scalar != "\t" { out += " " } else { out.unicodeScalars.append(scalar) }
            }
        }
        return out
    }

    /// A tick label or table number: at most four significant digits, no trailing zeros (0.001, 2.5e-05, 128).
    static func number(_ value: Double) -> String {
        guard value.isFinite else { return value.isNaN ? "NaN" : (value > 0 ? "∞" : "−∞") }
        if value == 0 { return "0" }
        let magnitude = abs(value)
        if magnitude >= 1e-4 && magnitude < 1e6 {
            var text = String(format: "%.4g", value)
            if text.contains("e") { text = String(format: "%.4f", value) }
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            return text
        }
        return String(format: "%.2g", value).replacingOccurrences(of: "e-0", with: "e-").replacingOccurrences(of: "e+0", with: "e")
            .replacingOccurrences(of: "e+", with: "e")
    }

    /// A pixel coordinate: one decimal, which keeps 10,000 points' paths short without visible rounding.
    /// (Integer arithmetic, not `String(format:)`: a 10,000-trial page formats some 10⁵ coordinates.)
    static func px(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int((abs(value) * 10).rounded())
        let sign = value < 0 && tenths != 0 ? "-" : ""
        return tenths % 10 == 0 ? sign + String(tenths / 10) : sign + String(tenths / 10) + "." + String(tenths % 10)
    }
}

/// Colour-blind-safe colours: Okabe & Ito's qualitative palette for series, viridis for sequential values.
enum ChartPalette {
    /// Okabe–Ito (2008) without its yellow, which is too light on white: blue, vermillion, bluish green, orange,
    /// reddish purple, sky blue, black.
    static let series = ["#0072B2", "#D55E00", "#009E73", "#E69F00", "#CC79A7", "#56B4E9", "#000000"]
    /// Dash patterns that tell series apart past the seventh colour (and in greyscale print).
    static let dashes = ["", "6 3", "2 3", "8 3 2 3"]

    static func series(_ index: Int) -> String { series[index % series.count] }

    /// Viridis (matplotlib's default map: perceptually uniform, readable with every common colour-vision
    /// deficiency) at nine stops, interpolated linearly; `t` in [0, 1].
    static func viridis(_ t: Double) -> String {
        let stops: [(Double, Double, Double)] = [
            (68, 1, 84), (71, 44, 122), (59, 81, 139), (44, 113, 142), (33, 144, 141),
            (39, 173, 129), (92, 200, 99), (170, 220, 50), (253, 231, 37),
        ]
        let x = min(max(t.isFinite ? t : 0, 0), 1) * Double(stops.count - 1)
        let i = min(Int(x), stops.count - 2)
        let f = x - Double(i)
        let (a, b) = (stops[i], stops[i + 1])
        func channel(_ p: Double, _ q: Double) -> Int { Int((p + (q - p) * f).rounded()) }
        return String(format: "#%02x%02x%02x", channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2))
    }

    /// Black or white text, whichever reads on viridis at `t` (its lower 60 % is dark).
    static func textOnViridis(_ t: Double) -> String { t < 0.6 ? "#ffffff" : "#000000" }
}

/// One chart: a fixed-size SVG with a plot area, axes with ticks and labels, and whatever marks the caller adds.
///
/// Every chart is an `<svg role="img">` with a `<title>` (screen readers read it), labelled axes (units in the
/// label), and `data-marks` counting the data marks drawn, which the browser check reads to tell an empty plot
/// from a drawn one.
struct SVGChart {
    let width: Double
    let height: Double
    let plot: (left: Double, top: Double, right: Double, bottom: Double)
    var body: [String] = []
    var marks = 0

    init(width: Double = 560, height: Double = 320, left: Double = 68, top: Double = 16, right: Double = 16,
         bottom: Double = 52) {
        self.width = width
        self.height = height
        plot = (left, top, width - right, height - bottom)
    }

    /// Grid lines and tick labels for both axes, and the axis titles.
    mutating func axes(x: ChartScale, y: ChartScale, xLabel: String, yLabel: String,
                       xTicks: [(value: Double, label: String)]? = nil, yTicks: [(value: Double, label: String)]? = nil) {
        var lines: [String] = []
        for tick in yTicks ?? y.ticks() {
            let py = y(tick.value)
            guard py >= plot.top - 0.5 && py <= plot.bottom + 0.5 else { continue }
            lines.append("<line class=\"grid\" x1=\"\(ChartText.px(plot.left))\" x2=\"\(ChartText.px(plot.right))\" y1=\"\(ChartText.px(py))\" y2=\"\(ChartText.px(py))\"/>")
            lines.append("<text class=\"tick\" x=\"\(ChartText.px(plot.left - 6))\" y=\"\(ChartText.px(py + 4))\" text-anchor=\"end\">\(ChartText.escape(tick.label))</text>")
        }
        // A label that would overlap the previous one is left out (its grid line stays).
        var labelEnd = -Double.infinity
        for tick in (xTicks ?? x.ticks()).sorted(by: { x($0.value) < x($1.value) }) {
            let px = x(tick.value)
            guard px >= plot.left - 0.5 && px <= plot.right + 0.5 else { continue }
            lines.append("<line class=\"grid\" x1=\"\(ChartText.px(px))\" x2=\"\(ChartText.px(px))\" y1=\"\(ChartText.px(plot.top))\" y2=\"\(ChartText.px(plot.bottom))\"/>")
            let halfWidth = Double(tick.label.count) * 3.4 + 3
            guard px - halfWidth >= labelEnd else { continue }
            labelEnd = px + halfWidth
            lines.append("<text class=\"tick\" x=\"\(ChartText.px(px))\" y=\"\(ChartText.px(plot.bottom + 16))\" text-anchor=\"middle\">\(ChartText.escape(tick.label))</text>")
        }
        lines.append("<rect class=\"frame\" x=\"\(ChartText.px(plot.left))\" y=\"\(ChartText.px(plot.top))\" width=\"\(ChartText.px(plot.right - plot.left))\" height=\"\(ChartText.px(plot.bottom - plot.top))\"/>")
        lines.append("<text class=\"axis\" x=\"\(ChartText.px((plot.left + plot.right) / 2))\" y=\"\(ChartText.px(height - 10))\" text-anchor=\"middle\">\(ChartText.escape(xLabel))</text>")
        let cy = (plot.top + plot.bottom) / 2
        lines.append("<text class=\"axis\" transform=\"translate(16 \(ChartText.px(cy))) rotate(-90)\" text-anchor=\"middle\">\(ChartText.escape(yLabel))</text>")
        body.insert(contentsOf: lines, at: 0)
    }

    /// Points as one path of zero-length round-capped segments (a few bytes each), de-duplicated at pixel
    /// resolution: 10,000 trials draw the same picture as their distinct pixels, so the file stays small.
    mutating func points(_ points: [(x: Double, y: Double)], colour: String, radius: Double = 2.5,
                         opacity: Double = 0.55, label: String) {
        var seen = Set<Int64>()
        var d = ""
        var drawn = 0
        for p in points where p.x.isFinite && p.y.isFinite {
            let qx = (p.x * 2).rounded(), qy = (p.y * 2).rounded()
            guard seen.insert(Int64(qx) << 32 | Int64(qy)).inserted else { continue }
            d += "M\(ChartText.px(qx / 2)) \(ChartText.px(qy / 2))h0"
            drawn += 1
        }
        guard drawn > 0 else { return }
        marks += points.count
        body.append("<path class=\"pts\" data-n=\"\(points.count)\" d=\"\(d)\" stroke=\"\(colour)\" stroke-width=\"\(ChartText.px(radius * 2))\" stroke-opacity=\"\(opacity)\"><title>\(ChartText.escape(label))</title></path>")
    }

    /// A polyline through `points` with a marker at each, in series colour.
    mutating func line(_ points: [(x: Double, y: Double)], colour: String, dash: String = "", width: Double = 2,
                       markers: Bool = true, label: String, series: Int? = nil) {
        let valid = points.filter { $0.x.isFinite && $0.y.isFinite }
        guard !valid.isEmpty else { return }
        marks += valid.count
        let d = valid.enumerated().map { i, p in (i == 0 ? "M" : "L") + ChartText.px(p.x) + " " + ChartText.px(p.y) }.joined()
        var group = "<g class=\"series\"" + (series.map { " data-series=\"\($0)\"" } ?? "") + ">"
        group += "<path class=\"line\" d=\"\(d)\" stroke=\"\(colour)\" stroke-width=\"\(ChartText.px(width))\""
        if !dash.isEmpty { group += " stroke-dasharray=\"\(dash)\"" }
        group += "><title>\(ChartText.escape(label))</title></path>"
        if markers {
            let m = valid.map { "M\(ChartText.px($0.x)) \(ChartText.px($0.y))h0" }.joined()
            group += "<path class=\"pts\" d=\"\(m)\" stroke=\"\(colour)\" stroke-width=\"\(ChartText.px(width * 3))\"/>"
        }
        body.append(group + "</g>")
    }

    mutating func raw(_ element: String, marks: Int = 0) {
        body.append(element)
        self.marks += marks
    }

    /// The finished `<svg>` element.
    func svg(title: String, kind: String) -> String {
        "<svg xmlns=\"http://www.w3.org/2000/svg\" class=\"chart\" data-kind=\"\(kind)\" data-marks=\"\(marks)\" "
            + "viewBox=\"0 0 \(ChartText.px(width)) \(ChartText.px(height))\" width=\"\(ChartText.px(width))\" "
            + "height=\"\(ChartText.px(height))\" role=\"img\"><title>\(ChartText.escape(title))</title>"
            + body.joined() + "</svg>"
    }
}
