import ArgumentParser
import Foundation
import GridSearch
import DataFiles
import SearchReport
import Synchronization

/// `aegrid search`: train every configuration of a grid, record each result as it ends, report, save the best model.
struct SearchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search",
        abstract: "Train every configuration of a grid in parallel and save the best model.",
        discussion: """
            Each finished trial is appended to DIR/results.jsonl at once (fsynced within 25 ms); rerunning the same command \
            resumes where it stopped. Ctrl-C stops starting trials and exits with a summary (a second Ctrl-C exits \
            at once). At the end DIR holds results.csv, best.json, leaderboard.txt and best.safetensors. Progress \
            (stderr) counts epochs of the whole plan, with an ETA from the planner's cost estimates.

            Example:
              aegrid search --train examples/seed/X_train.npy --test examples/seed/X_test.npy \\
                  --grid examples/seed/grid1.json --out runs/grid1 --jobs 2
              aegrid search --train data.csv --cv 5 --scale standard --out runs/cv \\
                  --grid '{"latent_dim": [2, 4], "encoder_units": [[16]], "output_activation": ["linear"], "epochs": [50, 200]}'

            Standardized data needs a linear output ("output_activation": ["linear"]): the default sigmoid \
            produces only (0, 1), and the search warns when a trial's output cannot reach the data.

            Successive halving (scikit-learn's HalvingGridSearchCV, epochs as the resource): every point trains \
            --min-epochs epochs, the best third continue (from where they stopped) to 3x as many, and so on up to \
            --max-epochs:
              aegrid search --train examples/digits/digits_X.csv --grid examples/digits/grid.yaml \\
                  --out runs/halving --halving --min-epochs 3 --max-epochs 27

            Randomized search (scikit-learn's RandomizedSearchCV): 20 points sampled from the grid with --seed:
              aegrid search --train examples/digits/digits_X.csv --grid examples/digits/grid.yaml \\
                  --out runs/random --n-iter 20 --seed 1
            """
    )

    @Option(name: .long, help: ArgumentHelp("Training data: CSV / TSV / space-separated (header detected), .npy, or IDX (.gz).", valueName: "file"))
    var train: String

    @Option(name: .long, help: ArgumentHelp("Test data scored by every trial (same columns as --train). Without it a seeded --test-fraction of --train is held out, or --cv folds are used.", valueName: "file"))
    var test: String?

    @Option(name: .long, help: ArgumentHelp("The grid: a .json / .yaml file, or inline JSON (scikit-learn param_grid: a dict of lists, or a list of them).", valueName: "file|json"))
    var grid: String

    @Option(name: .long, help: ArgumentHelp("The results directory (created if missing; an existing one is resumed).", valueName: "dir"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("Trials trained side by side (default: the number of cores).", valueName: "n"))
    var jobs: Int?

    @Option(name: .long, help: ArgumentHelp("Base seed of every trial, of the split and of the folds.", valueName: "s"))
    var seed: UInt64 = 0

    @Option(name: .long, help: ArgumentHelp("Fraction of --train held out for scoring when there is no --test (0 < f < 1).", valueName: "f"))
    var testFraction: Double?

    @Option(name: .long, help: ArgumentHelp("K-fold cross-validation on --train instead of a held-out part (K >= 2); the score is the mean over folds.", valueName: "k"))
    var cv: Int?

    @Option(name: .long, help: "Feature scaling, fitted on the training part only and stored with the model.")
    var scale: Scaling = .none

    @Option(name: .long, help: "Retrain the best configuration on the training part or on all the data, for best.safetensors.")
    var refit: SearchSettings.Refit = .train

    @Option(name: .long, help: ArgumentHelp("Rows in the leaderboard.", valueName: "k"))
    var top: Int = 10

    @Option(name: .long, help: ArgumentHelp("Run only shard K of N (0-based), e.g. 2/8. Default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.", valueName: "K/N"))
    var shard: String?

    @Option(name: .long, help: ArgumentHelp("The number of shards when the index comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (or set AEGRID_SHARDS; default: the array size, or the count in DIR/manifest.json).", valueName: "n"))
    var shards: Int?

    @Option(name: .long, help: ArgumentHelp("Memory the trainers may use together, e.g. 8G or 512M (default: 3/4 of the cgroup limit, or of physical memory). A trial that does not fit in its share is recorded as failed.", valueName: "size"))
    var maxMemory: String?

    @OptionGroup var strategy: SearchStrategyOptions

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if let maxMemory, MemoryBudget.parseSize(maxMemory) == nil {
            throw ValidationError("--max-memory must be a size such as 8G, 512M or 2000000000 (got '\(maxMemory)')")
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
        if top < 1 { throw ValidationError("--top must be at least 1 (got \(top))") }
        if let shards, shards < 1 { throw ValidationError("--shards must be at least 1 (got \(shards))") }
        if strategy.halving && shard != nil {
            throw ValidationError("--halving cannot run in shards: every rung waits for the whole previous rung, so "
                                  + "one machine runs it (docs/cluster.md)")
        }
        try strategy.validate()
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
        settings.halving = strategy.halvingSettings
        settings.sampleCount = strategy.nIter
        settings.memoryBudget = maxMemory.flatMap(MemoryBudget.parseSize)
            .map { MemoryBudget(bytes: $0, origin: "--max-memory \(maxMemory!)") } ?? MemoryBudget.detect()
        // Watch for signals before loading the data (which may take a while, or wait on a pipe) and before the first
        // line: a signal then still stops the search gracefully and prints the summary.
        let pending = PendingSearch()
        let interruption = Interruption { _ in pending.cancel() }
        timings.mark("settings")
        let search = try Search(settings: settings, timings: timings) { Terminal.writeError("aegrid: \($0)\n") }
        pending.set(search)
        if !output.quiet {
            if let shardChoice { Terminal.writeError("aegrid: running \(shardChoice.description)\n") }
            Terminal.writeError("aegrid: \(search.plan)\n")
            for warning in search.warnings { Terminal.writeError("aegrid: warning: \(warning)\n") }
        }

        let display = ProgressDisplay(quiet: output.quiet, redrawInPlace: Terminal.standardErrorIsTerminal,
                                      work: search.work)
        // Between recorded trials the line still moves: the timer redraws it from the trainers' epoch counts.
        let ticker = DispatchSource.makeTimerSource(queue: DispatchQueue(label: "aegrid.progress"))
        ticker.schedule(deadline: .now() + ProgressDisplay.tickInterval, repeating: ProgressDisplay.tickInterval)
        ticker.setEventHandler { display.tick() }
        ticker.resume()
        // A single run's page is drawn while the search's last files are written (a shard's directory is reported
        // whole by `aegrid merge`).
        let directory = settings.outputDirectory
        let outcome = try search.run(onProgress: { display.update($0) }, page: { sessions in
            try HTMLReport.load(directory: directory, sessions: sessions).write(
                to: (directory as NSString).appendingPathComponent(HTMLReport.fileName))
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
