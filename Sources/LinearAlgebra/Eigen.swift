#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The algorithm behind `SymmetricEigen`.
public enum EigenSolver: String, Sendable, CaseIterable, CustomStringConvertible {
    /// LAPACKE `dsyevd` (divide and conquer, Double); only in the BLAS build.
    case lapack
    /// Pure-Swift Householder tridiagonalization + implicit QL (EISPACK tred2/tql2, Double); every build, and
    /// the fallback build's default.
    case tridiagonalQL = "tridiagonal-ql"
    /// Pure-Swift cyclic Jacobi rotations (Double); every build. Slow (O(n³) per sweep, 6–10 sweeps: about
    /// 10 s at n = 784) but simple and very accurate: the oracle the other solvers are tested against.
    case jacobi

    public var description: String { rawValue }

    /// The solvers this build can run.
    public static var available: [EigenSolver] {
        #if BLAS
        return [.lapack, .tridiagonalQL, .jacobi]
        #else
        return [.tridiagonalQL, .jacobi]
        #endif
    }

    /// `.lapack` in the BLAS build, `.tridiagonalQL` in the fallback build.
    public static var buildDefault: EigenSolver {
        #if BLAS
        return .lapack
        #else
        return .tridiagonalQL
        #endif
    }
}

/// Why an eigen-decomposition failed.
public enum EigenError: Error, Equatable, CustomStringConvertible {
    /// `elements.count` is not `dimension²`.
    case shapeMismatch(elementCount: Int, dimension: Int)
    /// An element is NaN or infinite.
    case nonFinite(row: Int, column: Int, value: Double)
    /// `a[row, column]` and `a[column, row]` differ by more than the tolerance.
    case notSymmetric(row: Int, column: Int, upper: Double, lower: Double)
    /// The solver did not converge (`detail`: LAPACK's info, the QL iteration limit, or the Jacobi sweep count).
    case noConvergence(solver: EigenSolver, detail: Int)
    /// The solver is not compiled into this build.
    case solverUnavailable(EigenSolver)

    public var description: String {
        switch self {
        case .shapeMismatch(let count, let n):
            return "eigen-decomposition: \(count) elements do not fill a \(n)×\(n) matrix"
        case .nonFinite(let r, let c, let v):
            return "eigen-decomposition: element (\(r), \(c)) is \(v); the matrix must be finite"
        case .notSymmetric(let r, let c, let upper, let lower):
            return "eigen-decomposition: matrix is not symmetric: a[\(r), \(c)] = \(upper) but a[\(c), \(r)] = \(lower)"
        case .noConvergence(.lapack, let info):
            return "eigen-decomposition: LAPACK dsyevd did not converge (info = \(info))"
        case .noConvergence(.tridiagonalQL, let iterations):
            return "eigen-decomposition: tridiagonal QL did not converge within \(iterations) iterations for one eigenvalue"
        case .noConvergence(let solver, let detail):
            return "eigen-decomposition: \(solver) did not converge after \(detail) sweeps"
        case .solverUnavailable(let solver):
            return "eigen-decomposition: solver '\(solver)' is not in this build (available: \(EigenSolver.available.map(\.rawValue).joined(separator: ", ")))"
        }
    }
}

/// Eigenvalues and eigenvectors of a real symmetric `n×n` matrix: `A·vᵢ = λᵢ·vᵢ`, `λ₀ ≥ λ₁ ≥ … ≥ λₙ₋₁`.
///
/// All arithmetic is Double. The eigenvectors are orthonormal; each one's sign is fixed so that its component of
/// largest magnitude (the first such, on a tie) is positive, which makes the result independent of the solver up
/// to the order within repeated eigenvalues.
public struct SymmetricEigen: Sendable {
    /// `n`.
    public let dimension: Int
    /// The eigenvalues in descending order.
    public let eigenvalues: [Double]
    /// Row-major `n×n`: row `i` (`eigenvectors[i*n ..< (i+1)*n]`) is the unit eigenvector of `eigenvalues[i]`.
    public let eigenvectors: [Double]

    /// Decomposes the row-major symmetric matrix `elements` (`dimension × dimension`).
    ///
    /// Symmetry is checked to a relative tolerance of 1e-9 of the largest element; both solvers then read only the
    /// upper triangle. Throws `EigenError` for a wrong element count, a non-finite element, an asymmetric matrix,
    /// a solver missing from this build, or (practically never) non-convergence.
    public init(symmetric elements: [Double], dimension n: Int, solver: EigenSolver = .buildDefault) throws {
        guard n >= 0, elements.count == n * n else {
            throw EigenError.shapeMismatch(elementCount: elements.count, dimension: n)
        }
        guard EigenSolver.available.contains(solver) else { throw EigenError.solverUnavailable(solver) }
        var largest = 0.0
        for r in 0 ..< n {
            for c in 0 ..< n {
                let v = elements[r * n + c]
                guard v.isFinite else { throw EigenError.nonFinite(row: r, column: c, value: v) }
                largest = max(largest, abs(v))
            }
        }
        let tolerance = 1e-9 * largest
        for r in 0 ..< n {
            for c in r + 1 ..< n where abs(elements[r * n + c] - elements[c * n + r]) > tolerance {
                throw EigenError.notSymmetric(row: r, column: c, upper: elements[r * n + c], lower: elements[c * n + r])
            }
        }

        var values: [Double]
        var vectors: [Double]  // row i = eigenvector i, in the solver's order
        switch solver {
        case .lapack:
            #if BLAS
            var a = elements
            var w = [Double](repeating: 0, count: n)
            let info = LAPACKBackend.dsyevd(&a, &w, n: n)
            guard info == 0 else { throw EigenError.noConvergence(solver: .lapack, detail: info) }
            values = w
            vectors = [Double](repeating: 0, count: n * n)
            for i in 0 ..< n {
                for j in 0 ..< n { vectors[j * n + i] = a[i * n + j] }  // columns -> rows
            }
            #else
            throw EigenError.solverUnavailable(.lapack)
            #endif
        case .tridiagonalQL:
            (values, vectors) = try TridiagonalQLEigen.decompose(elements, n: n)
        case .jacobi:
            (values, vectors) = try JacobiEigen.decompose(elements, n: n)
        }

        // Descending order (stable for ties), then the sign convention.
        let order = (0 ..< n).sorted { values[$0] > values[$1] || (values[$0] == values[$1] && $0 < $1) }
        var sortedVectors = [Double](repeating: 0, count: n * n)
        for (newIndex, oldIndex) in order.enumerated() {
            var sign = 1.0, biggest = -1.0
            for j in 0 ..< n where abs(vectors[oldIndex * n + j]) > biggest {
                biggest = abs(vectors[oldIndex * n + j])
                sign = vectors[oldIndex * n + j] < 0 ? -1 : 1
            }
            for j in 0 ..< n { sortedVectors[newIndex * n + j] = sign * vectors[oldIndex * n + j] }
        }
        dimension = n
        eigenvalues = order.map { values[$0] }
        eigenvectors = sortedVectors
    }

    /// The unit eigenvector of `eigenvalues[index]`.
    public func eigenvector(_ index: Int) -> ArraySlice<Double> {
        precondition(index >= 0 && index < dimension, "SymmetricEigen: eigenvector \(index) outside 0..<\(dimension)")
        return eigenvectors[index * dimension ..< (index + 1) * dimension]
    }
}

/// Cyclic Jacobi eigenvalue algorithm with Rutishauser's thresholds (the classic `jacobi` routine of
/// Numerical Recipes), in Double. Reads the upper triangle only.
enum JacobiEigen {
    static let maximumSweeps = 100

    /// Returns the eigenvalues (unordered) and the eigenvectors as rows.
    static func decompose(_ elements: [Double], n: Int) throws -> (values: [Double], vectors: [Double]) {
        var a = elements
        // Rows of `v` are the eigenvectors (the transpose of the textbook V), so each rotation touches two
        // contiguous rows instead of two strided columns.
        var v = [Double](repeating: 0, count: n * n)
        for i in 0 ..< n { v[i * n + i] = 1 }
        var d = (0 ..< n).map { a[$0 * n + $0] }
        var b = d
        var z = [Double](repeating: 0, count: n)
        if n < 2 { return (d, v) }

        for sweep in 1 ... maximumSweeps {
            var offDiagonal = 0.0
            for p in 0 ..< n - 1 {
                for q in p + 1 ..< n { offDiagonal += abs(a[p * n + q]) }
            }
            if offDiagonal == 0 { return (d, v) }
            // Early sweeps rotate only the large elements.
            let threshold = sweep < 4 ? 0.2 * offDiagonal / Double(n * n) : 0
            a.withUnsafeMutableBufferPointer { a in
                v.withUnsafeMutableBufferPointer { v in
                    for p in 0 ..< n - 1 {
                        for q in p + 1 ..< n {
                            let apq = a[p * n + q]
                            let g = 100 * abs(apq)
                            // After four sweeps, an element negligible against both diagonal entries is set to 0.
                            if sweep > 4, abs(d[p]) + g == abs(d[p]), abs(d[q]) + g == abs(d[q]) {
                                a[p * n + q] = 0
                                continue
                            }
                            guard abs(apq) > threshold else { continue }
                            var h = d[q] - d[p]
                            let t: Double
                            if abs(h) + g == abs(h) {
                                t = apq / h
                            } else {
                                let theta = 0.5 * h / apq
                                let tt = 1 / (abs(theta) + (1 + theta * theta).squareRoot())
                                t = theta < 0 ? -tt : tt
                            }
                            let c = 1 / (1 + t * t).squareRoot()
                            let s = t * c
                            let tau = s / (1 + c)
                            h = t * apq
                            z[p] -= h; z[q] += h
                            d[p] -= h; d[q] += h
                            a[p * n + q] = 0
                            @inline(__always) func rotate(_ i: Int, _ j: Int) {
                                let g = a[i], h = a[j]
                                a[i] = g - s * (h + g * tau)
                                a[j] = h + s * (g - h * tau)
                            }
                            for j in 0 ..< p { rotate(j * n + p, j * n + q) }
                            for j in p + 1 ..< q { rotate(p * n + j, j * n + q) }
                            for j in q + 1 ..< n { rotate(p * n + j, q * n + j) }
                            for j in 0 ..< n {
                                let g = v[p * n + j], h = v[q * n + j]
                                v[p * n + j] = g - s * (h + g * tau)
                                v[q * n + j] = h + s * (g - h * tau)
                            }
                        }
                    }
                }
            }
            for p in 0 ..< n {
                b[p] += z[p]
                d[p] = b[p]
                z[p] = 0
            }
        }
        throw EigenError.noConvergence(solver: .jacobi, detail: maximumSweeps)
    }
}
