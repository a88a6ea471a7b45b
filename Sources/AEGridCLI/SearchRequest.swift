import ArgumentParser
import Foundation
import GridSearch
import DataFiles
import SearchReport
import Synchronization

/// What `aegrid search` is asked to do: its options as plain values, validated and run here. `SearchCommand` fills
/// it through ArgumentParser (help, completions, every error's text); `SearchRequest(quickParsing:)` fills it from a
/// plain command line without ArgumentParser, whose reflection over the options costs a few milliseconds of every
/// process (see `main.swift`).
struct SearchRequest: Equatable {
    var train: String
    var test: String?
    var grid: String
    var out: String
    var jobs: Int?
    var seed: UInt64 = 0
    var testFraction: Double?
    var cv: Int?
    var scale: Scaling = .none
    var refit: SearchSettings.Refit = .train
    var top: Int = 10
    var shard: String?
    var shards: Int?
    var maxMemory: String?
    var halving = false
    var factor = 3
    var minEpochs: Int?
    var maxEpochs: Int?
    var aggressiveElimination = false
    var nIter: Int?
    var quiet = false

    /// The options' combinations and ranges, as ArgumentParser reports them: a `ValidationError` (exit 64).
    func validate() throws {
        if let maxMemory, MemoryBudget.parseSize(maxMemory) == nil {
            throw ValidationError(MemoryBudget.sizeRefusal(maxMemory))
        }
        if test != nil && (testFraction != nil || cv != nil) {
            throw ValidationError("--test gives the test data; do not combine it with --test-fraction or --cv")
        }
        if testFraction != nil && cv != nil {
            throw ValidationError("choose --test-fraction or --cv, not both")
        }
        if let testFraction, !(testFraction > 0 && testFraction < 1) {
            throw ValidationError("--test-fraction must lie strictly between 0 and 1 (got \(testFraction))")
        }
        if let cv, cv < 2 { throw ValidationError("--cv needs at least 2 folds (got \(cv))") }
        if let jobs, jobs < 1 { throw ValidationError("--jobs must be at least 1 (got \(jobs))") }
        if let jobs, jobs > Runner.maximumJobs {
            throw ValidationError("--jobs \(jobs) is more than AEGrid runs side by side (at most "
                                  + "\(Runner.maximumJobs); each job is a thread with its own trainer): use the number of cores, "
                                  + "\(ProcessInfo.processInfo.activeProcessorCount) here, or leave --jobs out")
        }
        if top < 1 { throw ValidationError("--top must be at least 1 (got \(top))") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1 (got \(shards))") }
        if halving && shard != nil {
            throw ValidationError("--halving cannot run in shards: every rung waits for the whole previous rung, so "
                                  + "one machine runs it (docs/cluster.md)")
        }
        if !halving && (minEpochs != nil || maxEpochs != nil || aggressiveElimination || factor != 3) {
            throw ValidationError("--factor, --min-epochs, --max-epochs and --aggressive-elimination need --halving")
        }
        if factor < 2 { throw ValidationError("--factor must be at least 2 (got \(factor))") }
        if let minEpochs, minEpochs < 1 { throw ValidationError("--min-epochs must be at least 1 (got \(minEpochs))") }
        if let maxEpochs, maxEpochs < 1 { throw ValidationError("--max-epochs must be at least 1 (got \(maxEpochs))") }
        if let minEpochs, let maxEpochs, minEpochs > maxEpochs {
            throw ValidationError("--min-epochs \(minEpochs) is greater than --max-epochs \(maxEpochs)")
        }
        if let nIter, nIter < 1 { throw ValidationError("--n-iter must be at least 1 (got \(nIter))") }
    }

    func run() throws {
        let timings = SearchTimings()
        let evaluation: SearchSettings.Evaluation
        if let test {
            evaluation = .testFile(test)
        } else if let cv {
            evaluation = .crossValidation(folds: cv)
        } else {
            evaluation = .holdout(fraction: testFraction ?? 0.2)
        }
        // A resubmitted Slurm task (`sbatch --array=3`) sees only its own ids: the count comes from the manifest.
        let recordedShards = try ResultsLog.readManifest(directory: out)?.shards
        let shardChoice = try ShardSelection.resolve(shard: shard, shards: shards, recordedShards: recordedShards)
        var settings = SearchSettings(
            trainPath: train, evaluation: evaluation, grid: grid, outputDirectory: out, jobs: jobs, seed: seed,
            scaling: scale, refit: refit, top: top, shard: shardChoice?.shard
        )
        settings.halving = halvingSettings
        settings.sampleCount = nIter
        settings.memoryBudget = maxMemory.flatMap(MemoryBudget.parseSize)
            .map { MemoryBudget(bytes: $0, origin: "--max-memory \(maxMemory!)") } ?? MemoryBudget.detect()
        // Watch for signals before loading the data (which may take a while, or wait on a pipe) and before the first
        // line: a signal then still stops the search gracefully and prints the summary.
        let pending = PendingSearch()
        let interruption = Interruption { _ in pending.cancel() }
        timings.mark("settings")
        let search = try Search(settings: settings, timings: timings) { Terminal.writeError("aegrid: \($0)\n") }
        pending.set(search)
        if !quiet {
            if let shardChoice { Terminal.writeError("aegrid: running \(shardChoice.description)\n") }
            Terminal.writeError("aegrid: \(search.plan)\n")
            for warning in search.warnings { Terminal.writeError("aegrid: warning: \(warning)\n") }
        }

        let display = ProgressDisplay(quiet: quiet, redrawInPlace: Terminal.standardErrorIsTerminal,
                                      work: search.work)
        // Between recorded trials the line still moves: the timer redraws it from the trainers' epoch counts.
        let ticker = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "aegrid.progress"))
        ticker.schedule(deadline: .now() + ProgressDisplay.tickInterval, repeating: ProgressDisplay.tickInterval)
        ticker.setEventHandler { display.tick() }
        ticker.resume()
        // A single run's page is drawn while the search's last files are written (a shard's directory is reported
        // whole by `aegrid merge`).
        let directory = settings.outputDirectory
        let outcome = try search.run(onProgress: { display.update($0) }, page: { finished in
            try HTMLReport.load(directory: directory, finished: finished).write(
                to: HTMLReport.defaultPath(directory: directory))
        })
        ticker.cancel()
        interruption.stop()
        display.finish(outcome.progress)

        if let signal = interruption.signal {
            let name = signal == SIGINT ? "SIGINT" : "SIGTERM"
            let p = outcome.progress
            Terminal.writeError("""
                aegrid: interrupted by \(name): \(p.done) of \(p.total) trials recorded \
                (\(p.done - p.resumed) this run, \(p.diverged) diverged, \(p.failed) failed); \
                trials in flight were discarded. Rerun the same command to resume.\n
                """)
            throw ExitCode(128 + signal)
        }
        let files = outcome.files
        print(outcome.leaderboard, terminator: outcome.leaderboard.hasSuffix("\n") ? "" : "\n")
        print("results: \(files.joined(separator: ", "))")
        timings.mark("leaderboard printed")
        // `AEGRID_TIMINGS=1`: where this process's time went, one line for scripts/search-phases.py.
        if SearchTimings.requested { Terminal.writeError("aegrid: timings \(timings.jsonLine)\n") }
        if let first = outcome.failures.first {
            // Every other result is written; the status says some trials could not run, and the line says why.
            let count = outcome.failures.count, total = outcome.progress.total
            let point = first.parameters.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }
            Terminal.writeError("aegrid: error: \(count) of \(total) trial\(total == 1 ? "" : "s") could not be trained "
                                + "and \(count == 1 ? "is" : "are") recorded as failed in \(files[0]); trial "
                                + "\(first.trialID) (\(point.joined(separator: ", "))): \(first.reason ?? "no reason recorded")\n")
            throw ExitCode.failure
        }
    }

    var halvingSettings: HalvingSettings? {
        halving ? HalvingSettings(factor: factor, minEpochs: minEpochs, maxEpochs: maxEpochs,
                                  aggressiveElimination: aggressiveElimination) : nil
    }
}

/// The search a signal cancels: the signal may come while `Search.init` is still loading the data, before there is a
/// search to cancel; `set` then cancels it as soon as it exists.
final class PendingSearch: Sendable {
    /// The search once it exists, and whether a signal already asked to cancel.
    private let state = Mutex<(search: Search?, cancelled: Bool)>((nil, false))

    func set(_ search: Search) {
        let cancel = state.withLock { state in
            state.search = search
            return state.cancelled
        }
        if cancel { search.cancel() }
    }

    func cancel() {
        let search = state.withLock { state in
            state.cancelled = true
            return state.search
        }
        search?.cancel()
    }
}
