import Foundation
import XCTest
import TestSupport

/// A second writer where `flock` does not reach across machines (docs/cluster.md, "One writer per shard"): another
/// node's writer is simulated by its claim line in the lock file, kept beating or left still, as a shared file
/// system would show it. Heartbeats of 0.5 s keep the watch to 1.5 s, long enough for the beating thread to be
/// scheduled on a loaded machine.
final class WriterClaimEndToEndTests: XCTestCase {
    let environment = ["AEGRID_CLAIM_HEARTBEAT": "0.5"]

    func arguments(out: URL) -> [String] {
        ["search", "--train", AEGridProcess.example("seed/X_train.npy"), "--test", AEGridProcess.example("seed/X_test.npy"),
         "--grid", #"{"latent_dim": [2], "epochs": [1]}"#, "--out", out.path, "--jobs", "1", "--refit", "none"]
    }

    static func claim(beat: Int) -> String {
        "aegrid-writer host=node-17 pid=4242 token=00c0ffee00c0ffee beat=\(String(format: "%012d", beat))\n"
    }

    func testALiveWriterOnAnotherNodeIsRefusedAndNothingIsWritten() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let lock = out.appendingPathComponent(".lock")
        try Data(Self.claim(beat: 1).utf8).write(to: lock)
        let stop = Locked(false)
        // In place, as a writer's heartbeat does: the file is never empty between beats.
        let beater = Thread {
            var beat = 1
            guard let handle = FileHandle(forWritingAtPath: lock.path) else { return }
            while !stop.value {
                beat += 1
                try? handle.seek(toOffset: 0)
                try? handle.write(contentsOf: Data(Self.claim(beat: beat).utf8))
                Thread.sleep(forTimeInterval: 0.03)
            }
            try? handle.close()
        }
        beater.start()
        defer { stop.withLock { $0 = true } }
        let result = try AEGridProcess.run(arguments(out: out), environment: environment)
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stderr.contains("aegrid: \(lock.path) is claimed by aegrid pid 4242 on host node-17, and a "
                                             + "lock taken here may not reach that host; waiting up to 1.5 s"), result.stderr)
        XCTAssertTrue(result.stderr.contains("aegrid: error: aegrid pid 4242 on host node-17 is still writing to "
                                             + "\(out.path): its claim in \(lock.path) kept beating"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("results.jsonl").path))
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("manifest.json").path))
    }

    func testAStaleClaimFromAnotherNodeIsTakenOverAndReleasedAtTheEnd() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let lock = out.appendingPathComponent(".lock")
        try Data(Self.claim(beat: 9).utf8).write(to: lock)
        let result = try AEGridProcess.run(arguments(out: out), environment: environment)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("waiting up to 1.5 s to see whether that writer is still alive"), result.stderr)
        let lines = try String(contentsOf: out.appendingPathComponent("results.jsonl"), encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 1)
        XCTAssertEqual(try Data(contentsOf: lock).count, 0, "the finished writer empties its claim")
    }
}
