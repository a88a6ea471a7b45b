import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif
import LinearAlgebra

/// One grid as N separate `aegrid` processes (by `--shard`, by Slurm array variables, by Kubernetes Indexed Job
/// variables, and by the Slurm job file itself), merged: trial for trial bitwise identical to a single run.
final class ShardingEndToEndTests: XCTestCase {
    let train = AEGridProcess.example("seed/X_train.npy")
    let test = AEGridProcess.example("seed/X_test.npy")
    /// 12 trials in 6 epoch families; the 1-epoch members are recorded at once, the 2000-epoch ones run on (about
    /// 0.1 s each in release: long enough that a shard cannot finish between its first record and the SIGKILL).
    let grid = #"{"latent_dim": [2, 3, 4], "learning_rate": [0.01, 0.003], "epochs": [1, 2000], "batch_size": [32]}"#
    let gridCount = 12

    func search(_ out: URL, _ extra: [String] = []) -> [String] {
        ["search", "--train", train, "--test", test, "--grid", grid, "--out", out.path, "--seed", "7", "--jobs", "1",
         "--refit", "none", "--quiet"] + extra
    }

    /// The single-machine reference run.
    func reference() throws -> URL {
        let out = try temporaryDirectory("reference")
        let result = try AEGridProcess.run(search(out))
        XCTAssertEqual(result.status, 0, result.stderr)
        return out
    }

    func merge(_ out: URL, _ extra: [String] = []) throws -> AEGridProcess.Result {
        try AEGridProcess.run(["merge", out.path] + extra)
    }

    func testShardFlagStatusAndMergeEqualASingleRun() throws {
        let single = try reference()
        let sharded = try temporaryDirectory()
        for k in 0 ..< 2 {
            let result = try AEGridProcess.run(search(sharded, ["--shard", "\(k)/3"]))
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        // Shard 2 has not run: status lists exactly its trials, merge refuses.
        let status = try AEGridProcess.run(["status", sharded.path])
        XCTAssertEqual(status.status, 3, status.stderr)
        let shard2 = try ResultsFiles.records(sharded, log: "results.shard-0-of-3.jsonl").count
            + (try ResultsFiles.records(sharded, log: "results.shard-1-of-3.jsonl").count)
        XCTAssertTrue(status.stdout.contains("missing trials (grid indices):\n  shard 2/3: "), status.stdout)
        let total = try XCTUnwrap(status.stdout.split(separator: "\n").first { $0.hasPrefix("total") })
        XCTAssertTrue(total.contains(" \(shard2) "), "\(total)")
        let refused = try merge(sharded)
        XCTAssertEqual(refused.status, 1)
        XCTAssertTrue(refused.stderr.hasPrefix("aegrid: error: \(sharded.path): the search is incomplete, \(gridCount - shard2) of \(gridCount) trials have no result (shard 2/3: "), refused.stderr)
        XCTAssertTrue(refused.stderr.hasSuffix("pass --allow-partial to merge what is there\n"), refused.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: sharded.appendingPathComponent("results.jsonl").path))

        let last = try AEGridProcess.run(search(sharded, ["--shard", "2/3"]))
        XCTAssertEqual(last.status, 0, last.stderr)
        let complete = try AEGridProcess.run(["status", sharded.path])
        XCTAssertEqual(complete.status, 0, complete.stdout)
        XCTAssertTrue(complete.stdout.contains("complete: all \(gridCount) trials have a result"), complete.stdout)

        let merged = try merge(sharded)
        XCTAssertEqual(merged.status, 0, merged.stderr)
        XCTAssertTrue(merged.stdout.contains("results: \(sharded.path)/results.jsonl"), merged.stdout)
        try ResultsFiles.assertIdentical(single, sharded, expectedCount: gridCount)
        for name in ["results.csv", "best.json", "leaderboard.txt"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: sharded.appendingPathComponent(name).path), name)
        }
        // Every trial's PCA baseline (same latent size) is there, as in the single run, though each shard computed
        // only its own latent sizes (PCA's blocked GEMMs sum in another order for another set of sizes: 1e-7).
        let pcaSharded = try pcaColumn(sharded), pcaSingle = try pcaColumn(single)
        XCTAssertEqual(Set(pcaSharded.keys), Set(pcaSingle.keys))
        for (id, value) in pcaSingle {
            let a = try XCTUnwrap(Double(value)), b = try XCTUnwrap(Double(pcaSharded[id] ?? ""), "trial \(id) has no PCA baseline")
            XCTAssertEqual(a, b, accuracy: 1e-7 * a, "trial \(id)")
        }
        // The best trial and the CSV rows agree with the single run's.
        let bestA = try JSONSerialization.jsonObject(with: Data(contentsOf: single.appendingPathComponent("best.json"))) as? [String: Any]
        let bestB = try JSONSerialization.jsonObject(with: Data(contentsOf: sharded.appendingPathComponent("best.json"))) as? [String: Any]
        XCTAssertEqual((bestA?["trial"] as? [String: Any])?["trial_id"] as? String, (bestB?["trial"] as? [String: Any])?["trial_id"] as? String)
    }

    /// trial_id → pca_test_mse from DIR/results.csv (RFC 4180 fields, as pandas reads them).
    func pcaColumn(_ directory: URL) throws -> [String: String] {
        let text = try String(contentsOf: directory.appendingPathComponent("results.csv"), encoding: .utf8)
        var rows: [[String]] = [], row: [String] = [], field = "", quoted = false, previous: Character = "\0"
        for c in text {
            if quoted {
                if c == "\"" { quoted = false } else { field.append(c) }
            } else if c == "\"" {
                if previous == "\"" { field.append("\"") }
                quoted = true
            } else if c == "," {
                row.append(field); field = ""
            } else if c == "\n" {
                row.append(field); rows.append(row); row = []; field = ""
            } else {
                field.append(c)
            }
            previous = c
        }
        let header = try XCTUnwrap(rows.first)
        let id = try XCTUnwrap(header.firstIndex(of: "trial_id")), pca = try XCTUnwrap(header.firstIndex(of: "pca_test_mse"))
        var column: [String: String] = [:]
        for row in rows.dropFirst() {
            XCTAssertEqual(row.count, header.count)
            if row.count == header.count { column[row[id]] = row[pca] }
        }
        return column
    }

    func testSlurmAndKubernetesVariablesChooseTheShards() throws {
        let single = try reference()
        let slurm = try temporaryDirectory("slurm")
        let kubernetes = try temporaryDirectory("kubernetes")
        for k in 0 ..< 3 {
            // Tasks 0 and 2 as `sbatch --array=0-2` runs them; task 1 as its resubmission `sbatch --array=1`, which
            // Slurm describes as a one-task array 1..1: the shard count comes from the manifest task 0 wrote.
            let array = k == 1 ? ["SLURM_ARRAY_TASK_MIN": "1", "SLURM_ARRAY_TASK_MAX": "1", "SLURM_ARRAY_TASK_COUNT": "1"]
                               : ["SLURM_ARRAY_TASK_MIN": "0", "SLURM_ARRAY_TASK_MAX": "2", "SLURM_ARRAY_TASK_COUNT": "3"]
            let a = try AEGridProcess.run(search(slurm).filter { $0 != "--quiet" },
                                          environment: array.merging(["SLURM_ARRAY_TASK_ID": "\(k)"]) { $1 })
            XCTAssertEqual(a.status, 0, a.stderr)
            // Once task 0 has written the manifest, its count is used (the whole array 0-2 would give the same).
            let origin = k == 0 ? "SLURM_ARRAY_TASK_ID=0, SLURM_ARRAY_TASK_MIN=0, " : "SLURM_ARRAY_TASK_ID=\(k), manifest.json: 3 shards"
            XCTAssertTrue(a.stderr.contains("aegrid: running shard \(k)/3 (from \(origin)"), a.stderr)
            let b = try AEGridProcess.run(search(kubernetes), environment: ["JOB_COMPLETION_INDEX": "\(k)", "AEGRID_SHARDS": "3"])
            XCTAssertEqual(b.status, 0, b.stderr)
        }
        for out in [slurm, kubernetes] {
            let merged = try merge(out)
            XCTAssertEqual(merged.status, 0, merged.stderr)
            try ResultsFiles.assertIdentical(single, out, expectedCount: gridCount)
        }
        // The shard logs are the --shard logs: the same file names, the same trials.
        for k in 0 ..< 3 {
            let name = "results.shard-\(k)-of-3.jsonl"
            XCTAssertEqual(Set(try ResultsFiles.records(slurm, log: name).keys), Set(try ResultsFiles.records(kubernetes, log: name).keys))
        }
        // A different shard count in the same directory is refused.
        let other = try AEGridProcess.run(search(kubernetes, ["--shard", "0/4"]))
        XCTAssertEqual(other.status, 1)
        XCTAssertTrue(other.stderr.contains("this directory holds a search split into 3 shards; this run uses 4 shards"), other.stderr)
    }

    func testAShardKilledWithSIGKILLResumesAndTheMergeIsExact() throws {
        let single = try reference()
        let out = try temporaryDirectory()
        let victim = "results.shard-1-of-3.jsonl"
        let process = AEGridProcess(search(out, ["--shard", "1/3"]))
        try process.start()
        let deadline = Date().addingTimeInterval(60)
        while ResultsFiles.lineCount(out, log: victim) < 1 && process.process.isRunning && Date() < deadline { usleep(5_000) }
        process.signal(SIGKILL)
        let killed = process.wait()
        XCTAssertTrue(killed.signalled, "the shard finished before the kill: \(killed.stderr)")
        let survived = ResultsFiles.lineCount(out, log: victim)
        XCTAssertGreaterThan(survived, 0)

        // The scheduler reruns the same index: it resumes; the other shards run as usual.
        for k in [1, 0, 2] {
            let result = try AEGridProcess.run(search(out, ["--shard", "\(k)/3"]))
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        let merged = try merge(out)
        XCTAssertEqual(merged.status, 0, merged.stderr)
        try ResultsFiles.assertIdentical(single, out, expectedCount: gridCount)
    }

    func testMergeAllowPartialAndRefit() throws {
        let out = try temporaryDirectory()
        let result = try AEGridProcess.run(search(out, ["--shard", "0/2"]))
        XCTAssertEqual(result.status, 0, result.stderr)
        let partial = try merge(out, ["--allow-partial", "--refit", "train"])
        XCTAssertEqual(partial.status, 0, partial.stderr)
        XCTAssertTrue(partial.stderr.contains("aegrid: merged a partial search: "), partial.stderr)
        let records = try ResultsFiles.records(out)
        XCTAssertEqual(records.count, ResultsFiles.lineCount(out, log: "results.shard-0-of-2.jsonl"))
        // The refitted model reproduces the best trial: its mean row error on the test data is the best test score.
        let model = out.appendingPathComponent("best.safetensors").path
        let score = try AEGridProcess.run(["score", "--model", model, "--data", test])
        XCTAssertEqual(score.status, 0, score.stderr)
        let rows = score.stdout.split(separator: "\n").compactMap { Double($0) }
        let best = try XCTUnwrap(records.values.compactMap { $0["test_score"] as? Double }.min())
        XCTAssertEqual(rows.reduce(0, +) / Double(rows.count), best, accuracy: 1e-5)

        // Data that has gone since the search: the error says the path came from manifest.json, and the way on.
        let manifest = out.appendingPathComponent("manifest.json")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        let moved = text.replacingOccurrences(of: train, with: "/nonexistent/X_train.npy")
        XCTAssertNotEqual(moved, text)
        try moved.write(to: manifest, atomically: true, encoding: .utf8)
        let gone = try merge(out, ["--allow-partial", "--refit", "train"])
        XCTAssertEqual(gone.status, 1, gone.stderr)
        XCTAssertTrue(gone.stderr.hasSuffix("\(out.path): --refit retrains the best trial on the data manifest.json names, "
                                            + "which cannot be loaded (/nonexistent/X_train.npy: cannot read the file: No "
                                            + "such file or directory); restore it, or merge with --refit none\n"),
                      gone.stderr)
    }

    func testStatusAndMergeOfADirectoryWithoutResults() throws {
        let empty = try temporaryDirectory()
        let status = try AEGridProcess.run(["status", empty.path])
        XCTAssertEqual(status.status, 1)
        XCTAssertEqual(status.stderr, "aegrid: error: \(empty.path): no manifest.json: not an aegrid results directory "
                       + "(aegrid search --out \(empty.path) creates one)\n")
    }

    /// docs/slurm/aegrid-array.sbatch, unchanged, under scripts/slurm-local.sh (a loop setting the array variables,
    /// then the merge the dependent job runs).
    func testSlurmJobFileRunsUnchangedUnderALocalArrayLoop() throws {
        let single = try reference()
        let out = try temporaryDirectory("slurm-local")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/bash")
        process.arguments = [AEGridProcess.repository.appendingPathComponent("scripts/slurm-local.sh").path]
        process.currentDirectoryURL = AEGridProcess.repository
        var environment = ProcessInfo.processInfo.environment
        for key in ["SLURM_ARRAY_TASK_ID", "JOB_COMPLETION_INDEX", "AEGRID_SHARDS"] { environment.removeValue(forKey: key) }
        environment["AEGRID"] = AEGridProcess.executable.path
        environment["TRAIN"] = train
        environment["TEST"] = test
        environment["GRID"] = grid
        environment["OUT"] = out.path
        environment["SEED"] = "7"
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, output)
        XCTAssertTrue(output.contains("aegrid: running shard 7/8 (from SLURM_ARRAY_TASK_ID=7"), output)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: out.path).filter { $0.hasPrefix("results.shard-") }.count, 8)
        try ResultsFiles.assertIdentical(single, out, expectedCount: gridCount)
    }
}
