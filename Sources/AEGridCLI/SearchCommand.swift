import ArgumentParser
import GridSearch
import DataFiles

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

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Trials trained side by side (default: the number of cores; at most 4096, and never more than the trials).", valueName: "n"))
    var jobs: Int?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Base seed of every trial, of the split and of the folds.", valueName: "s"))
    var seed: UInt64 = 0

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Fraction of --train held out for scoring when there is no --test (0 < f < 1).", valueName: "f"))
    var testFraction: Double?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("K-fold cross-validation on --train instead of a held-out part (K >= 2); the score is the mean over folds.", valueName: "k"))
    var cv: Int?

    @Option(name: .long, help: "Feature scaling, fitted on the training part only and stored with the model.")
    var scale: Scaling = .none

    @Option(name: .long, help: "Retrain the best configuration on the training part or on all the data, for best.safetensors.")
    var refit: SearchSettings.Refit = .train

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Rows in the leaderboard.", valueName: "k"))
    var top: Int = 10

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Run only shard K of N (0-based), e.g. 2/8. Default: from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX.", valueName: "K/N"))
    var shard: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("The number of shards when the index comes from SLURM_ARRAY_TASK_ID or JOB_COMPLETION_INDEX (or set AEGRID_SHARDS; default: the array size, or the count in DIR/manifest.json).", valueName: "n"))
    var shards: Int?

    @Option(name: .long, help: ArgumentHelp("Memory the trainers may use together, e.g. 8G or 512M (default: 3/4 of the cgroup limit, or of physical memory). A trial that does not fit in its share is recorded as failed.", valueName: "size"))
    var maxMemory: String?

    @OptionGroup var strategy: SearchStrategyOptions

    @OptionGroup var output: OutputOptions

    /// The options as plain values: what is validated and run.
    var request: SearchRequest {
        SearchRequest(
            train: train, test: test, grid: grid, out: out, jobs: jobs, seed: seed, testFraction: testFraction,
            cv: cv, scale: scale, refit: refit, top: top, shard: shard, shards: shards, maxMemory: maxMemory,
            halving: strategy.halving, factor: strategy.factor, minEpochs: strategy.minEpochs,
            maxEpochs: strategy.maxEpochs, aggressiveElimination: strategy.aggressiveElimination,
            nIter: strategy.nIter, quiet: output.quiet)
    }

    func validate() throws { try request.validate() }

    func run() throws { try request.run() }
}
