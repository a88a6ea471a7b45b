import XCTest
@testable import LinearAlgebra
import TestSupport

final class EigenTests: XCTestCase {
    /// A random symmetric n×n matrix with entries in [-1, 1).
    private func randomSymmetric(_ n: Int, seed: UInt64) -> [Double] {
        var rng = SeededGenerator(seed: seed)
        var a = [Double](repeating: 0, count: n * n)
        for i in 0 ..< n {
            for j in i ..< n {
                let v = 2 * rng.nextUnitDouble() - 1
                a[i * n + j] = v
                a[j * n + i] = v
            }
        }
        return a
    }

    /// Checks A·v = λ·v, orthonormality and descending order, all in Double.
    private func assertDecomposition(_ e: SymmetricEigen, of a: [Double], tolerance: Double,
                                     _ label: String, file: StaticString = #filePath, line: UInt = #line) {
        let n = e.dimension
        var worstResidual = 0.0, worstOrthogonality = 0.0
        for i in 0 ..< n {
            let v = Array(e.eigenvector(i))
            for r in 0 ..< n {
                var av = 0.0
                for c in 0 ..< n { av += a[r * n + c] * v[c] }
                worstResidual = max(worstResidual, abs(av - e.eigenvalues[i] * v[r]))
            }
            for j in 0 ..< n {
                var dot = 0.0
                for c in 0 ..< n { dot += v[c] * e.eigenvectors[j * n + c] }
                worstOrthogonality = max(worstOrthogonality, abs(dot - (i == j ? 1 : 0)))
            }
            if i > 0 { XCTAssertGreaterThanOrEqual(e.eigenvalues[i - 1], e.eigenvalues[i], label, file: file, line: line) }
        }
        XCTAssertLessThan(worstResidual, tolerance, "\(label): max |A·v − λ·v|", file: file, line: line)
        XCTAssertLessThan(worstOrthogonality, tolerance, "\(label): max |VᵀV − I|", file: file, line: line)
    }

    func testEverySolverSatisfiesTheEigenEquationOnRandomMatrices() throws {
        for solver in EigenSolver.available {
            for n in [0, 1, 2, 3, 5, 8, 17, 40, 65] {
                let a = randomSymmetric(n, seed: UInt64(n) + 7)
                let e = try SymmetricEigen(symmetric: a, dimension: n, solver: solver)
                XCTAssertEqual(e.eigenvalues.count, n)
                assertDecomposition(e, of: a, tolerance: 1e-12, "\(solver) n=\(n)")
            }
        }
    }

    func testKnownSpectrum() throws {
        // [[2, 1], [1, 2]] has eigenvalues 3 (axis (1, 1)/√2) and 1 (axis (1, −1)/√2, sign: first largest positive).
        for solver in EigenSolver.available {
            let e = try SymmetricEigen(symmetric: [2, 1, 1, 2], dimension: 2, solver: solver)
            XCTAssertEqual(e.eigenvalues[0], 3, accuracy: 1e-14)
            XCTAssertEqual(e.eigenvalues[1], 1, accuracy: 1e-14)
            let r = 1 / 2.0.squareRoot()
            for (x, y) in zip(e.eigenvectors, [r, r, r, -r]) { XCTAssertEqual(x, y, accuracy: 1e-14, "\(solver)") }
        }
    }

    func testSolversAgreeOnADistinctSpectrum() throws {
        // Q·diag(λ)·Qᵀ with well-separated λ, so the vectors are unique up to sign (fixed by the convention).
        let n = 24
        var rng = SeededGenerator(seed: 11)
        let spectrum = (0 ..< n).map { Double($0) * 1.5 - 10 + rng.nextUnitDouble() * 0.1 }
        let q = try SymmetricEigen(symmetric: randomSymmetric(n, seed: 3), dimension: n, solver: .jacobi).eigenvectors
        var a = [Double](repeating: 0, count: n * n)
        for i in 0 ..< n {
            for j in 0 ..< n {
                var s = 0.0
                for k in 0 ..< n { s += q[k * n + i] * spectrum[k] * q[k * n + j] }
                a[i * n + j] = s
            }
        }
        for i in 0 ..< n { for j in 0 ..< i { a[i * n + j] = a[j * n + i] } }
        let reference = try SymmetricEigen(symmetric: a, dimension: n, solver: .jacobi)
        for (x, y) in zip(reference.eigenvalues, spectrum.sorted(by: >)) { XCTAssertEqual(x, y, accuracy: 1e-12) }
        for solver in EigenSolver.available {
            let e = try SymmetricEigen(symmetric: a, dimension: n, solver: solver)
            for (x, y) in zip(e.eigenvalues, reference.eigenvalues) { XCTAssertEqual(x, y, accuracy: 1e-12, "\(solver)") }
            for (x, y) in zip(e.eigenvectors, reference.eigenvectors) { XCTAssertEqual(x, y, accuracy: 1e-10, "\(solver)") }
        }
    }

    func testRankDeficientMatrix() throws {
        // v·vᵀ: one eigenvalue ‖v‖², the rest 0.
        let v: [Double] = [1, 2, 3, 4]
        let a = (0 ..< 16).map { v[$0 / 4] * v[$0 % 4] }
        for solver in EigenSolver.available {
            let e = try SymmetricEigen(symmetric: a, dimension: 4, solver: solver)
            XCTAssertEqual(e.eigenvalues[0], 30, accuracy: 1e-12)
            for λ in e.eigenvalues.dropFirst() { XCTAssertEqual(λ, 0, accuracy: 1e-12) }
            assertDecomposition(e, of: a, tolerance: 1e-12, "\(solver)")
        }
    }

    func testDiagonalAndRepeatedEigenvalues() throws {
        // Already diagonal (nothing to rotate), and a block with a 3-fold eigenvalue.
        let diagonal: [Double] = [1, 0, 0, 0, 5, 0, 0, 0, -2]
        let repeated: [Double] = [2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 2, 0, 0, 0, 0, 7]
        for solver in EigenSolver.available {
            let e = try SymmetricEigen(symmetric: diagonal, dimension: 3, solver: solver)
            XCTAssertEqual(e.eigenvalues, [5, 1, -2], "\(solver)")
            XCTAssertEqual(e.eigenvectors, [0, 1, 0, 1, 0, 0, 0, 0, 1], "\(solver)")
            let r = try SymmetricEigen(symmetric: repeated, dimension: 4, solver: solver)
            for (x, y) in zip(r.eigenvalues, [7.0, 2, 2, 2]) { XCTAssertEqual(x, y, accuracy: 1e-14, "\(solver)") }
            assertDecomposition(r, of: repeated, tolerance: 1e-13, "\(solver)")
        }
    }

    func testErrorsNameTheProblem() {
        XCTAssertThrowsError(try SymmetricEigen(symmetric: [1, 2, 3], dimension: 2)) {
            XCTAssertEqual("\($0)", "eigen-decomposition: 3 elements do not fill a 2×2 matrix")
        }
        XCTAssertThrowsError(try SymmetricEigen(symmetric: [1, .nan, .nan, 1], dimension: 2)) {
            XCTAssertEqual("\($0)", "eigen-decomposition: element (0, 1) is nan; the matrix must be finite")
        }
        XCTAssertThrowsError(try SymmetricEigen(symmetric: [1, .infinity, .infinity, 1], dimension: 2, solver: .jacobi)) {
            XCTAssertEqual("\($0)", "eigen-decomposition: element (0, 1) is inf; the matrix must be finite")
        }
        XCTAssertThrowsError(try SymmetricEigen(symmetric: [1, 2, 3, 1], dimension: 2)) {
            XCTAssertEqual("\($0)", "eigen-decomposition: matrix is not symmetric: a[0, 1] = 2.0 but a[1, 0] = 3.0")
        }
        #if !BLAS
        XCTAssertThrowsError(try SymmetricEigen(symmetric: [1], dimension: 1, solver: .lapack)) {
            XCTAssertEqual("\($0)", "eigen-decomposition: solver 'lapack' is not in this build (available: tridiagonal-ql, jacobi)")
        }
        #endif
        XCTAssertEqual(EigenError.noConvergence(solver: .lapack, detail: 3).description,
                       "eigen-decomposition: LAPACK dsyevd did not converge (info = 3)")
        XCTAssertEqual(EigenError.noConvergence(solver: .tridiagonalQL, detail: 60).description,
                       "eigen-decomposition: tridiagonal QL did not converge within 60 iterations for one eigenvalue")
        XCTAssertEqual(EigenError.noConvergence(solver: .jacobi, detail: 100).description,
                       "eigen-decomposition: jacobi did not converge after 100 sweeps")
    }
}
