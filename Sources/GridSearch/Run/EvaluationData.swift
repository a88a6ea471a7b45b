import Foundation
import LinearAlgebra
import DataFiles
import Synchronization

/// One train/test split of the data, scaled by a scaler fitted on its training part only. Shared read-only by every
/// worker of a search.
public final class EvaluationFold: Sendable {
    /// The training part, scaled.
    public let training: Matrix
    /// The test part, scaled with the training part's scaler.
    public let test: Matrix
    /// The scaler fitted on the training part.
    public let scaler: FittedScaler

    /// The early-stopping split, made by the first trial that needs it.
    private let earlyStopping = Mutex<(training: Matrix, validation: Matrix)?>(nil)

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
        earlyStopping.withLock { earlyStopping in
            if let earlyStopping { return earlyStopping }
            let rows = training.rows
            let validationRows = min(rows - 1, max(1, Int((Double(rows) * Self.validationFraction).rounded(.down))))
            let split = (training: training.gatheringRows(Array(0 ..< rows - validationRows)),
                         validation: training.gatheringRows(Array(rows - validationRows ..< rows)))
            earlyStopping = split
            return split
        }
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
                               scaling: Scaling, limit: LoadLimit? = nil) throws -> EvaluationData {
        var train = try Dataset.load(path: trainPath, limit: limit)
        switch evaluation {
        case let .testFile(testPath):
            var test = try Dataset.load(path: testPath, limit: limit)
            try Dataset.checkCompatible(train: train, test: test)
            let (rows, columns) = (train.matrix.rows, train.matrix.columns)
            let fingerprint = "\(train.fingerprint)+\(test.fingerprint)"
            // Moved out of the datasets so they are scaled in place, not copied.
            var training = train.matrix, testPart = test.matrix
            train.matrix = Matrix(rows: 0, columns: columns)
            test.matrix = Matrix(rows: 0, columns: columns)
            let fold = makeFold(training: &training, test: &testPart, scaling: scaling)
            return EvaluationData(folds: [fold], inputSize: columns, trainRows: rows, fingerprint: fingerprint)
        case let .holdout(fraction):
            let split = try Splits.trainTest(count: train.matrix.rows, testFraction: fraction, seed: seed)
            let (rows, columns, fingerprint) = (train.matrix.rows, train.matrix.columns, train.fingerprint)
            // The file's matrix becomes the training part in place, so a large dataset is held about once, not
            // three times (file, gathered parts, scaled parts).
            var matrix = train.matrix
            train.matrix = Matrix(rows: 0, columns: columns)
            var (training, test) = splitInPlace(&matrix, training: split.train, test: split.test)
            let fold = makeFold(training: &training, test: &test, scaling: scaling)
            return EvaluationData(folds: [fold], inputSize: columns, trainRows: rows, fingerprint: fingerprint)
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
        var training = training, test = test
        return makeFold(training: &training, test: &test, scaling: scaling)
    }

    /// Scales both parts in place: when the caller holds the only reference, no part is ever held twice.
    private static func makeFold(training: inout Matrix, test: inout Matrix, scaling: Scaling) -> EvaluationFold {
        let scaler = FittedScaler.fit(training, kind: scaling)
        scaler.transformInPlace(&training)
        scaler.transformInPlace(&test)
        return EvaluationFold(training: training, test: test, scaler: scaler)
    }

    /// `(matrix.gatheringRows(training), matrix.gatheringRows(test))` for a partition of the rows (`training` and
    /// `test` together list every row once), reusing `matrix`'s storage for the training part: the test rows are
    /// copied out, then the rows are permuted in place (cycle by cycle, one row of scratch) so the training rows
    /// come first in `training`'s order, and the tail is dropped. `matrix` is left empty.
    static func splitInPlace(_ matrix: inout Matrix, training: [Int], test: [Int]) -> (training: Matrix, test: Matrix) {
        let rows = matrix.rows, columns = matrix.columns
        precondition(training.count + test.count == rows, "splitInPlace: \(training.count) + \(test.count) indices for \(rows) rows")
        let testPart = matrix.gatheringRows(test)
        var elements = matrix.elements
        matrix = Matrix(rows: 0, columns: columns)
        let order = training + test  // new row i is old row order[i]
        var placed = [Bool](repeating: false, count: rows)
        var scratch = [Float](repeating: 0, count: columns)
        elements.withUnsafeMutableBufferPointer { e in
            scratch.withUnsafeMutableBufferPointer { tmp in
                let base = e.baseAddress!, row = tmp.baseAddress!
                for start in 0 ..< rows where !placed[start] {
                    placed[start] = true
                    if order[start] == start { continue }
                    row.update(from: base + start * columns, count: columns)
                    var target = start
                    while order[target] != start {
                        let source = order[target]
                        (base + target * columns).update(from: base + source * columns, count: columns)
                        placed[source] = true
                        target = source
                    }
                    (base + target * columns).update(from: row, count: columns)
                }
            }
        }
        elements.removeLast(test.count * columns)
        releaseUnusedCapacity(of: &elements)
        return (Matrix(rows: training.count, columns: columns, elements: elements), testPart)
    }

    /// Hands the whole pages of `array`'s spare capacity (the rows moved to the test part) back to the kernel, so
    /// they stop counting as resident memory; the array never reads past its count, and a page touched again
    /// later would come back zero-filled.
    private static func releaseUnusedCapacity(of array: inout [Float]) {
        let page = sysconf(Int32(_SC_PAGESIZE))
        guard page > 0 else { return }
        let count = array.count, capacity = array.capacity
        array.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            let used = UInt(bitPattern: base + count), end = UInt(bitPattern: base + capacity)
            let start = (used + UInt(page) - 1) / UInt(page) * UInt(page), stop = end / UInt(page) * UInt(page)
            if stop > start { _ = madvise(UnsafeMutableRawPointer(bitPattern: start), Int(stop - start), MADV_DONTNEED) }
        }
    }
}
