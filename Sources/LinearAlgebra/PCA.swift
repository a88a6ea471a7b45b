/// Why a PCA could not be fitted.
public enum PCAError: Error, Equatable, CustomStringConvertible {
    /// The training matrix has no rows or no columns.
    case emptyTrainingData(rows: Int, columns: Int)
    /// A training value is NaN or infinite.
    case nonFinite(row: Int, column: Int, value: Float)
    /// The eigen-decomposition of the covariance failed (practically never: non-convergence).
    case eigen(EigenError)

    public var description: String {
        switch self {
        case .emptyTrainingData(let rows, let columns):
            return "PCA needs at least one training row and one column; got \(rows)×\(columns)"
        case .nonFinite(let row, let column, let value):
            return "PCA: training value at row \(row), column \(column) is \(value); the data must be finite"
        case .eigen(let error): return "PCA: \(error)"
        }
    }
}

/// Principal component analysis fitted on training rows: the reconstruction error of the best rank-k linear
/// model, which is the floor for a linear autoencoder with a k-unit bottleneck (and the baseline the grid search
/// reports beside every latent size).
///
/// Matches `sklearn.decomposition.PCA(n_components=k, svd_solver="full")`: rows are centred on the training mean;
/// the axes are the eigenvectors of the training covariance. Everything is accumulated in Double from the `Float`
/// data. Reconstruction is `x̂ = μ + Σ_{i<k} ((x − μ)·vᵢ) vᵢ`.
public struct PCA: Sendable {
    /// Number of columns of the training data (`d`).
    public let featureCount: Int
    /// Number of training rows the PCA was fitted on.
    public let sampleCount: Int
    /// Column means of the training rows (length `d`).
    public let mean: [Double]
    /// Row-major `d×d`: row `i` is the i-th principal axis (unit length), in order of decreasing variance.
    public let components: [Double]
    /// Variance of the training rows along each axis (eigenvalues of the covariance with `n − 1` in the
    /// denominator, as sklearn's `explained_variance_`; all zero when `n == 1`). Descending, length `d`.
    public let explainedVariance: [Double]

    /// Fits on `train` (`n×d`, `n ≥ 1`, `d ≥ 1`, every value finite, else `PCAError`). Cost: `n·d²/2` multiply-adds for the covariance plus one
    /// `d×d` symmetric eigen-decomposition (`solver`, LAPACK by default in the BLAS build).
    public static func fit(_ train: Matrix, solver: EigenSolver = .buildDefault) throws -> PCA {
        let n = train.rows, d = train.columns
        guard n >= 1, d >= 1 else { throw PCAError.emptyTrainingData(rows: n, columns: d) }
        if let bad = train.elements.firstIndex(where: { !$0.isFinite }) {
            throw PCAError.nonFinite(row: bad / d, column: bad % d, value: train.elements[bad])
        }
        let mean = columnMeans(train)
        let scatter = centredScatter(train, mean: mean)
        let eigen: SymmetricEigen
        do {
            eigen = try SymmetricEigen(symmetric: scatter, dimension: d, solver: solver)
        } catch let error as EigenError {
            throw PCAError.eigen(error)
        }
        let denominator = Double(max(n - 1, 1))
        return PCA(featureCount: d, sampleCount: n, mean: mean, components: eigen.eigenvectors,
                   explainedVariance: eigen.eigenvalues.map { max($0, 0) / denominator })
    }

    /// The fraction of the training variance each axis explains (sklearn's `explained_variance_ratio_`);
    /// all zero when the training rows have no variance.
    public var explainedVarianceRatio: [Double] {
        let total = explainedVariance.reduce(0, +)
        return explainedVariance.map { total > 0 ? $0 / total : 0 }
    }

    /// The fraction of the training variance the first `k` axes explain together (0 for `k = 0`).
    public func explainedVarianceRatio(components k: Int) -> Double {
        precondition(k >= 0, "PCA: negative number of components \(k)")
        return explainedVarianceRatio.prefix(k).reduce(0, +)
    }

    /// Mean over all `rows × d` entries of `(x − x̂)²` when `x` is reconstructed from its first `k` components.
    ///
    /// `k = 0` reconstructs every row as the training mean; `k ≥ d` uses every axis (error 0 up to rounding).
    /// `x` must have `d` columns; an `x` with no rows gives NaN.
    public func reconstructionMSE(_ x: Matrix, components k: Int) -> Double {
        reconstructionMSEs(x, components: [k])[k]!
    }

    /// `reconstructionMSE` for several `k` in one pass over `x` (cost `rows·d·max(k)` multiply-adds).
    ///
    /// Uses `‖x − x̂‖² = ‖x − μ‖² − Σ_{i<k} ((x − μ)·vᵢ)²`, exact for orthonormal axes; the result is clamped at 0.
    public func reconstructionMSEs(_ x: Matrix, components ks: [Int]) -> [Int: Double] {
        precondition(x.columns == featureCount,
                     "PCA: data has \(x.columns) columns but the PCA was fitted on \(featureCount)")
        precondition(ks.allSatisfy { $0 >= 0 }, "PCA: negative number of components in \(ks)")
        let d = featureCount
        let kMax = min(ks.max() ?? 0, d)
        var total = 0.0
        var captured = [Double](repeating: 0, count: kMax)  // Σ over rows of the squared projection on axis i
        var centred = [Double](repeating: 0, count: d)
        x.elements.withUnsafeBufferPointer { xs in
            components.withUnsafeBufferPointer { axes in
                for r in 0 ..< x.rows {
                    for j in 0 ..< d {
                        let c = Double(xs[r * d + j]) - mean[j]
                        centred[j] = c
                        total += c * c
                    }
                    for i in 0 ..< kMax {
                        var p = 0.0
                        for j in 0 ..< d { p += axes[i * d + j] * centred[j] }
                        captured[i] += p * p
                    }
                }
            }
        }
        let entries = Double(x.rows * d)
        var result: [Int: Double] = [:]
        for k in ks {
            let explained = captured.prefix(min(k, d)).reduce(0, +)
            result[k] = max(total - explained, 0) / entries
        }
        return result
    }

    /// The rows of `x` reconstructed from their first `k` components (`k = 0`: the training mean), in Float.
    public func reconstruct(_ x: Matrix, components k: Int) -> Matrix {
        precondition(x.columns == featureCount,
                     "PCA: data has \(x.columns) columns but the PCA was fitted on \(featureCount)")
        precondition(k >= 0, "PCA: negative number of components \(k)")
        let d = featureCount, kUsed = min(k, d)
        var out = Matrix(rows: x.rows, columns: d)
        var centred = [Double](repeating: 0, count: d)
        var rebuilt = [Double](repeating: 0, count: d)
        for r in 0 ..< x.rows {
            for j in 0 ..< d {
                centred[j] = Double(x.elements[r * d + j]) - mean[j]
                rebuilt[j] = mean[j]
            }
            for i in 0 ..< kUsed {
                var p = 0.0
                for j in 0 ..< d { p += components[i * d + j] * centred[j] }
                for j in 0 ..< d { rebuilt[j] += p * components[i * d + j] }
            }
            for j in 0 ..< d { out.elements[r * d + j] = Float(rebuilt[j]) }
        }
        return out
    }

    private static func columnMeans(_ x: Matrix) -> [Double] {
        let d = x.columns
        var sums = [Double](repeating: 0, count: d)
        x.elements.withUnsafeBufferPointer { xs in
            for r in 0 ..< x.rows {
                for j in 0 ..< d { sums[j] += Double(xs[r * d + j]) }
            }
        }
        return sums.map { $0 / Double(x.rows) }
    }

    /// `Σ_rows (x − μ)(x − μ)ᵀ`, full `d×d` (upper triangle accumulated, then mirrored).
    private static func centredScatter(_ x: Matrix, mean: [Double]) -> [Double] {
        let d = x.columns
        let blockRows = 32
        var scatter = [Double](repeating: 0, count: d * d)
        var block = [Double](repeating: 0, count: blockRows * d)
        x.elements.withUnsafeBufferPointer { xs in
            scatter.withUnsafeMutableBufferPointer { s in
                block.withUnsafeMutableBufferPointer { blk in
                    var start = 0
                    while start < x.rows {
                        let count = min(blockRows, x.rows - start)
                        for r in 0 ..< count {
                            for j in 0 ..< d { blk[r * d + j] = Double(xs[(start + r) * d + j]) - mean[j] }
                        }
                        // Row i of the upper triangle stays in cache while the block's rows stream past it.
                        for i in 0 ..< d {
                            for r in 0 ..< count {
                                let xi = blk[r * d + i]
                                if xi == 0 { continue }
                                for j in i ..< d { s[i * d + j] += xi * blk[r * d + j] }
                            }
                        }
                        start += count
                    }
                }
            }
        }
        for i in 0 ..< d {
            for j in 0 ..< i { scatter[i * d + j] = scatter[j * d + i] }
        }
        return scatter
    }
}
