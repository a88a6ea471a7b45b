import Foundation
import XCTest

/// `aegrid search` and the commands that use its results, run as a user runs them.
final class SearchEndToEndTests: XCTestCase {
    let train = AEGridProcess.example("seed/X_train.npy")
    let test = AEGridProcess.example("seed/X_test.npy")
    /// 4 trials in 2 epoch families, a fraction of a second in a release build.
    let smallGrid = #"{"latent_dim": [2, 3], "learning_rate": [0.01], "epochs": [2, 4], "batch_size": [64]}"#

    func testSearchWritesResultsLeaderboardAndAUsableModel() throws {
        let out = try temporaryDirectory()
        let result = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid", smallGrid,
                                            "--out", out.path, "--jobs", "2", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stderr, "", "--quiet prints nothing on stderr")
        let records = try ResultsFiles.records(out)
        XCTAssertEqual(records.count, 4)
        for record in records.values {
            XCTAssertEqual(record["status"] as? String, "ok")
            let score = try XCTUnwrap(record["test_score"] as? Double)
            XCTAssertTrue(score > 0 && score < 0.5, "test MSE \(score)")
            XCTAssertEqual((record["history"] as? [Any])?.count, (record["parameters"] as? [String: Any])?["epochs"] as? Int)
        }
        for name in ["results.csv", "best.json", "best.safetensors", "leaderboard.txt", "manifest.json", "report.html",
                     "sessions.json"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), name)
        }
        // The session says what the products ran on: this build's default backend, OpenBLAS with its kernels named.
        let sessions = try XCTUnwrap(JSONSerialization.jsonObject(
            with: Data(contentsOf: out.appendingPathComponent("sessions.json"))) as? [String: Any])
        let gemm = try XCTUnwrap(((sessions["sessions"] as? [[String: Any]])?.first)?["gemm"] as? String)
        #if BLAS
        XCTAssertTrue(gemm.hasPrefix("blas: OpenBLAS "), gemm)
        #else
        XCTAssertTrue(gemm.hasPrefix("swift: AEGrid's packed SIMD kernel"), gemm)
        #endif
        let csv = try String(contentsOf: out.appendingPathComponent("results.csv"), encoding: .utf8)
        let header = try XCTUnwrap(csv.split(separator: "\n").first)
        for column in ["param_latent_dim", "param_epochs", "mean_test_score", "std_test_score", "rank_test_score",
                       "mean_fit_time"] {
            XCTAssertTrue(header.contains(column), "results.csv header lacks \(column): \(header)")
        }
        XCTAssertEqual(csv.split(separator: "\n").count, 5, "a header and one row per trial")
        XCTAssertTrue(result.stdout.contains("latent_dim"), result.stdout)
        XCTAssertTrue(result.stdout.contains("results: \(out.path)"), result.stdout)

        // A run with another grid or other settings may not write into this directory.
        let otherGrid = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid",
                                               #"{"latent_dim": [2], "epochs": [3]}"#, "--out", out.path])
        XCTAssertEqual(otherGrid.status, 1)
        XCTAssertTrue(otherGrid.stderr.hasPrefix("aegrid: error: \(out.path) cannot be resumed by this run: the grid differs"),
                      otherGrid.stderr)
        let otherSeed = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid", smallGrid,
                                               "--out", out.path, "--seed", "3"])
        XCTAssertEqual(otherSeed.status, 1)
        XCTAssertEqual(otherSeed.stderr, "aegrid: error: \(out.path) cannot be resumed by this run: setting 'seed' differs: this directory was made with 0, this run has 3; use a new --out directory, or rerun with the same inputs to resume\n")
        XCTAssertEqual(try ResultsFiles.records(out).count, 4, "the refused runs wrote nothing")

        // The same command again finds every trial done and trains nothing.
        let again = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid", smallGrid,
                                           "--out", out.path, "--jobs", "2", "--refit", "none"])
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertTrue(again.stderr.contains("4 trials, 4 already done (resuming)"), again.stderr)
        XCTAssertEqual(ResultsFiles.lineCount(out), 4)

        // The leaderboard again, from the directory.
        let results = try AEGridProcess.run(["results", out.path, "--top", "2"])
        XCTAssertEqual(results.status, 0, results.stderr)
        XCTAssertTrue(results.stdout.contains("latent_dim"), results.stdout)

        // The model applies to new data: scores, codes and reconstructions have one row per data row.
        let model = out.appendingPathComponent("best.safetensors").path
        let score = try AEGridProcess.run(["score", "--model", model, "--data", test])
        XCTAssertEqual(score.status, 0, score.stderr)
        let scores = score.stdout.split(separator: "\n").compactMap { Double($0) }
        XCTAssertEqual(scores.count, 200)
        let best = try XCTUnwrap(records.values.compactMap { $0["test_score"] as? Double }.min())
        XCTAssertEqual(scores.reduce(0, +) / 200, best, accuracy: 1e-5,
                       "--refit train reproduces the best trial: its mean row error is its test score")

        // With labels: the ROC AUC of the scores (here: "anomalies" are the 50 rows with the largest error, so the
        // AUC is exactly 1), on stderr beside the scores on stdout.
        let threshold = scores.sorted(by: >)[49]
        let labels = try writeFile(out, "labels.csv", "anomaly\n" + scores.map { $0 >= threshold ? "1" : "0" }.joined(separator: "\n") + "\n")
        let auc = try AEGridProcess.run(["score", "--model", model, "--data", test, "--labels", labels])
        XCTAssertEqual(auc.status, 0, auc.stderr)
        XCTAssertEqual(auc.stderr, "ROC AUC 1.000000 (200 rows)\n")
        // Labels that are refused leave no output behind: no scores on stdout, no --out file.
        let short = try writeFile(out, "short.csv", "0\n1\n")
        let scoresFile = out.appendingPathComponent("scores.csv").path
        for extra in [[], ["--out", scoresFile]] {
            let refused = try AEGridProcess.run(["score", "--model", model, "--data", test, "--labels", short] + extra)
            XCTAssertEqual(refused.status, 1, refused.stderr)
            XCTAssertEqual(refused.stderr, "aegrid: error: there are 200 scores but 2 labels: give one label per data row\n")
            XCTAssertEqual(refused.stdout, "")
            XCTAssertFalse(FileManager.default.fileExists(atPath: scoresFile))
        }

        let codes = out.appendingPathComponent("codes.csv").path
        let encode = try AEGridProcess.run(["encode", "--model", model, "--data", test, "--out", codes])
        XCTAssertEqual(encode.status, 0, encode.stderr)
        let codeLines = try String(contentsOfFile: codes, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(codeLines.count, 201)
        XCTAssertTrue(codeLines[0].hasPrefix("latent_0,latent_1"), String(codeLines[0]))

        let reconstruction = out.appendingPathComponent("recon.npy").path
        let reconstruct = try AEGridProcess.run(["reconstruct", "--model", model, "--data", test,
                                                 "--out", reconstruction])
        XCTAssertEqual(reconstruct.status, 0, reconstruct.stderr)
        let npy = try Data(contentsOf: URL(fileURLWithPath: reconstruction))
        XCTAssertEqual(Array(npy.prefix(6)), [0x93] + Array("NUMPY".utf8))
        XCTAssertTrue(String(decoding: npy.prefix(128), as: UTF8.self).contains("'shape': (200, 10)"))
        XCTAssertEqual(npy.count % 64, (200 * 10 * 4) % 64, "header padded to 64 bytes, then float32 data")
    }

    /// Yams prints a line to standard output when `YAMS_DEFAULT_ENCODING` is set and it is left to pick its
    /// encoding; `aegrid` names it, so its output is its own whatever the environment holds.
    func testYamsEnvironmentVariablePrintsNothing() throws {
        let out = try temporaryDirectory()
        let result = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid", smallGrid,
                                            "--out", out.path, "--quiet"],
                                           environment: ["YAMS_DEFAULT_ENCODING": "utf16"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertFalse(result.stdout.contains("YAMS_DEFAULT_ENCODING"), result.stdout)
        XCTAssertFalse(result.stderr.contains("YAMS_DEFAULT_ENCODING"), result.stderr)
        XCTAssertTrue(result.stdout.hasPrefix("4 trials: 4 finished"), result.stdout)
    }

    func testRefitAllWithScalingStoresWhatTheModelNeeds() throws {
        let out = try temporaryDirectory()
        let result = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid", smallGrid,
                                            "--out", out.path, "--scale", "standard", "--refit", "all", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        // The safetensors header: 8-byte little-endian length, then JSON with __metadata__.
        let bytes = try Data(contentsOf: out.appendingPathComponent("best.safetensors"))
        let length = Int(bytes.prefix(8).enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try XCTUnwrap(try JSONSerialization.jsonObject(with: bytes.subdata(in: 8 ..< 8 + length)) as? [String: Any])
        let metadata = try XCTUnwrap(header["__metadata__"] as? [String: String])
        XCTAssertEqual(metadata["refit"], "all")
        XCTAssertTrue(metadata["scaler"]?.contains("standard") ?? false, metadata["scaler"] ?? "no scaler")
        let best = try XCTUnwrap(try ResultsFiles.records(out).values.min { ($0["test_score"] as? Double ?? 1) < ($1["test_score"] as? Double ?? 1) })
        XCTAssertEqual(metadata["trial_id"], best["trial_id"] as? String)
        for key in ["hyperparameters", "training", "metrics", "aegrid.architecture"] {
            XCTAssertNotNil(metadata[key], key)
        }
        // Reconstructions come back in the data's own units (the scaler is undone).
        let reconstruction = out.appendingPathComponent("recon.csv").path
        let run = try AEGridProcess.run(["reconstruct", "--model", out.appendingPathComponent("best.safetensors").path,
                                         "--data", test, "--out", reconstruction, "--quiet"])
        XCTAssertEqual(run.status, 0, run.stderr)
        let values = try String(contentsOfFile: reconstruction, encoding: .utf8).split(separator: "\n").dropFirst()
            .flatMap { $0.split(separator: ",").compactMap { Double($0) } }
        XCTAssertEqual(values.count, 2000)
        let mean = values.reduce(0, +) / Double(values.count)
        XCTAssertEqual(mean, 0.5, accuracy: 0.1, "uniform [0, 1) data reconstructs around 0.5, not around 0")
    }

    func testPCABaselineTable() throws {
        let result = try AEGridProcess.run(["pca", "--train", train, "--test", test, "--components", "0,2,10"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.first, "components   test MSE     train MSE    explained variance")
        XCTAssertEqual(lines.count, 4)
        XCTAssertTrue(lines[3].hasSuffix("1.0000"), "all 10 components explain everything: \(lines[3])")
        XCTAssertEqual(result.stderr, "")
        // Counts past the data's rank are left out, and said to be.
        let beyond = try AEGridProcess.run(["pca", "--train", train, "--test", test, "--components", "2,12,99999999999,12"])
        XCTAssertEqual(beyond.status, 0, beyond.stderr)
        XCTAssertEqual(beyond.stdout.split(separator: "\n").count, 2)
        XCTAssertEqual(beyond.stderr, "aegrid: --components 12,99999999999 left out: PCA has at most 10 components here "
                       + "(the smaller of the columns and the training rows)\n")
    }

    func testJobsOneAndJobsTwoAreBitwiseIdentical() throws {
        let grid = #"{"latent_dim": [2, 4], "learning_rate": [0.01, 0.003], "epochs": [3, 5], "l2": [0, 0.001]}"#
        let one = try temporaryDirectory(), two = try temporaryDirectory()
        for (out, jobs) in [(one, "1"), (two, "2")] {
            let result = try AEGridProcess.run(["search", "--train", train, "--grid", grid, "--out", out.path,
                                                "--jobs", jobs, "--refit", "none", "--quiet"])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        try ResultsFiles.assertIdentical(one, two, expectedCount: 16)
    }

    /// Wide layers (784 ↔ 256 at batch 256, as Fashion-MNIST, and at batch 32, where products are cut by columns and
    /// updates across threads): products OpenBLAS would thread (and its threads change their bits), and that a lone
    /// trainer splits across the free cores. `--jobs 1` (one trainer, every core), `--jobs 2`
    /// (two trainers, the last one lent the other core) and `--jobs 3` (more workers than families) must still give
    /// the same bits, on the build's default backend and on AEGrid's own kernel.
    func testJobCountsAreBitwiseIdenticalOnWideLayers() throws {
        let data = try temporaryDirectory().appendingPathComponent("wide.csv")
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        var text = ""
        for _ in 0 ..< 300 {
            text += (0 ..< 784).map { _ -> String in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return String(format: "%.4f", Double(state >> 40) / Double(1 << 24))
            }.joined(separator: ",") + "\n"
        }
        try text.write(to: data, atomically: true, encoding: .utf8)
        let grid = #"{"encoder_units": [[256]], "epochs": [1, 2], "batch_size": [256, 32], "learning_rate": [0.01, 0.003]}"#
        for environment in [[:], ["AEGRID_GEMM": "swift"]] as [[String: String]] {
            var directories: [URL] = []
            for jobs in ["1", "2", "3"] {
                let out = try temporaryDirectory()
                let result = try AEGridProcess.run(["search", "--train", data.path, "--grid", grid, "--out", out.path,
                                                    "--jobs", jobs, "--refit", "none", "--quiet"],
                                                   environment: environment)
                XCTAssertEqual(result.status, 0, result.stderr)
                directories.append(out)
            }
            for other in directories.dropFirst() {
                try ResultsFiles.assertIdentical(directories[0], other, expectedCount: 8)
            }
        }
    }

    func testDivergingTrialIsRecordedAndTheOthersFinish() throws {
        let grid = #"{"latent_dim": [3], "optimizer": ["sgd"], "output_activation": ["linear"], "learning_rate": [0.01, 1000], "epochs": [3]}"#
        let out = try temporaryDirectory()
        let result = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid", grid,
                                            "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = Array(try ResultsFiles.records(out).values)
        XCTAssertEqual(records.count, 2)
        let diverged = records.filter { $0["status"] as? String == "diverged" }
        let ok = records.filter { $0["status"] as? String == "ok" }
        XCTAssertEqual(diverged.count, 1)
        XCTAssertEqual(ok.count, 1)
        XCTAssertEqual((diverged.first?["parameters"] as? [String: Any])?["learning_rate"] as? Double, 1000)
        XCTAssertNotNil(diverged.first?["reason"] as? String)
        XCTAssertNotNil(ok.first?["test_score"] as? Double)
    }

    func testCrossValidationRecordsFoldScores() throws {
        let out = try temporaryDirectory()
        let result = try AEGridProcess.run(["search", "--train", test, "--cv", "3", "--scale", "standard",
                                            "--grid", #"{"latent_dim": [2], "epochs": [2], "output_activation": ["linear"]}"#,
                                            "--out", out.path, "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let record = try XCTUnwrap(try ResultsFiles.records(out).values.first)
        let folds = try XCTUnwrap(record["fold_scores"] as? [Double])
        XCTAssertEqual(folds.count, 3)
        XCTAssertEqual(try XCTUnwrap(record["test_score"] as? Double), folds.reduce(0, +) / 3, accuracy: 1e-12)
        XCTAssertNotNil(record["test_score_std"] as? Double)
    }

    /// The seed's first grid on the seed's data: Keras's best test MSE there is about 0.033 (latent 6, lr 0.01,
    /// 100 epochs); AEGrid's best must be no worse.
    func testSeedGridOneReachesKerasBest() throws {
        let out = try temporaryDirectory()
        let result = try AEGridProcess.run(["search", "--train", train, "--test", test,
                                            "--grid", AEGridProcess.example("seed/grid1.json"), "--out", out.path,
                                            "--refit", "none", "--quiet"])
        XCTAssertEqual(result.status, 0, result.stderr)
        let records = try ResultsFiles.records(out)
        XCTAssertEqual(records.count, 12)
        let best = try XCTUnwrap(records.values.compactMap { $0["test_score"] as? Double }.min())
        XCTAssertLessThanOrEqual(best, 0.0335, "Keras reaches about 0.033 on this grid")
    }
}
