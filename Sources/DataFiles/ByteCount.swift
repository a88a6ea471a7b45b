import Foundation

/// Sizes in messages: `1.5 GB`, `512.0 MB`, `800 bytes` (powers of 1024).
public enum ByteCount {
    public static func format(_ bytes: Int) -> String {
        let units = ["KB", "MB", "GB", "TB", "PB", "EB"]
        var value = Double(bytes)
        var unit = -1
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit < 0 ? "\(bytes) bytes" : String(format: "%.1f %@", value, units[unit])
    }
}
