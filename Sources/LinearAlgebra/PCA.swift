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

    /// `reconstructionMSE` for several `k` in one pass over `x`.
    ///
    /// Fast path: rows are processed in blocks of `blockRows`; each block is centred (in Double, rounded to
    /// Float), projected on the first `max(k)` axes and reconstructed with `GEMM` (Float), and the squared
    /// residuals `x − x̂` are summed in Double. Summing residuals (rather than subtracting the captured variance
    /// from the total) keeps the relative accuracy even when the error is tiny; the result agrees with the
    /// all-Double `reconstruct(_:components:)` to about 1e-6 relatively. Cost `≈ 4·rows·d·max(k)` flops.
    public func reconstructionMSEs(_ x: Matrix, components ks: [Int]) -> [Int: Double] {
        precondition(x.columns == featureCount,
                     "PCA: data has \(x.columns) columns but the PCA was fitted on \(featureCount)")
        precondition(ks.allSatisfy { $0 >= 0 }, "PCA: negative number of components in \(ks)")
        let d = featureCount
        let steps = Array(Set(ks.map { min($0, d) })).sorted()  // distinct effective k, ascending
        let kMax = steps.last ?? 0
        var squaredErrors = [Double](repeating: 0, count: steps.count)
        let axes = components[0 ..< kMax * d].map { Float($0) }  // kMax×d, row i = axis i
        let blockRows = PCA.blockRows
        var residual = [Float](repeating: 0, count: blockRows * d)
        var projections = [Float](repeating: 0, count: blockRows * max(kMax, 1))
        x.elements.withUnsafeBufferPointer { xs in
            axes.withUnsafeBufferPointer { v in
                residual.withUnsafeMutableBufferPointer { r in
                    projections.withUnsafeMutableBufferPointer { p in
                        var start = 0
                        while start < x.rows {
                            let count = min(blockRows, x.rows - start)
                            PCA.centre(xs, rows: start ..< start + count, columns: d, mean: mean, into: r)
                            if kMax > 0 {
                                // P = R·Vᵀ: (count, d)·(d, kMax) → (count, kMax)
                                GEMM.multiply(.none, .transposed, m: count, n: kMax, k: d, alpha: 1,
                                              a: r.baseAddress!, lda: d, b: v.baseAddress!, ldb: d,
                                              beta: 0, c: p.baseAddress!, ldc: kMax)
                            }
                            var done = 0
                            for (s, k) in steps.enumerated() {
                                if k > done {
                                    // R −= P[:, done..<k]·V[done..<k, :]: (count, k−done)·(k−done, d) → (count, d)
                                    GEMM.multiply(.none, .none, m: count, n: d, k: k - done, alpha: -1,
                                                  a: p.baseAddress! + done, lda: kMax, b: v.baseAddress! + done * d,
                                                  ldb: d, beta: 1, c: r.baseAddress!, ldc: d)
                                    done = k
                                }
                                var sum = 0.0
                                for i in 0 ..< count * d { sum += Double(r[i]) * Double(r[i]) }
                                squaredErrors[s] += sum
                            }
                            start += count
                        }
                    }
                }
            }
        }
        let entries = Double(x.rows * d)
        var result: [Int: Double] = [:]
        for k in ks { result[k] = squaredErrors[steps.firstIndex(of: min(k, d))!] / entries }
        return result
    }

    /// `out[r·d + j] = Float(x[row, j] − μ[j])` for the rows of `rows`, in order.
    static func centre(_ x: UnsafeBufferPointer<Float>, rows: Range<Int>, columns d: Int, mean: [Double],
                       into out: UnsafeMutableBufferPointer<Float>) {
        mean.withUnsafeBufferPointer { mu in
            for (r, row) in rows.enumerated() {
                for j in 0 ..< d { out[r * d + j] = Float(Double(x[row * d + j]) - mu[j]) }
            }
        }
    }

    /// Rows per block in the GEMM-based passes (bounds the Float workspace and the Float summation length).
    static let blockRows = 256

    /// The rows of `x` reconstructed from their first `k` components (`k = 0`: the training mean), computed
    /// entirely in Double and rounded to Float at the end: the readable oracle for `reconstructionMSEs`.
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

    /// `Σ_rows (x − μ)(x − μ)ᵀ`, full `d×d`, in Double.
    ///
    /// Rows are centred in Double and rounded to Float, then each block of `blockRows` rows contributes
    /// `Rᵀ·R` from `GEMM` (Float, so the cost is that of one `d×n·n×d` sgemm), accumulated across blocks in
    /// Double. Relative error ≈ 1e-6, far below what the PCA reference tests resolve; `exactScatter` in the tests
    /// is the all-Double oracle.
    static func centredScatter(_ x: Matrix, mean: [Double]) -> [Double] {
        let d = x.columns
        let blockRows = PCA.blockRows
        var scatter = [Double](repeating: 0, count: d * d)
        var block = [Float](repeating: 0, count: blockRows * d)
        var product = [Float](repeating: 0, count: d * d)
        x.elements.withUnsafeBufferPointer { xs in
            block.withUnsafeMutableBufferPointer { r in
                product.withUnsafeMutableBufferPointer { c in
                    var start = 0
                    while start < x.rows {
                        let count = min(blockRows, x.rows - start)
                        PCA.centre(xs, rows: start ..< start + count, columns: d, mean: mean, into: r)
                        // C = Rᵀ·R: (d, count)·(count, d) → (d, d)
                        GEMM.multiply(.transposed, .none, m: d, n: d, k: count, alpha: 1, a: r.baseAddress!, lda: d,
                                      b: r.baseAddress!, ldb: d, beta: 0, c: c.baseAddress!, ldc: d)
                        for i in 0 ..< d * d { scatter[i] += Double(c[i]) }
                        start += count
                    }
                }
            }
        }
        // GEMM's two triangles may differ in the last bit; the eigen-solvers want exact symmetry.
        for i in 0 ..< d {
            for j in 0 ..< i { scatter[i * d + j] = scatter[j * d + i] }
        }
        return scatter
    }
}
