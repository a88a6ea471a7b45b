import Foundation
import LinearAlgebra

/// One train/test split of the data, scaled by a scaler fitted on its training part only. Shared read-only by every
/// worker of a search.
public final class EvaluationFold: @unchecked Sendable {
    /// The training part, scaled.
    public let training: Matrix
    /// The test part, scaled with the training part's scaler.
    public let test: Matrix
    /// The scaler fitted on the training part.
    public let scaler: FittedScaler

    private let lock = NSLock()
    private var earlyStopping: (training: Matrix, validation: Matrix)?

    init(training: Matrix, test: Matrix, scaler: FittedScaler) {
        self.training = training
        self.test = test
        self.scaler = scaler
    }

    /// The fraction of the training part held out as validation data for trials with `patience`.
    public static let validationFraction = 0.1

    /// The training part split for early stopping the way Keras's `validation_split=0.1` splits it: the LAST 10 %
    /// of the rows (at least one) are the validation data, the rest are trained on; no shuffling first. The test
    /// part is never used for early stopping. Computed on first use, then shared.
    public func earlyStoppingSplit() -> (training: Matrix, validation: Matrix) {
        lock.lock()
        defer { lock.unlock() }
        if let earlyStopping { return earlyStopping }
        let rows = training.rows
        let validationRows = min(rows - 1, max(1, Int((Double(rows) * Self.validationFraction).rounded(.down))))
        let split = (training: training.gatheringRows(Array(0 ..< rows - validationRows)),
                     validation: training.gatheringRows(Array(rows - validationRows ..< rows)))
        earlyStopping = split
        return split
    }
}

/// The data a search scores trials on: one fold for a test file or a held-out fraction, K folds for
/// cross-validation. The raw files are not kept: only the scaled parts the trials use.
public struct EvaluationData: Sendable {
    public var folds: [EvaluationFold]
    /// Columns of every row (the autoencoder's input size).
    public var inputSize: Int
    /// Rows of the training data file.
    public var trainRows: Int
    /// A stable fingerprint of the data files' contents (shape and bytes), for the results log's resume check.
    public var fingerprint: String

    /// Loads and prepares the data. Splits and folds are seeded by `seed`; each fold's scaler is fitted on that
    /// fold's training part only.
    public static func prepare(trainPath: String, evaluation: SearchSettings.Evaluation, seed: UInt64,
                               scaling: Scaling) throws -> EvaluationData {
        let train = try Dataset.load(path: trainPath)
        switch evaluation {
        case let .testFile(testPath):
            let test = try Dataset.load(path: testPath)
            try Dataset.checkCompatible(train: train, test: test)
            let fold = makeFold(training: train.matrix, test: test.matrix, scaling: scaling)
            return EvaluationData(folds: [fold], inputSize: train.matrix.columns, trainRows: train.matrix.rows,
                                  fingerprint: "\(train.fingerprint)+\(test.fingerprint)")
        case let .holdout(fraction):
            let split = try Splits.trainTest(count: train.matrix.rows, testFraction: fraction, seed: seed)
            let fold = makeFold(training: train.matrix.gatheringRows(split.train),
                                test: train.matrix.gatheringRows(split.test), scaling: scaling)
            return EvaluationData(folds: [fold], inputSize: train.matrix.columns, trainRows: train.matrix.rows,
                                  fingerprint: train.fingerprint)
        case let .crossValidation(folds):
            let parts = try Splits.kFold(count: train.matrix.rows, folds: folds, seed: seed).map {
                makeFold(training: train.matrix.gatheringRows($0.train), test: train.matrix.gatheringRows($0.test),
                         scaling: scaling)
            }
            return EvaluationData(folds: parts, inputSize: train.matrix.columns, trainRows: train.matrix.rows,
                                  fingerprint: train.fingerprint)
        }
    }

    /// All the data as one training set (for `--refit all`): the training file plus the test file, or every row of
    /// the training file; scaled by a scaler fitted on all of it.
    public static func allRows(trainPath: String, evaluation: SearchSettings.Evaluation,
                               scaling: Scaling) throws -> (training: Matrix, scaler: FittedScaler) {
        let train = try Dataset.load(path: trainPath)
        var matrix = train.matrix
        if case let .testFile(testPath) = evaluation {
            let test = try Dataset.load(path: testPath)
            try Dataset.checkCompatible(train: train, test: test)
            matrix = Matrix(rows: train.matrix.rows + test.matrix.rows, columns: train.matrix.columns,
                            elements: train.matrix.elements + test.matrix.elements)
        }
        let scaler = FittedScaler.fit(matrix, kind: scaling)
        return (scaler.transform(matrix), scaler)
    }

    private static func makeFold(training: Matrix, test: Matrix, scaling: Scaling) -> EvaluationFold {
        let scaler = FittedScaler.fit(training, kind: scaling)
        return EvaluationFold(training: scaler.transform(training), test: scaler.transform(test), scaler: scaler)
    }
}
