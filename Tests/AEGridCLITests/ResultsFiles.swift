import Foundation
import XCTest

/// Reads a results directory the way a user's script would: `results.jsonl` as JSON objects.
enum ResultsFiles {
    /// The records of DIR/results.jsonl (or another log), keyed by trial id; fails the test on a duplicate id.
    /// Every record of a log, each trial once. `tornTail`: a log whose writer was SIGKILLed may end in a partial line
    /// (no newline yet), which `aegrid` cuts off on resume; pass true to skip it here too. Every other line must parse.
    static func records(_ directory: URL, log: String = "results.jsonl", tornTail: Bool = false,
                        file: StaticString = #filePath, line: UInt = #line) throws -> [String: [String: Any]] {
        let path = directory.appendingPathComponent(log)
        if tornTail && !FileManager.default.fileExists(atPath: path.path) { return [:] }  // killed before it existed
        let text = try String(contentsOf: path, encoding: .utf8)
        var rows = text.split(separator: "\n", omittingEmptySubsequences: false)
        if rows.last?.isEmpty == true || tornTail { rows.removeLast() }  // after the final newline, or a torn tail
        var records: [String: [String: Any]] = [:]
        for row in rows where !row.isEmpty {
            let object = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(row.utf8)) as? [String: Any],
                                       file: file, line: line)
            let id = try XCTUnwrap(object["trial_id"] as? String, file: file, line: line)
            XCTAssertNil(records[id], "trial \(id) recorded twice", file: file, line: line)
            records[id] = object
        }
        return records
    }

    /// The record without what legitimately varies between runs (wall-clock times), as canonical JSON: two runs are
    /// bitwise identical when these strings are equal (doubles are written in shortest round-trip form).
    static func deterministicPart(_ record: [String: Any]) throws -> String {
        var copy = record
        copy.removeValue(forKey: "fit_seconds")
        copy.removeValue(forKey: "fold_fit_seconds")
        if let history = copy["history"] as? [[String: Any]] {
            copy["history"] = history.map { epoch -> [String: Any] in
                var e = epoch
                e.removeValue(forKey: "seconds")
                return e
            }
        }
        return String(decoding: try JSONSerialization.data(withJSONObject: copy, options: [.sortedKeys]), as: UTF8.self)
    }

    /// Asserts two results directories hold the same trials with bitwise-identical results.
    static func assertIdentical(_ a: URL, _ b: URL, log: String = "results.jsonl", expectedCount: Int,
                                file: StaticString = #filePath, line: UInt = #line) throws {
        let left = try records(a, log: log, file: file, line: line)
        let right = try records(b, log: log, file: file, line: line)
        XCTAssertEqual(left.count, expectedCount, "trials in \(a.lastPathComponent)", file: file, line: line)
        XCTAssertEqual(Set(left.keys), Set(right.keys), "the same trial ids", file: file, line: line)
        for (id, record) in left {
            guard let other = right[id] else { continue }
            XCTAssertEqual(try deterministicPart(record), try deterministicPart(other), "trial \(id)",
                           file: file, line: line)
        }
    }

    static func lineCount(_ directory: URL, log: String = "results.jsonl") -> Int {
        let text = (try? String(contentsOf: directory.appendingPathComponent(log), encoding: .utf8)) ?? ""
        return text.split(separator: "\n").count
    }
}
