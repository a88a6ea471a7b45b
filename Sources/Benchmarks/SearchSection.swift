import Foundation
import GridSearch
import LinearAlgebra
import NeuralNet
import DataFiles
import Synchronization
import SearchSpace

/// The end-to-end benchmark: whole `aegrid search` runs, each a fresh process of the `aegrid` binary built next to
/// this one, exactly as a user types them (process start, data loading, PCA baseline, training, results log with
/// its fsyncs, reports and the refitted `best.safetensors` all included).
///
/// - The seed project's three grids (examples/seed, 12 + 16 + 24 = 52 trials) with `--jobs 2` and `--jobs 1`: the
///   wall seconds of the three processes together (the median over repeats, and the best repeat), trials per second,
///   the CPU seconds they used (each process spawned directly, so the times are its own), and the peak resident
///   memory of the largest (measured under GNU time, in one untimed run per grid first). Runs of the two job counts
///   alternate, so drift in the machine's load hits both alike.
/// - A wide-data grid on Fashion-MNIST (60000 × 784, held-out 20 %, minmax scaling): encoder [[256, 64], [128, 32]]
///   × learning rate [0.001, 0.003], 5 epochs, batch 256, `--jobs 2`. Its sustained rate counts the training GEMMs
///   only: `6 × N_train × Σ_layers in·out × epochs run`, summed over trials (forward 2·in·out per sample, backward
///   2·in·out for the weight gradient and 2·in·out for the input gradient), divided by the process's wall time. The
///   ceiling it is compared with is the 2-core sgemm rate measured in the same run at the grid's dominant training
///   shapes (784 ↔ 256 at batch 256): two single-threaded GEMM loops side by side, or (BLAS build) OpenBLAS at two
///   threads, whichever is faster.
extension BenchmarkSection {
    static let search = BenchmarkSection(
        name: "search",
        summary: "end to end: `aegrid search` processes on the seed's 52 trials (--jobs 2 / 1) and a Fashion-MNIST grid"
    ) { context in
        let runner = try SearchBenchmark(quick: context.quick)
        defer { runner.removeScratch() }
        try runner.seedGrids(&context)
        try runner.seedGridsInProcess(&context)
        try runner.fashionMNIST(&context)
    }
}

/// Paths and helpers of the `search` section.
struct SearchBenchmark {
    static let fashionMNIST = "/usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz"
    static let fashionGrid = #"{"encoder_units": [[256, 64], [128, 32]], "learning_rate": [0.001, 0.003], "epochs": [5], "batch_size": [256]}"#
    static let fashionQuickGrid = #"{"encoder_units": [[256, 64], [128, 32]], "learning_rate": [0.001, 0.003], "epochs": [1], "batch_size": [256]}"#

    let quick: Bool
    /// The `aegrid` executable beside this `aegrid-bench`.
    let aegrid: String
    /// Scratch results directories and the children's output log.
    let scratch: String
    let log: String
    let backend = GEMM.defaultBackend.rawValue

    init(quick: Bool) throws {
        self.quick = quick
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        aegrid = URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("aegrid").path
        guard FileManager.default.isExecutableFile(atPath: aegrid) else {
            throw BenchmarkError("""
                the search section runs the `aegrid` binary beside aegrid-bench, and \(aegrid) does not exist.
                Build it with the same flags, e.g. `swift build -c release --product aegrid` (add
                `--disable-default-traits --scratch-path .build-fallback` for the fallback build); `make bench` does.
                """)
        }
        guard FileManager.default.fileExists(atPath: "examples/seed/X_train.npy") else {
            throw BenchmarkError("the search section reads examples/seed/: run aegrid-bench from the repository's root (make bench does)")
        }
        scratch = NSTemporaryDirectory() + "aegrid-bench-search-\(getpid())"
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        log = scratch + "/children.log"
    }

    func removeScratch() { try? FileManager.default.removeItem(atPath: scratch) }

    /// One `aegrid search` into a fresh results directory; with `peak`, under GNU time for its peak memory.
    func search(_ arguments: [String], out: String, peak: Bool = true) throws -> ChildProcessUsage {
        try? FileManager.default.removeItem(atPath: out)
        return try ChildProcess.run(aegrid, ["search"] + arguments + ["--out", out, "--quiet"], logPath: log,
                                    peak: peak)
    }

    // MARK: Seed grids

    func seedGrids(_ context: inout BenchmarkContext) throws {
        let trials = 52.0
        let repeats = context.repeatsOverride ?? (quick ? 1 : 5)
        let jobCounts = [2, 1]
        var runs: [Int: [(wall: Double, cpu: Double, peak: Int)]] = [:]
        print("seed grids: \(repeats) repeat\(repeats == 1 ? "" : "s") × --jobs \(jobCounts.map(String.init).joined(separator: "/")) × 3 processes")
        func arguments(grid: Int, jobs: Int) -> [String] {
            ["--train", "examples/seed/X_train.npy", "--test", "examples/seed/X_test.npy",
             "--grid", "examples/seed/grid\(grid).json", "--jobs", String(jobs)]
        }
        // Each process's peak memory, in runs of their own: under GNU time, whose fork and exec (about 1.3 ms a
        // process, 4 ms of the three) would otherwise be in the timed wall.
        var peaks: [Int: Int] = [:]
        for jobs in jobCounts {
            for grid in 1 ... 3 {
                let usage = try search(arguments(grid: grid, jobs: jobs), out: "\(scratch)/seed-grid\(grid)-jobs\(jobs)")
                peaks[jobs] = max(peaks[jobs] ?? 0, usage.peakResidentBytes)
            }
        }
        for _ in 0 ..< repeats {
            for jobs in jobCounts {
                var total = (wall: 0.0, cpu: 0.0, peak: peaks[jobs] ?? 0)
                for grid in 1 ... 3 {
                    let usage = try search(arguments(grid: grid, jobs: jobs),
                                           out: "\(scratch)/seed-grid\(grid)-jobs\(jobs)", peak: false)
                    total.wall += usage.wallSeconds
                    total.cpu += usage.cpuSeconds
                }
                runs[jobs, default: []].append(total)
            }
        }
        for jobs in jobCounts {
            let samples = runs[jobs] ?? []
            let wall = median(samples.map(\.wall))
            let name = "seed grids, 52 trials, --jobs \(jobs)"
            func record(_ metric: String, _ value: Double, _ unit: String) {
                context.record(BenchmarkRecord(section: "search", name: name, backend: backend, threads: jobs,
                                               metric: metric, value: value, unit: unit))
            }
            record("wall", wall, "s wall")
            // Issue 17's figure: the fastest repeat, the one least slowed by other processes on a shared machine.
            record("best wall", samples.map(\.wall).min() ?? .nan, "s wall, best of \(samples.count)")
            record("throughput", trials / wall, "trials/s")
            record("cpu", median(samples.map(\.cpu)), "cpu s")
            record("peak memory", Double(samples.map(\.peak).max() ?? 0) / 1e6, "MB peak")
        }
        if let two = runs[2], let one = runs[1] {
            context.record(BenchmarkRecord(section: "search", name: "seed grids, --jobs 2 ÷ --jobs 1", backend: backend,
                                           threads: 2, metric: "speed-up",
                                           value: Self.pairedSpeedUp(one.map(\.wall), two.map(\.wall)), unit: "×"))
        }
    }

    /// The median over repeats of `slower[i] / faster[i]`: each repeat times both job counts back to back, so their
    /// ratio within a repeat cancels whatever else slowed the shared machine during that repeat.
    static func pairedSpeedUp(_ slower: [Double], _ faster: [Double]) -> Double {
        median(zip(slower, faster).map { $0 / $1 })
    }

    // MARK: Seed grids, the search engine alone

    /// The seed's three grids through the library, in this process, so a process's fixed cost (start-up, loading,
    /// PCA, about 17 ms a search whatever the number of workers) stays out. Each `Search` is set up outside the
    /// clock; `training` is timed from `Search.run()`'s start until every record is fsynced to the log
    /// (`SearchProgress.elapsed`, the clock behind the trials/s `aegrid search` shows), `Search.run` adds the
    /// reports and `best.safetensors`. Runs of the two job counts alternate; medians over repeats.
    func seedGridsInProcess(_ context: inout BenchmarkContext) throws {
        let trials = 52.0
        let repeats = context.repeatsOverride ?? (quick ? 2 : 15)
        let jobCounts = [2, 1]
        var training: [Int: [Double]] = [:], run: [Int: [Double]] = [:]
        print("seed grids in-process: \(repeats) repeat\(repeats == 1 ? "" : "s") × --jobs 2/1 × 3 grids, Search.run() timed")
        for _ in 0 ..< repeats {
            for jobs in jobCounts {
                var trainingTotal = 0.0, runTotal = 0.0
                for grid in 1 ... 3 {
                    let out = "\(scratch)/engine-grid\(grid)-jobs\(jobs)"
                    try? FileManager.default.removeItem(atPath: out)
                    let search = try Search(settings: SearchSettings(
                        trainPath: "examples/seed/X_train.npy", evaluation: .testFile("examples/seed/X_test.npy"),
                        grid: "examples/seed/grid\(grid).json", outputDirectory: out, jobs: jobs))
                    let start = Stopwatch.now()
                    let outcome = try search.run()
                    runTotal += Stopwatch.now() - start
                    trainingTotal += outcome.progress.elapsed
                    guard outcome.progress.done == outcome.progress.total else {
                        throw BenchmarkError("seed grid \(grid): \(outcome.progress.done) of \(outcome.progress.total) trials recorded")
                    }
                }
                training[jobs, default: []].append(trainingTotal)
                run[jobs, default: []].append(runTotal)
            }
        }
        for jobs in jobCounts {
            let trainingSeconds = median(training[jobs] ?? []), runSeconds = median(run[jobs] ?? [])
            func record(_ name: String, _ metric: String, _ value: Double, _ unit: String) {
                context.record(BenchmarkRecord(section: "search", name: name, backend: backend, threads: jobs,
                                               metric: metric, value: value, unit: unit))
            }
            record("seed grids in-process, training, --jobs \(jobs)", "wall", trainingSeconds, "s wall")
            record("seed grids in-process, training, --jobs \(jobs)", "throughput", trials / trainingSeconds, "trials/s")
            record("seed grids in-process, Search.run, --jobs \(jobs)", "wall", runSeconds, "s wall")
        }
        if let two = training[2], let one = training[1] {
            context.record(BenchmarkRecord(section: "search", name: "seed grids in-process, training, --jobs 2 ÷ --jobs 1",
                                           backend: backend, threads: 2, metric: "speed-up",
                                           value: Self.pairedSpeedUp(one, two), unit: "×"))
        }
    }

    // MARK: Fashion-MNIST

    func fashionMNIST(_ context: inout BenchmarkContext) throws {
        guard FileManager.default.fileExists(atPath: Self.fashionMNIST) else {
            print("fashion-mnist: skipped, \(Self.fashionMNIST) is missing (install: scripts/bootstrap.sh dataset-fashion-mnist; make bench does)")
            return
        }
        let ceiling = twoCoreSGEMMRate()
        let gridText = quick ? Self.fashionQuickGrid : Self.fashionGrid
        let out = scratch + "/fashion-mnist"
        print("fashion-mnist: one search (\(quick ? "1 epoch, --quick" : "5 epochs")), 2-core sgemm \(formatValue(ceiling)) GFLOP/s")
        let usage = try search(["--train", Self.fashionMNIST, "--grid", gridText, "--scale", "minmax", "--jobs", "2"],
                               out: out)
        // The work done: every trial's training GEMMs, from what the results log says each trial ran.
        let rows = 60000, inputSize = 784
        let trainingRows = try Splits.trainTest(count: rows, testFraction: 0.2, seed: 0).train.count
        let grid = try ParameterGrid.load(argument: gridText)
        var flops = 0.0
        for record in try ResultsLog.read(path: out + "/results.jsonl").records {
            let trial = try TrialConfiguration.make(grid: grid, index: record.index, inputSize: inputSize, baseSeed: 0)
            flops += 6 * Double(trainingRows) * Double(trial.architecture.multiplyAddsPerSample) * Double(record.epochsRun)
        }
        let rate = flops / usage.wallSeconds / 1e9
        let datasetBytes = Double(rows * inputSize * MemoryLayout<Float>.size)
        let name = "fashion-mnist 4 trials, --jobs 2"
        func record(_ name: String, _ metric: String, _ value: Double, _ unit: String) {
            context.record(BenchmarkRecord(section: "search", name: name, backend: backend, threads: 2,
                                           metric: metric, value: value, unit: unit))
        }
        record(name, "wall", usage.wallSeconds, "s wall")
        record(name, "sustained", rate, "GFLOP/s")
        record(name, "share of 2-core sgemm", 100 * rate / ceiling, "% of sgemm")
        record(name, "cpu", usage.cpuSeconds, "cpu s")
        record(name, "peak memory", Double(usage.peakResidentBytes) / 1e6, "MB peak")
        record(name, "peak over dataset", (Double(usage.peakResidentBytes) - datasetBytes) / 1e6, "MB over data")
        record("sgemm 784↔256 batch 256, 2 cores", "throughput", ceiling, "GFLOP/s")
    }

    /// GFLOP/s two cores reach on the training products of a 784 → 256 layer at batch 256 (X·W, Xᵀ·dY, dY·Wᵀ):
    /// the better of two single-threaded loops side by side and (when the build has it) OpenBLAS at two threads.
    func twoCoreSGEMMRate() -> Double {
        let shapes = GEMMShape.trainingStep(batch: 256, input: 784, output: 256)
        let flopsPerRound = shapes.reduce(0.0) { $0 + 2 * Double($1.multiplyAdds) }
        let seconds = quick ? 0.3 : 1.0
        let savedThreads = BLASThreads.count
        defer { BLASThreads.set(savedThreads) }

        BLASThreads.set(1)
        // Per worker: rounds done and the time it stopped.
        let finished = Mutex([(rounds: Int, elapsed: Double)](repeating: (0, 0), count: 2))
        let start = Stopwatch.now()
        DispatchQueue.concurrentPerform(iterations: 2) { worker in
            let operands = GEMMOperands(shapes)
            let deadline = Stopwatch.now() + seconds
            var done = 0
            while Stopwatch.now() < deadline {
                operands.round()
                done += 1
            }
            let stopped = Stopwatch.now() - start
            finished.withLock { $0[worker] = (done, stopped) }
        }
        let workers = finished.withLock { $0 }
        let elapsed = workers.map(\.elapsed).max()!
        var best = Double(workers.map(\.rounds).reduce(0, +)) * flopsPerRound / elapsed / 1e9

        if GEMMBackend.available.contains(.blas) {
            BLASThreads.set(2)
            let operands = GEMMOperands(shapes)
            operands.round()
            var done = 0
            let start = Stopwatch.now()
            while Stopwatch.now() - start < seconds {
                operands.round()
                done += 1
            }
            best = max(best, Double(done) * flopsPerRound / (Stopwatch.now() - start) / 1e9)
        }
        return best
    }
}
