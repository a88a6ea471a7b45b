import Foundation
import GridSearch

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
