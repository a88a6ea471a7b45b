import Foundation
import GridSearch

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
