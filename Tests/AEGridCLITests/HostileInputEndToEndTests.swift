import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// The hostile inputs of issue 13, each run through the built binary: one line naming the file (or key) and the
/// problem, exit status 1, no trap, and a peak memory far below what the file claims (under 200 MB). Every file is
/// made here, small, from bytes.
final class HostileInputEndToEndTests: XCTestCase {
    let train = AEGridProcess.example("seed/X_train.npy")
    let test = AEGridProcess.example("seed/X_test.npy")

    /// Runs `aegrid arguments…`, checks that it fails with status 1 and exactly one line on stderr, and that it
    /// peaked under `peakLimit` bytes of resident memory; returns the line.
    func refusal(_ arguments: [String], peakLimit: Int = 200 << 20,
                 file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let (result, peak) = try runMeasured(arguments)
        XCTAssertFalse(result.signalled, "no trap: \(result.stderr)", file: file, line: line)
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line: \(result.stderr)", file: file, line: line)
        if let peak { XCTAssertLessThan(peak, peakLimit, "peak resident memory", file: file, line: line) }
        return String(lines.first ?? "")
    }

    /// Runs the binary and returns its result and its peak resident memory in bytes. The peak comes from
    /// `getrusage(RUSAGE_CHILDREN)`, the largest of every child this process has waited for: it measures this
    /// child only when the earlier ones stayed below it (nil otherwise).
    func runMeasured(_ arguments: [String]) throws -> (AEGridProcess.Result, Int?) {
        let before = Self.childrenPeak()
        let result = try AEGridProcess.run(arguments)
        let after = Self.childrenPeak()
        return (result, after > before || before == 0 ? after : nil)
    }

    static func childrenPeak() -> Int {
        var usage = rusage()
        getrusage(__rusage_who_t(RUSAGE_CHILDREN.rawValue), &usage)
        return Int(usage.ru_maxrss) * 1024
    }

    func search(train: String, test: String? = nil, grid: String = #"{"latent_dim": [2], "epochs": [1]}"#,
                out: URL? = nil, extra: [String] = []) throws -> [String] {
        let out = try out ?? temporaryDirectory().appendingPathComponent("out")
        var arguments = ["search", "--train", train, "--grid", grid, "--out", out.path, "--jobs", "1"] + extra
        if let test { arguments += ["--test", test] }
        return arguments
    }

    // MARK: .npy

    func testNpyVersion2HeaderClaiming4GiBIsRefusedBeforeAllocating() throws {
        let path = try temporaryDirectory().appendingPathComponent("claims-4GiB.npy")
        try Data([0x93] + Array("NUMPY".utf8) + [2, 0, 0xFF, 0xFF, 0xFF, 0xFF]).write(to: path)
        XCTAssertEqual(try refusal(search(train: path.path)),
                       "aegrid: error: \(path.path): not a valid NumPy .npy file: the version 2.0 header claims 4294967295 "
                       + "bytes, over the 1048576-byte limit (NumPy writes at most a few KB): the file is damaged")
    }

    func testNpyHeaderLongerThanTheFileIsRefused() throws {
        let path = try temporaryDirectory().appendingPathComponent("short.npy")
        try Data([0x93] + Array("NUMPY".utf8) + [3, 0, 0x00, 0x00, 0x01, 0x00] + Array("{'descr'".utf8)).write(to: path)
        XCTAssertEqual(try refusal(search(train: path.path)),
                       "aegrid: error: \(path.path): not a valid NumPy .npy file: the header claims 65536 bytes but only "
                       + "8 follow: the file is truncated or damaged")
    }

    func testNpyShapeWhoseProductOverflowsIsRefused() throws {
        let path = try temporaryDirectory().appendingPathComponent("overflow.npy")
        try Data(npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (4294967296, 4294967296), }")).write(to: path)
        XCTAssertEqual(try refusal(search(train: path.path)),
                       "aegrid: error: \(path.path): not a valid NumPy .npy file: the shape [4294967296, 4294967296] holds "
                       + "more values than can be counted (the product overflows a 64-bit integer)")
    }

    func testNpyShapeLargerThanTheFileIsRefusedBeforeAllocating() throws {
        let path = try temporaryDirectory().appendingPathComponent("big-shape.npy")
        try Data(npy(header: "{'descr': '<f4', 'fortran_order': False, 'shape': (1000000000, 1000), }") + [0, 0, 0, 0])
            .write(to: path)
        XCTAssertEqual(try refusal(search(train: path.path)),
                       "aegrid: error: \(path.path): truncated NumPy .npy file: the header promises 4000000000000 bytes "
                       + "of data, found 4")
    }

    // MARK: IDX and gzip

    func testGzippedIDXThatInflatesPastItsHeaderIsRefused() throws {
        // The header promises 10×10 bytes; the stream holds 1 GiB of zeros (a 6.5 MB file).
        let path = try temporaryDirectory().appendingPathComponent("bomb-idx3-ubyte.gz")
        try Data(GzipBomb.file(prefix: [0, 0, 8, 2, 0, 0, 0, 10, 0, 0, 0, 10], zeros: 1 << 30)).write(to: path)
        XCTAssertEqual(try refusal(search(train: path.path)),
                       "aegrid: error: \(path.path): not a valid gzip file: it inflates to more than the 112 bytes its "
                       + "IDX header declares (10×10 uint8 values and a 12-byte header); decompression stopped there: "
                       + "the header is wrong or the stream has trailing data")
    }

    func testGzippedIDXWithALargeHeaderStopsInflatingAtTheHeadersSize() throws {
        // 1000×10000 bytes (10 MB) declared, 1 GiB in the stream: at most the declared size is inflated.
        let path = try temporaryDirectory().appendingPathComponent("wide-idx2-ubyte.gz")
        try Data(GzipBomb.file(prefix: [0, 0, 8, 2, 0, 0, 0x03, 0xE8, 0, 0, 0x27, 0x10], zeros: 1 << 30)).write(to: path)
        let line = try refusal(search(train: path.path))
        XCTAssertTrue(line.hasSuffix("it inflates to more than the 10000012 bytes its IDX header declares (1000×10000 "
                                     + "uint8 values and a 12-byte header); decompression stopped there: the header is "
                                     + "wrong or the stream has trailing data"), line)
    }

    func testIDXDimensionsLargerThanTheFileAreRefused() throws {
        let path = try temporaryDirectory().appendingPathComponent("dims-idx3-ubyte")
        try Data([0, 0, 8, 3, 0x7F, 0xFF, 0xFF, 0xFF, 0x7F, 0xFF, 0xFF, 0xFF, 0, 0, 0, 2, 1, 2, 3]).write(to: path)
        XCTAssertEqual(try refusal(search(train: path.path)),
                       "aegrid: error: \(path.path): truncated IDX file: the header promises 9223372028264841218 bytes "
                       + "of data, found 3")
    }

    // MARK: CSV

    func testCSVOf20RowsBy200000ColumnsTrainsWithoutAllocatingItsCovariance() throws {
        let directory = try temporaryDirectory()
        let row = Array(repeating: "1", count: 200_000).joined(separator: ",")
        let path = try writeFile(directory, "wide.csv", Array(repeating: row, count: 20).joined(separator: "\n") + "\n")
        let (result, peak) = try runMeasured(search(train: path, out: directory.appendingPathComponent("out"),
                                                    extra: ["--refit", "none"]))
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("no PCA baseline: PCA on 200000 columns needs about 1.2 TB (its "
                                             + "200000×200000 covariance and eigenvectors), over the memory budget of "),
                      result.stderr)
        if let peak { XCTAssertLessThan(peak, 200 << 20, "an 8 MB file: memory proportional to the data") }
    }

    func testDataLargerThanTheMemoryBudgetIsRefusedBeforeItIsAllocated() throws {
        XCTAssertEqual(try refusal(search(train: train, test: test, extra: ["--max-memory", "10K"])),
                       "aegrid: error: \(train): its 10000 values as 32-bit floats would take more than 10.0 KB, the "
                       + "memory budget (--max-memory 10K); give a larger --max-memory, or use a smaller file")
        // A gzipped CSV declares no size: it is inflated up to the budget, not to its 1 GiB.
        let path = try temporaryDirectory().appendingPathComponent("bomb.csv.gz")
        try Data(GzipBomb.file(prefix: Array("1,2\n".utf8), zeros: 1 << 30)).write(to: path)
        XCTAssertEqual(try refusal(search(train: path.path, extra: ["--max-memory", "64M"])),
                       "aegrid: error: \(path.path): its decompressed text would take more than 64.0 MB, the memory "
                       + "budget (--max-memory 64M); give a larger --max-memory, or use a smaller file")
    }

    func testModelCommandsRefuseDataLargerThanTheMemoryBudget() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let trained = try AEGridProcess.run(search(train: train, test: test, out: out, extra: ["--refit", "train"]))
        XCTAssertEqual(trained.status, 0, trained.stderr)
        let model = out.appendingPathComponent("best.safetensors").path
        let written = out.appendingPathComponent("written.npy").path
        for command in ["score", "encode", "reconstruct"] {
            XCTAssertEqual(try refusal([command, "--model", model, "--data", train, "--max-memory", "10K", "--out", written]),
                           "aegrid: error: \(train): its 10000 values as 32-bit floats would take more than 10.0 KB, the "
                           + "memory budget (--max-memory 10K); give a larger --max-memory, or use a smaller file", command)
        }
        let result = try AEGridProcess.run(["encode", "--model", model, "--data", train, "--max-memory", "lots"])
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("--max-memory must be a size such as 8G, 512M or 2000000000 (got 'lots')"),
                      result.stderr)
    }

    // MARK: Grids

    func testLayerOf10To18UnitsIsRefusedAtValidation() throws {
        XCTAssertEqual(try refusal(search(train: train, test: test, grid: #"{"latent_dim": [1000000000000000000], "epochs": [1]}"#)),
                       "aegrid: error: inline grid line 1: 'latent_dim' value 1000000000000000000 is out of range: a layer "
                       + "can have at most 2147483647 units (the largest dimension a matrix product takes), and one that "
                       + "wide needs terabytes")
    }

    func testWeightCountOverflowingIntIsRefusedAtValidation() throws {
        let grid = #"{"encoder_units": [[2000000000, 2000000000, 2000000000]], "latent_dim": [2000000000], "epochs": [1]}"#
        let line = try refusal(search(train: train, test: test, grid: grid))
        XCTAssertTrue(line.hasPrefix("aegrid: error: inline grid: 'encoder_units' value [2000000000,2000000000,2000000000] "
                                     + "is out of range: a network 10→2000000000→"), line)
        XCTAssertTrue(line.hasSuffix("has more weights than a 64-bit integer counts"), line)
    }

    /// Keras takes any epoch count and early stopping ends the run: 2⁶³ − 1 epochs on three folds once trapped in
    /// the progress counts (epochs × folds), before a trial started.
    func testLargestEpochCountTrainsUntilEarlyStoppingWithoutTrapping() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let grid = #"{"latent_dim": [2], "epochs": [9223372036854775807], "patience": [1], "min_delta": [1]}"#
        let result = try AEGridProcess.run(try search(train: train, grid: grid, out: out, extra: ["--cv", "3"]))
        XCTAssertFalse(result.signalled, result.stderr)
        XCTAssertEqual(result.status, 0, result.stderr)
        let record = try XCTUnwrap(try ResultsFiles.records(out).first?.value)
        XCTAssertEqual(record["status"] as? String, "ok")
        XCTAssertEqual(record["epochs_run"] as? Int, 2, "stopped by patience 1 after the first epoch set the best")
    }

    /// Each job is a thread with its own trainer: `--jobs` above `Runner.maximumJobs` is a usage error naming the
    /// limit and the cores, where it once started threads until the process aborted.
    func testJobsAboveTheLimitIsAUsageError() throws {
        let result = try AEGridProcess.run(try search(train: train, test: test) + ["--jobs", "9223372036854775807"])
        XCTAssertFalse(result.signalled, result.stderr)
        XCTAssertEqual(result.status, 64, result.stderr)
        XCTAssertTrue(result.stderr.contains("aegrid: error: --jobs 9223372036854775807 is more than AEGrid runs side "
                                             + "by side (at most 4096; each job is a thread with its own trainer): "
                                             + "use the number of cores, "), result.stderr)
    }

    /// No more workers than trials: a worker with nothing to train would only cut every trainer's share of the
    /// memory budget (budget / jobs), refusing trials that fit.
    func testJobsBeyondTheTrialCountAreNotStarted() throws {
        let result = try AEGridProcess.run(try search(train: train, test: test) + ["--jobs", "3"])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stderr.contains("aegrid: 1 trial, 1 job, scored on the test file"), result.stderr)
    }

    func testTrialOverTheMemoryBudgetIsRecordedAsFailedTheSearchGoesOnAndExitsWith1() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let arguments = try search(train: train, test: test, grid: #"{"latent_dim": [2, 1000000000], "epochs": [1]}"#,
                                   out: out, extra: ["--refit", "none", "--max-memory", "1G"])
        for run in 1 ... 2 {  // the second run resumes: it must not abort either, nor retry what still cannot fit
            let (result, peak) = try runMeasured(arguments)
            XCTAssertFalse(result.signalled, result.stderr)
            XCTAssertEqual(result.status, 1, "run \(run): \(result.stderr)")
            let line = try XCTUnwrap(result.stderr.split(separator: "\n").last)
            XCTAssertTrue(line.hasPrefix("aegrid: error: 1 of 2 trials could not be trained and is recorded as failed in "
                                         + "\(out.path)/results.jsonl; trial "), String(line))
            XCTAssertTrue(line.contains("(epochs=1, latent_dim=1000000000): not trained: its network 10→1000000000→10 at "
                                        + "batch size 32 needs about 1.1 TB"), String(line))
            XCTAssertTrue(result.stdout.contains("results: \(out.path)/results.jsonl"), "the results are still reported")
            if let peak { XCTAssertLessThan(peak, 200 << 20) }
        }
        let log = try String(contentsOf: out.appendingPathComponent("results.jsonl"), encoding: .utf8)
        let lines = log.split(separator: "\n")
        XCTAssertEqual(lines.count, 2, log)
        let failed = try XCTUnwrap(lines.first { $0.contains(#""status":"failed""#) })
        XCTAssertTrue(failed.contains("not trained: its network 10→1000000000→10 at batch size 32 needs about 1.1 TB "
                                      + "(weights, gradients, optimizer state, activations and workspaces), over its share "
                                      + "of the memory budget: "), String(failed))
        XCTAssertTrue(failed.contains("--max-memory 1G"), String(failed))
        XCTAssertTrue(lines.contains { $0.contains(#""status":"ok""#) }, log)
    }

    func testATrialThatFailedForMemoryIsTrainedWhenResumedWithALargerBudget() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        // 10→20000→10 needs about 15 MB to train.
        let grid = #"{"latent_dim": [2, 20000], "epochs": [1]}"#
        let small = try AEGridProcess.run(search(train: train, test: test, grid: grid, out: out,
                                                 extra: ["--refit", "none", "--max-memory", "4M"]))
        XCTAssertEqual(small.status, 1, small.stderr)
        XCTAssertTrue(small.stderr.contains("10→20000→10 at batch size 32 needs about"), small.stderr)
        let large = try AEGridProcess.run(search(train: train, test: test, grid: grid, out: out,
                                                 extra: ["--refit", "none", "--max-memory", "1G"]))
        XCTAssertEqual(large.status, 0, large.stderr)
        XCTAssertTrue(large.stderr.contains("2 trials, 1 already done (resuming)"), large.stderr)
        let path = out.appendingPathComponent("results.jsonl")
        let lines = try String(contentsOf: path, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 3, "the failed line stays, the new record follows it")
        let status = try AEGridProcess.run(["status", out.path])
        XCTAssertEqual(status.status, 0, status.stdout + status.stderr)
        XCTAssertTrue(status.stdout.contains("all       2   2         0       0        0"), status.stdout)
        // A third run has nothing to do.
        let again = try AEGridProcess.run(search(train: train, test: test, grid: grid, out: out,
                                                 extra: ["--refit", "none", "--max-memory", "1G"]))
        XCTAssertEqual(again.status, 0, again.stderr)
        XCTAssertEqual(try String(contentsOf: path, encoding: .utf8).split(separator: "\n").count, 3)
    }

    func testMaxMemoryMustBeASize() throws {
        let result = try AEGridProcess.run(try search(train: train, test: test, extra: ["--max-memory", "lots"]))
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "aegrid: error: --max-memory must be a size such as 8G, 512M or 2000000000 "
                       + "(got 'lots') (see 'aegrid search --help')\n")
    }

    // MARK: Model files

    func testSafetensorsHeaderWithManyTensorsIsRefusedQuickly() throws {
        // An architecture of 60,000 layers and 60,000 of its 120,000 tensors: the missing one is named.
        let layers = 60_000
        let architecture = #"{"input_size":1,"encoder_units":[\#(Array(repeating: "1", count: layers / 2).joined(separator: ","))],"#
            + #""decoder_units":[\#(Array(repeating: "1", count: layers / 2 - 1).joined(separator: ","))],"#
            + #""hidden_activation":"relu","output_activation":"sigmoid"}"#
        var entries = [#""__metadata__":{"aegrid.format":"aegrid-autoencoder/1","aegrid.architecture":"#
                       + jsonString(architecture) + "}"]
        for l in 0 ..< layers {
            entries.append(#""dense_\#(l).kernel":{"dtype":"F32","shape":[1,1],"data_offsets":[\#(4 * l),\#(4 * l + 4)]}"#)
        }
        let path = try temporaryDirectory().appendingPathComponent("many.safetensors")
        try Data(safetensors(header: "{" + entries.joined(separator: ",") + "}", dataBytes: 4 * layers)).write(to: path)
        let line = try refusal(["score", "--model", path.path, "--data", test])
        XCTAssertEqual(line, "aegrid: error: \(path.path): tensor \"dense_0.bias\": missing from the file")
    }

    func testSafetensorsOffsetsThatDoNotTileTheDataAreRefused() throws {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"b":{"dtype":"F32","shape":[1],"data_offsets":[8,12]}}"#
        let path = try temporaryDirectory().appendingPathComponent("gap.safetensors")
        try Data(safetensors(header: header, dataBytes: 12)).write(to: path)
        XCTAssertEqual(try refusal(["score", "--model", path.path, "--data", test]),
                       "aegrid: error: \(path.path): tensor data_offsets must be contiguous from 0 to the end of the "
                       + "file: gap before tensor \"b\": it starts at 8, the previous data ends at 4")
    }

    func testSafetensorsHeaderLengthPastTheFileIsRefused() throws {
        let path = try temporaryDirectory().appendingPathComponent("long.safetensors")
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(50_000_000).littleEndian) { bytes.append(contentsOf: $0) }
        try Data(bytes + Array("{}".utf8)).write(to: path)
        XCTAssertEqual(try refusal(["score", "--model", path.path, "--data", test]),
                       "aegrid: error: \(path.path): truncated safetensors file: the header length says 50000000 bytes "
                       + "but only 2 follow")
    }

    // MARK: Results log

    func testCompleteUndecodableLastLineRefusesTheResume() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let arguments = try search(train: train, test: test, out: out, extra: ["--refit", "none"])
        XCTAssertEqual(try AEGridProcess.run(arguments).status, 0)
        let log = out.appendingPathComponent("results.jsonl")
        let handle = try FileHandle(forWritingTo: log)
        try handle.seekToEnd()
        try handle.write(contentsOf: Data("{\"trial_id\": 12\n".utf8))
        try handle.close()
        let line = try refusal(arguments)
        XCTAssertTrue(line.hasPrefix("aegrid: error: \(log.path) line 2 is not a valid result record (undecodable JSON: "),
                      line)
        XCTAssertTrue(line.hasSuffix("a crash can only leave a last line without its newline, so this is damage, not a "
                                     + "torn write. Move the file aside or repair that line"), line)
        XCTAssertTrue(try String(contentsOf: log, encoding: .utf8).hasSuffix("{\"trial_id\": 12\n"), "nothing cut off")
    }

    /// A hand-edited results log: an epoch count of 2⁶³ − 1 with seconds of 10³⁰⁸ is read and drawn (it trapped
    /// converting the count for the page's leaderboard), and a negative grid index is refused naming the line (it
    /// trapped indexing the grid).
    func testHandEditedRecordsWithExtremeNumbersAreDrawnOrRefusedWithoutTrapping() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        XCTAssertEqual(try AEGridProcess.run(try search(train: train, test: test, out: out, extra: ["--refit", "none"])).status, 0)
        let log = out.appendingPathComponent("results.jsonl")
        let original = try String(contentsOf: log, encoding: .utf8)
        let extreme = original.replacingOccurrences(of: #""epochs_run":1,"#, with: #""epochs_run":9223372036854775807,"#)
            .replacingOccurrences(of: #""fit_seconds":"#, with: #""fit_seconds":1e308,"unused":"#)
            .replacingOccurrences(of: #"{"epoch":1,"#, with: #"{"epoch":9223372036854775807,"#)
        XCTAssertNotEqual(extreme, original)
        try extreme.write(to: log, atomically: true, encoding: .utf8)
        for command in ["results", "report", "merge"] {
            let result = try AEGridProcess.run([command, out.path])
            XCTAssertFalse(result.signalled, "\(command): \(result.stderr)")
            XCTAssertEqual(result.status, 0, "\(command): \(result.stderr)")
        }
        try original.replacingOccurrences(of: #""index":0,"#, with: #""index":-1,"#).write(to: log, atomically: true, encoding: .utf8)
        for command in ["results", "report", "merge", "status"] {
            let line = try refusal([command, out.path])
            XCTAssertTrue(line.contains("results.jsonl line 1 is not a valid result record"), "\(command): \(line)")
            XCTAssertTrue(line.contains("index at byte"), "\(command): \(line)")
            XCTAssertTrue(line.contains("expected an integer ≥ 0, found -1"), "\(command): \(line)")
        }
    }

    // MARK: Pipes and signals

    func testTrainingDataFromAFIFOIsReadOnceAndASignalWhileItLoadsPrintsTheSummary() throws {
        let directory = try temporaryDirectory()
        let fifo = directory.appendingPathComponent("train.npy").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let out = directory.appendingPathComponent("out")
        let process = AEGridProcess(["search", "--train", fifo, "--test", test, "--grid", #"{"latent_dim": [2], "epochs": [1]}"#,
                                     "--out", out.path, "--jobs", "1", "--refit", "none"])
        try process.start()
        // Opening for writing returns once aegrid has opened the FIFO to load it: its signal handling is set up.
        signal(SIGPIPE, SIG_IGN)  // if aegrid died, writing fails with EPIPE and the assertions below say so
        let writer = open(fifo, O_WRONLY)
        XCTAssertGreaterThanOrEqual(writer, 0)
        process.signal(SIGINT)
        usleep(200_000)  // not a timing assertion: lets the signal be handled while aegrid still waits for data
        let bytes = try Data(contentsOf: URL(fileURLWithPath: train))
        bytes.withUnsafeBytes { _ = write(writer, $0.baseAddress, $0.count) }
        close(writer)
        let result = process.wait()
        XCTAssertFalse(result.signalled, "killed by the signal instead of stopping: \(result.stderr)")
        XCTAssertEqual(result.status, 130, result.stderr)
        XCTAssertTrue(result.stderr.contains("aegrid: interrupted by SIGINT: "), result.stderr)
    }

    func testTrainingDataFromAFIFOLoads() throws {
        let directory = try temporaryDirectory()
        let fifo = directory.appendingPathComponent("train.npy").path
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let process = AEGridProcess(["search", "--train", fifo, "--test", test, "--grid", #"{"latent_dim": [2], "epochs": [1]}"#,
                                     "--out", directory.appendingPathComponent("out").path, "--jobs", "1", "--refit", "none"])
        try process.start()
        let writer = open(fifo, O_WRONLY)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: train))
        bytes.withUnsafeBytes { _ = write(writer, $0.baseAddress, $0.count) }
        close(writer)
        let result = process.wait()
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("1 trial: 1 finished"), result.stdout)
    }

    // MARK: Helpers

    func npy(header: String) -> [UInt8] {
        var text = header
        text += String(repeating: " ", count: (64 - (10 + text.utf8.count + 1) % 64) % 64) + "\n"
        return [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(text.utf8.count & 0xFF), UInt8(text.utf8.count >> 8)]
            + Array(text.utf8)
    }

    func safetensors(header: String, dataBytes: Int) -> [UInt8] {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        return bytes + Array(header.utf8) + [UInt8](repeating: 0, count: dataBytes)
    }

    func jsonString(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// A gzip file whose DEFLATE stream is `prefix` as literals followed by `zeros` zero bytes as length-258
/// matches (13 bits each in the fixed Huffman code: 1 GiB in 6.5 MB). Its trailer is not valid: a reader that
/// stops at what the header declares never reaches it.
enum GzipBomb {
    static func file(prefix: [UInt8], zeros: Int) -> [UInt8] {
        var out: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF]
        var bits: UInt64 = 0, count = 0
        func put(_ value: Int, _ n: Int) {
            bits |= UInt64(value) << UInt64(count)
            count += n
            while count >= 8 { out.append(UInt8(bits & 0xFF)); bits >>= 8; count -= 8 }
        }
        func code(_ value: Int, _ n: Int) {  // Huffman codes go most significant bit first
            var reversed = 0
            for b in 0 ..< n where value & (1 << b) != 0 { reversed |= 1 << (n - 1 - b) }
            put(reversed, n)
        }
        put(1, 1); put(1, 2)  // final block, fixed Huffman
        for byte in prefix + [0] {  // literals: 0…143 in 8 bits, 144…255 in 9
            if byte < 144 { code(0x30 + Int(byte), 8) } else { code(0x190 + Int(byte) - 144, 9) }
        }
        for _ in 0 ..< (zeros - 1) / 258 {
            code(0xC0 + 5, 8)  // symbol 285: length 258
            code(0, 5)         // distance 1
        }
        code(0, 7)  // end of block
        if count > 0 { out.append(UInt8(bits & 0xFF)) }
        return out + [UInt8](repeating: 0, count: 8)
    }
}
