/// Sizes in messages: `1.5 GB`, `512.0 MB`, `800 bytes` (powers of 1024).
public enum ByteCount {
    private static let units = ["KB", "MB", "GB", "TB", "PB", "EB"]

    /// `bytes` in the largest unit that keeps the number at least 1 (up to EB), with one decimal, exactly as
    /// `String(format: "%.1f %@", …)` prints it (ties to even), but in integer arithmetic: Foundation's formatter
    /// costs some 2 M instructions on its first use, which every search paid at start-up for its memory budget.
    public static func format(_ bytes: Int) -> String {
        var value = Double(bytes)
        var unit = -1
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        guard unit >= 0 else { return "\(bytes) bytes" }
        // value = B / 2^(10·(unit+1)) exactly, with B = Double(bytes) as an integer (at most 2^63, so a UInt64).
        let shift = 10 * (unit + 1)
        let scaled = UInt64(Double(bytes)).multipliedFullWidth(by: 10)  // B·10 as 128 bits
        let tenths = (scaled.high << (64 - shift)) | (scaled.low >> shift)
        let remainder = scaled.low & ((1 << shift) - 1), half = UInt64(1) << (shift - 1)
        let rounded = remainder > half || (remainder == half && tenths % 2 == 1) ? tenths + 1 : tenths
        return "\(rounded / 10).\(rounded % 10) \(units[unit])"
    }
}
