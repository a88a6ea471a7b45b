import Foundation
import GridSearch

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
        return "#" + [channel(a.0, b.0), channel(a.1, b.1), channel(a.2, b.2)].map(Self.hexByte).joined()
    }

    /// A channel (0…255) as two lowercase hex digits, as `%02x` writes it: a heatmap colours every cell, and
    /// `String(format:)` costs each a CFString round trip.
    static func hexByte(_ value: Int) -> String {
        let digits = String(value, radix: 16)
        return digits.count == 1 ? "0" + digits : digits
    }

    /// Black or white text, whichever reads on viridis at `t` (its lower 60 % is dark).
    static func textOnViridis(_ t: Double) -> String { t < 0.6 ? "#ffffff" : "#000000" }
}
