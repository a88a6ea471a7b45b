import Foundation
import SearchSpace

/// One finished trial: one line of `results.jsonl` (JSON, keys in snake_case, sorted).
///
/// Scores are mean squared reconstruction errors (lower is better). `test_score` is the MSE on the test part, or
/// for K-fold cross-validation the mean of `fold_scores` with `test_score_std` their population standard deviation
/// (numpy's `std`, as scikit-learn's `std_test_score`). Non-finite numbers (a diverged loss) are written as the
/// strings "NaN", "Infinity", "-Infinity". Interrupted trials are never written: they rerun on resume.
public struct TrialRecord: Codable, Equatable, Sendable {
    public enum Status: String, Codable, Sendable, CaseIterable {
        /// Trained to the end (or stopped early) with finite losses.
        case ok
        /// The loss became NaN or infinite; `reason` says where.
        case diverged
        /// Training could not run (e.g. an invalid configuration for this data); `reason` says why.
        case failed
    }

    /// One epoch of training (averaged over folds for cross-validation).
    public struct Epoch: Codable, Equatable, Sendable {
        public var epoch: Int
        public var loss: Double
        public var validationLoss: Double?
        public var seconds: Double

        public init(epoch: Int, loss: Double, validationLoss: Double? = nil, seconds: Double) {
            self.epoch = epoch
            self.loss = loss
            self.validationLoss = validationLoss
            self.seconds = seconds
        }

        enum CodingKeys: String, CodingKey, CaseIterable {
            case epoch, loss, seconds
            case validationLoss = "val_loss"
        }
    }

    public var trialID: String
    public var index: Int
    /// Canonical parameters (`TrialConfiguration.parameters`) as key → value.
    public var parameters: [String: ParameterValue]
    public var status: Status
    public var reason: String?
    /// Final training loss (of the restored best weights when early stopping restores them).
    public var trainLoss: Double?
    /// Test MSE, or the mean fold MSE under cross-validation; nil when the trial did not finish training.
    public var testScore: Double?
    /// Population standard deviation of `foldScores` (cross-validation only).
    public var testScoreStd: Double?
    /// Per-fold test MSE (cross-validation only), fold 0 first.
    public var foldScores: [Double]?
    public var epochsRun: Int
    public var bestEpoch: Int?
    public var history: [Epoch]
    /// Wall-clock seconds of training (for cross-validation: the mean over folds; see `foldFitSeconds`).
    public var fitSeconds: Double
    public var foldFitSeconds: [Double]?
    /// The training seed (`TrialConfiguration.seed`).
    public var seed: UInt64

    public init(trialID: String, index: Int, parameters: [String: ParameterValue], status: Status,
                reason: String? = nil, trainLoss: Double? = nil, testScore: Double? = nil, testScoreStd: Double? = nil,
                foldScores: [Double]? = nil, epochsRun: Int, bestEpoch: Int? = nil, history: [Epoch] = [],
                fitSeconds: Double, foldFitSeconds: [Double]? = nil, seed: UInt64) {
        self.trialID = trialID
        self.index = index
        self.parameters = parameters
        self.status = status
        self.reason = reason
        self.trainLoss = trainLoss
        self.testScore = testScore
        self.testScoreStd = testScoreStd
        self.foldScores = foldScores
        self.epochsRun = epochsRun
        self.bestEpoch = bestEpoch
        self.history = history
        self.fitSeconds = fitSeconds
        self.foldFitSeconds = foldFitSeconds
        self.seed = seed
    }

    /// A record for `trial` with its identity fields filled in.
    public init(trial: TrialConfiguration, status: Status, reason: String? = nil, epochsRun: Int, fitSeconds: Double) {
        self.init(trialID: trial.trialID, index: trial.index,
                  parameters: Dictionary(uniqueKeysWithValues: trial.parameters.map { ($0.key, $0.value) }),
                  status: status, reason: reason, epochsRun: epochsRun, fitSeconds: fitSeconds, seed: trial.seed)
    }

    enum CodingKeys: String, CodingKey, CaseIterable {
        case index, parameters, status, reason, history, seed
        case trialID = "trial_id"
        case trainLoss = "train_loss"
        case testScore = "test_score"
        case testScoreStd = "test_score_std"
        case foldScores = "fold_scores"
        case epochsRun = "epochs_run"
        case bestEpoch = "best_epoch"
        case fitSeconds = "fit_seconds"
        case foldFitSeconds = "fold_fit_seconds"
    }

    // `jsonLine()` and `decode(line:)` are in TrialRecordJSON.swift. The Codable coders below write and read the same
    // lines through Foundation, 6 to 10 times slower; the tests hold the hand-written codec to them.

    static var encoder: JSONEncoder { JSONCoding.encoder() }

    static var decoder: JSONDecoder { JSONCoding.decoder() }
}
