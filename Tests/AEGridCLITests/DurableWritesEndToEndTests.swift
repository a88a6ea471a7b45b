import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// `kill -9` at any moment of a search (creating the directory and its manifest, appending results, writing the
/// reports, the PCA baseline and `best.safetensors`) leaves no empty or half-written file: every file a user or a
/// resumed run reads is whole, or absent. Only the results log may end in a torn line, which a resume cuts off.
final class DurableWritesEndToEndTests: XCTestCase {
    let train = AEGridProcess.example("seed/X_train.npy")
    let grid = #"{"latent_dim": [2, 3, 4], "learning_rate": [0.01, 0.003], "epochs": [50, 100], "batch_size": [16]}"#

    func arguments(_ out: URL) -> [String] {
        ["search", "--train", train, "--grid", grid, "--out", out.path, "--jobs", "2", "--refit", "train", "--quiet"]
    }

    func testSIGKILLAtAnyMomentLeavesEveryFileWholeOrAbsent() throws {
        let reference = try temporaryDirectory()
        let started = Date()
        let full = try AEGridProcess.run(arguments(reference))
        let wall = Date().timeIntervalSince(started)
        XCTAssertEqual(full.status, 0, full.stderr)
        try assertEveryFileIsWhole(reference)
        XCTAssertTrue(FileManager.default.fileExists(atPath: reference.appendingPathComponent("best.safetensors").path))

        // Kills spread evenly over the run's length, from its first instant on, each in a fresh directory so that
        // creating the directory and the manifest is among the moments hit. (Later runs are often faster than the
        // first one, so the last kills may come after the end: those runs are checked whole too.)
        let kills = 24
        var killedMidway = 0
        for k in 0 ..< kills {
            let out = try temporaryDirectory()
            let process = AEGridProcess(arguments(out))
            try process.start()
            usleep(useconds_t(wall * Double(k) / Double(kills) * 1e6))
            process.signal(SIGKILL)
            let result = process.wait()
            if result.signalled { killedMidway += 1 }
            try assertEveryFileIsWhole(out, context: "killed after \(k)/\(kills) of a \(wall) s run")
            try? FileManager.default.removeItem(at: out)
        }
        XCTAssertGreaterThan(killedMidway, kills / 4, "too few kills landed while the search ran")
    }

    /// Every visible file of a results directory parses completely. Hidden files (locks, a temporary file the kill
    /// left before its rename) are not read by anyone.
    func assertEveryFileIsWhole(_ directory: URL, context: String = "", file: StaticString = #filePath,
                                line: UInt = #line) throws {
        let names = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { !$0.hasPrefix(".") }
        for name in names {
            let data = try Data(contentsOf: directory.appendingPathComponent(name))
            let what = "\(name) (\(context))"
            // The results log is created empty and grows by whole lines; every other file is written whole at once.
            XCTAssertTrue(!data.isEmpty || name == "results.jsonl", "\(what) is empty", file: file, line: line)
            switch name {
            case "manifest.json", "best.json", "pca_baseline.json", "sessions.json":
                XCTAssertNoThrow(try JSONSerialization.jsonObject(with: data), "\(what) is not whole JSON",
                                 file: file, line: line)
            case "results.jsonl":
                XCTAssertNoThrow(try ResultsFiles.records(directory, tornTail: true, file: file, line: line), what,
                                 file: file, line: line)
            case "results.csv", "leaderboard.txt", "report.html":
                XCTAssertEqual(data.last, UInt8(ascii: "\n"), "\(what) is cut short", file: file, line: line)
            case "best.safetensors":
                try assertWholeSafetensors(data, what, file: file, line: line)
            default:
                XCTFail("unexpected file \(what)", file: file, line: line)
            }
        }
    }

    /// A safetensors file is whole when its header parses and its tensors end exactly at the end of the file.
    func assertWholeSafetensors(_ data: Data, _ what: String, file: StaticString, line: UInt) throws {
        let bytes = [UInt8](data)
        guard bytes.count >= 8 else { return XCTFail("\(what) has no header", file: file, line: line) }
        let headerLength = bytes[0 ..< 8].reversed().reduce(0) { $0 << 8 | Int($1) }
        guard 8 + headerLength <= bytes.count else { return XCTFail("\(what) header cut short", file: file, line: line) }
        let header = try XCTUnwrap(
            try JSONSerialization.jsonObject(with: Data(bytes[8 ..< 8 + headerLength])) as? [String: Any], what,
            file: file, line: line)
        let end = header.values.compactMap { ($0 as? [String: Any])?["data_offsets"] as? [Int] }.map { $0[1] }.max() ?? 0
        XCTAssertEqual(8 + headerLength + end, bytes.count, "\(what): tensors do not fill the file", file: file, line: line)
    }
}
