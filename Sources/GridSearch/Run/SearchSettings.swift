import DataFiles

/// Everything `aegrid search` decides before training: where the data and grid are, how trials are scored, and
/// what happens at the end. The CLI fills it from its flags; a program can fill it directly.
public struct SearchSettings: Sendable {
    /// How a trial's score (mean squared reconstruction error, lower is better) is measured.
    public enum Evaluation: Equatable, Sendable {
        /// Train on the training file, score on the test file.
        case testFile(String)
        /// Hold out a seeded random `fraction` of the training file as the test part (0 < fraction < 1).
        case holdout(fraction: Double)
        /// K-fold cross-validation over the training file; the score is the mean of the fold scores (GridSearchCV).
        case crossValidation(folds: Int)
    }

    /// On what the best configuration is retrained to produce `best.safetensors`.
    public enum Refit: String, CaseIterable, Sendable {
        /// The training part (the same data its score came from).
        case train
        /// All the data: the training part plus the test part (or every row, under cross-validation).
        case all
        /// No refit, no model file.
        case none
    }

    /// The training data file (CSV / TSV / `.npy` / IDX).
    public var trainPath: String
    public var evaluation: Evaluation
    /// A grid file (`.json`, `.yaml`, `.yml`) or an inline JSON grid.
    public var grid: String
    /// The results directory (created if missing).
    public var outputDirectory: String
    /// Trials trained side by side; nil means one per core.
    public var jobs: Int?
    /// The base seed every trial's seed, the split and the folds derive from.
    public var seed: UInt64
    public var scaling: Scaling
    public var refit: Refit
    /// Rows in the leaderboard.
    public var top: Int
    /// Run only this shard of the grid (nil: the whole grid).
    public var shard: ShardID?
    /// What the trainers may allocate together (nil: no limit). A trial whose buffers would not fit in its share
    /// (the budget less the data, divided among the jobs) is recorded as failed, naming both sizes.
    public var memoryBudget: MemoryBudget? = nil
    /// Successive halving over epochs instead of training every point to its end (`--halving`; nil: a plain search).
    public var halving: HalvingSettings?
    /// Randomized search: train this many points sampled from the grid (`--n-iter`; nil: every point).
    public var sampleCount: Int?

    public init(
        trainPath: String, evaluation: Evaluation = .holdout(fraction: 0.2), grid: String, outputDirectory: String,
        jobs: Int? = nil, seed: UInt64 = 0, scaling: Scaling = .none, refit: Refit = .train, top: Int = 10,
        shard: ShardID? = nil
    ) {
        self.trainPath = trainPath
        self.evaluation = evaluation
        self.grid = grid
        self.outputDirectory = outputDirectory
        self.jobs = jobs
        self.seed = seed
        self.scaling = scaling
        self.refit = refit
        self.top = top
        self.shard = shard
    }

    /// The settings a results directory was made with, read back from its manifest (for `aegrid merge --refit`,
    /// which retrains the best trial exactly as a single run would). Throws when the manifest lacks them.
    public init(manifest: ResultsManifest, directory: String, refit: Refit = .train, top: Int = 10) throws {
        let entries = manifest.settings
        func missing(_ what: String) -> ResultsError {
            ResultsError.manifestMismatch(directory: directory, detail: "its manifest.json does not record \(what)")
        }
        guard let trainPath = manifest.trainPath else { throw missing("the training data path") }
        guard let seed = entries["seed"].flatMap(UInt64.init) else { throw missing("the seed") }
        guard let scaling = entries["scale"].flatMap(Scaling.init(rawValue:)) else { throw missing("the scaling") }
        let evaluation: Evaluation
        switch entries["evaluation"] {
        case "test-file":
            guard let test = manifest.testPath else { throw missing("the test data path") }
            evaluation = .testFile(test)
        case "holdout":
            guard let fraction = entries["test_fraction"].flatMap(Double.init) else { throw missing("the test fraction") }
            evaluation = .holdout(fraction: fraction)
        case "cv":
            guard let folds = entries["cv_folds"].flatMap(Int.init) else { throw missing("the number of folds") }
            evaluation = .crossValidation(folds: folds)
        default:
            throw missing("how trials were scored")
        }
        self.init(trainPath: trainPath, evaluation: evaluation, grid: manifest.grid, outputDirectory: directory,
                  seed: seed, scaling: scaling, refit: refit, top: top)
    }
}

extension SearchSettings.Evaluation {
    /// The test file, when trials are scored on one.
    public var testPath: String? {
        if case let .testFile(path) = self { return path }
        return nil
    }
}
