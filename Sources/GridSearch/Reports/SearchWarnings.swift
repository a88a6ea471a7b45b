import Foundation

/// The warnings a search gave before training (`OutputRangeCheck`), kept in the results directory as
/// `warnings.json` (a JSON list of strings) so that every later report (`aegrid results`, `best.json`) repeats them.
public enum SearchWarnings {
    public static let fileName = "warnings.json"

    /// Writes `warnings` to `directory/warnings.json` atomically, or removes a stale file when there are none. Not
    /// fsynced (`.atomic`): every search on the directory computes the warnings again and rewrites the file, and
    /// `read` takes a missing or unreadable one as no warnings.
    public static func write(_ warnings: [String], directory: String) throws {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard !warnings.isEmpty else {
            if FileManager.default.fileExists(atPath: path) { try? FileManager.default.removeItem(atPath: path) }
            return
        }
        try ResultsLog.writeFileAtomically(try JSONCoding.encoder(pretty: true).encode(warnings), path: path,
                                           guarantee: .atomic)
    }

    /// The warnings recorded in `directory`, or none when it has no (readable) `warnings.json`.
    public static func read(directory: String) -> [String] {
        let path = (directory as NSString).appendingPathComponent(fileName)
        guard let data = ResultsDirectory.smallFile(path) else { return [] }
        return (try? JSONDecoder().decode([String].self, from: data)) ?? []
    }
}
