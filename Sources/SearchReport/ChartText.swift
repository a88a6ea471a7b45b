import Foundation
import GridSearch

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
            var text = CFormat.string("%.4g", value)
            if text.contains("e") { text = CFormat.string("%.4f", value) }
            if text.contains(".") {
                while text.hasSuffix("0") { text.removeLast() }
                if text.hasSuffix(".") { text.removeLast() }
            }
            return text
        }
        let text = replacingAll("e-0", with: "e-", in: CFormat.string("%.2g", value))
        return replacingAll("e+", with: "e", in: replacingAll("e+0", with: "e", in: text))
    }

    /// `text` with every occurrence of the ASCII `target` replaced by `replacement`, left to right and without
    /// overlaps, as `replacingOccurrences(of:with:)` does; on UTF-8 bytes rather than through NSString, which copies
    /// a whole chart to UTF-16 and back (5 % of an `aegrid report` process for the curves chart's one attribute).
    static func replacingAll(_ target: String, with replacement: String, in text: String) -> String {
        let needle = Array(target.utf8)
        precondition(!needle.isEmpty && needle.allSatisfy { $0 < 0x80 }, "ASCII targets only")
        let bytes = Array(text.utf8)
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count)
        var i = 0
        while i < bytes.count {
            if bytes[i] == needle[0], bytes.count - i >= needle.count, bytes[i ..< i + needle.count].elementsEqual(needle) {
                out.append(contentsOf: replacement.utf8)
                i += needle.count
            } else {
                out.append(bytes[i])
                i += 1
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// A whole number's digits, or `number`'s text for a value outside Int's range (the files a page is drawn from
    /// may have been edited by hand: an epoch count of 2⁶³ must not trap the conversion).
    static func integer(_ value: Double) -> String {
        value.isFinite && value.magnitude < 0x1p63 ? String(Int(value)) : number(value)
    }

    /// A pixel coordinate: one decimal, which keeps 10,000 points' paths short without visible rounding.
    /// (Integer arithmetic, not `String(format:)`: a 10,000-trial page formats some 10⁵ coordinates.)
    static func px(_ value: Double) -> String {
        guard value.isFinite else { return "0" }
        let tenths = Int((min(abs(value), 1e12) * 10).rounded())  // a degenerate scale must not trap the conversion
        let sign = value < 0 && tenths != 0 ? "-" : ""
        return tenths % 10 == 0 ? sign + String(tenths / 10) : sign + String(tenths / 10) + "." + String(tenths % 10)
    }
}
