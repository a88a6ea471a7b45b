import Foundation
import LinearAlgebra
import DataFiles

/// PCA's reconstruction error per number of components on a search's own split: the best any linear autoencoder
/// with that bottleneck can do on its training data, so the leaderboard shows what the non-linear model buys.
public struct PCABaseline: Sendable, Codable {
    public struct Row: Sendable, Codable {
        public var components: Int
        /// Mean over folds of the test part's MSE (mean over all entries of (x − x̂)², in the scaled units).
        public var testMSE: Double
        public var trainMSE: Double
        /// Fraction of the training part's variance the components explain (mean over folds).
        public var explainedVariance: Double
    }

    public var rows: [Row]
    /// Why the baseline was not computed (too wide for the memory budget), or nil.
    public var skipped: String? = nil
    /// Requested component counts above `rank` (the smaller of the columns and the training rows), which PCA
    /// cannot have and the rows leave out; not written to `pca_baseline.json`.
    public var leftOut: [Int] = []
    public var rank = 0

    enum CodingKeys: String, CodingKey { case rows, skipped }

    public init(rows: [Row], skipped: String? = nil) {
        self.rows = rows
        self.skipped = skipped
    }

    /// An upper bound of what PCA allocates for `columns` features: the scatter matrix, the eigenvectors and the
    /// eigen-solver's workspace, about 4·columns² Doubles; nil past `Int`'s range.
    public static func estimatedBytes(columns: Int) -> Int? {
        let (square, overflow) = columns.multipliedReportingOverflow(by: columns)
        let (bytes, overflow2) = square.multipliedReportingOverflow(by: 4 * MemoryLayout<Double>.size)
        return overflow || overflow2 ? nil : bytes
    }

    /// Why PCA on `columns` features does not fit in `budget` bytes, or nil when it fits (or there is no budget).
    public static func memoryRefusal(columns: Int, budget: MemoryBudget?) -> String? {
        guard let budget else { return nil }
        let needed = estimatedBytes(columns: columns)
        if let needed, needed <= budget.bytes { return nil }
        return "PCA on \(columns) columns needs "
            + (needed.map { "about \(MemoryBudget.format($0))" } ?? "more bytes than a 64-bit integer counts")
            + " (its \(columns)×\(columns) covariance and eigenvectors), over the memory budget of \(budget)"
    }

    /// The test MSE of `components` components, if computed.
    public func testMSE(components: Int) -> Double? {
        rows.first { $0.components == components }?.testMSE
    }

    /// The explained variance at which PCA is taken to keep all of the training data's variance: its reconstruction
    /// error is then rounding, and no ratio to it means anything.
    public static let wholeVariance = 1 - 1e-6

    /// Whether `components` components, if computed, keep all of the training data's variance (as many as its
    /// rank, or more than its constant columns leave): a latent layer that wide has nothing to compress.
    public func keepsAllVariance(components: Int) -> Bool {
        guard let row = rows.first(where: { $0.components == components }) else { return false }
        return row.explainedVariance >= Self.wholeVariance
    }

    /// PCA fitted on each fold's training part, scored on its test part; component counts above the number of
    /// columns or training rows are left out.
    public static func compute(folds: [EvaluationFold], components: [Int],
                               budget: MemoryBudget? = nil) throws -> PCABaseline {
        guard let first = folds.first else { return PCABaseline(rows: []) }
        if let reason = memoryRefusal(columns: first.training.columns, budget: budget) {
            return PCABaseline(rows: [], skipped: reason)
        }
        let limit = min(first.training.columns, first.training.rows)
        let counts = Array(Set(components.filter { $0 >= 0 && $0 <= limit })).sorted()
        var sums = Array(repeating: (test: 0.0, train: 0.0, variance: 0.0), count: counts.count)
        for fold in folds {
            let pca = try PCA.fit(fold.training)
            let test = pca.reconstructionMSEs(fold.test, components: counts)
            let train = pca.reconstructionMSEs(fold.training, components: counts)
            for (i, k) in counts.enumerated() {
                sums[i].test += test[k] ?? .nan
                sums[i].train += train[k] ?? .nan
                sums[i].variance += pca.explainedVarianceRatio(components: k)
            }
        }
        let n = Double(folds.count)
        var baseline = PCABaseline(rows: counts.enumerated().map { i, k in
            Row(components: k, testMSE: sums[i].test / n, trainMSE: sums[i].train / n,
                explainedVariance: sums[i].variance / n)
        })
        baseline.leftOut = Array(Set(components.filter { $0 > limit })).sorted()
        baseline.rank = limit
        return baseline
    }

    /// Loads the data as `aegrid search` would (same split for the same seed) and computes the table. Without
    /// `components`: 0, 1, 2, 4, 8, … up to the number of columns, and the number of columns itself.
    public static func compute(trainPath: String, evaluation: SearchSettings.Evaluation, seed: UInt64,
                               scaling: Scaling, components: [Int]?, budget: MemoryBudget? = nil) throws -> PCABaseline {
        let data = try EvaluationData.prepare(trainPath: trainPath, evaluation: evaluation, seed: seed,
                                              scaling: scaling)
        var counts = components ?? []
        if components == nil {
            counts = [0]
            var k = 1
            while k < data.inputSize { counts.append(k); k *= 2 }
            counts.append(data.inputSize)
        }
        return try compute(folds: data.folds, components: counts, budget: budget)
    }

    /// A fixed-width table: components, test MSE, train MSE, explained variance.
    public var text: String {
        var lines = ["components   test MSE     train MSE    explained variance"]
        for row in rows {
            lines.append(
                String(format: "%10d   %-11.6g  %-11.6g  %.4f", row.components, row.testMSE, row.trainMSE,
                       row.explainedVariance))
        }
        return lines.joined(separator: "\n")
    }
}
