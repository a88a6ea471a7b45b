import Foundation
import XCTest
@testable import LinearAlgebra
import TestSupport

final class PCATests: XCTestCase {
    /// Reads `examples/<dataset>/<file>` (one header row, `,`, no quoting) into a matrix.
    private func readExampleCSV(_ dataset: String, _ file: String) throws -> Matrix {
        let text = try String(contentsOfFile: exampleDataPath(dataset, file), encoding: .utf8)
        var lines = text.split(separator: "\n")
        lines.removeFirst()
        let rows = lines.map { $0.split(separator: ",").map { Float(String($0))! } }
        return Matrix(rows)
    }

    /// Train and test rows of a shipped dataset, split by its `_test_indices.csv` as the reference was.
    private func referenceSplit(_ stem: String) throws -> (train: Matrix, test: Matrix) {
        let x = try readExampleCSV(stem, "\(stem)_X.csv")
        let testIndices = try readExampleCSV(stem, "\(stem)_test_indices.csv").elements.map { Int($0) }
        let testSet = Set(testIndices)
        let trainIndices = (0 ..< x.rows).filter { !testSet.contains($0) }
        return (x.gatheringRows(trainIndices), x.gatheringRows(testIndices))
    }

    func testDigitsReferenceTable() throws {
        let (train, test) = try referenceSplit("digits")
        XCTAssertEqual(train.rows, 1437)
        XCTAssertEqual(test.rows, 360)
        // examples/digits/README.md (from scikit-learn, float64): k → (test MSE, train MSE, explained variance ratio).
        let reference: [Int: (test: Double, train: Double, ratio: Double)] = [
            0: (0.0737481, 0.0732351, 0), 2: (0.0545596, 0.0519341, 0.2909), 4: (0.0395239, 0.0371728, 0.4924),
            8: (0.0252993, 0.0236400, 0.6772), 16: (0.0119515, 0.0108745, 0.8515), 32: (0.00274599, 0.00242996, 0.9668),
        ]
        let ks = reference.keys.sorted()
        for solver in EigenSolver.available {
            let pca = try PCA.fit(train, solver: solver)
            let testMSE = pca.reconstructionMSEs(test, components: ks)
            let trainMSE = pca.reconstructionMSEs(train, components: ks)
            for k in ks {
                XCTAssertEqual(testMSE[k]!, reference[k]!.test, accuracy: 1e-4, "\(solver) test k=\(k)")
                XCTAssertEqual(trainMSE[k]!, reference[k]!.train, accuracy: 1e-4, "\(solver) train k=\(k)")
                // The table prints 6 significant digits: hold ourselves to that, far inside the 1e-4 contract.
                XCTAssertEqual(testMSE[k]! / reference[k]!.test, 1, accuracy: 2e-5, "\(solver) test k=\(k)")
                XCTAssertEqual(trainMSE[k]! / reference[k]!.train, 1, accuracy: 2e-5, "\(solver) train k=\(k)")
                XCTAssertEqual(pca.explainedVarianceRatio(components: k), reference[k]!.ratio, accuracy: 1e-4)
            }
        }
    }

    func testBreastCancerStandardizedReferenceTable() throws {
        var (train, test) = try referenceSplit("breast_cancer")
        // StandardScaler fitted on train (population std, as sklearn), applied to both.
        let d = train.columns
        for j in 0 ..< d {
            let column = (0 ..< train.rows).map { Double(train[$0, j]) }
            let mean = column.reduce(0, +) / Double(column.count)
            let std = (column.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(column.count)).squareRoot()
            for r in 0 ..< train.rows { train[r, j] = Float((Double(train[r, j]) - mean) / std) }
            for r in 0 ..< test.rows { test[r, j] = Float((Double(test[r, j]) - mean) / std) }
        }
        let reference: [Int: (test: Double, train: Double)] = [
            0: (1.08785, 1.00000), 2: (0.414108, 0.368291), 4: (0.233956, 0.207997),
            8: (0.0889410, 0.0742367), 16: (0.0142981, 0.0105463),
        ]
        for solver in EigenSolver.available {
            let pca = try PCA.fit(train, solver: solver)
            let testMSE = pca.reconstructionMSEs(test, components: Array(reference.keys))
            let trainMSE = pca.reconstructionMSEs(train, components: Array(reference.keys))
            for (k, expected) in reference {
                XCTAssertEqual(testMSE[k]!, expected.test, accuracy: 1e-4, "\(solver) test k=\(k)")
                XCTAssertEqual(trainMSE[k]!, expected.train, accuracy: 1e-4, "\(solver) train k=\(k)")
            }
        }
    }

    func testExplicitReconstructionAgreesWithTheProjectionIdentity() throws {
        var rng = SeededGenerator(seed: 5)
        let train = Matrix(rows: 50, columns: 7, elements: (0 ..< 350).map { _ in rng.nextUnitFloat() })
        let test = Matrix(rows: 20, columns: 7, elements: (0 ..< 140).map { _ in rng.nextUnitFloat() })
        let pca = try PCA.fit(train)
        for k in 0 ... 9 {
            let xhat = pca.reconstruct(test, components: k)
            var sum = 0.0
            for (a, b) in zip(test.elements, xhat.elements) { sum += Double(a - b) * Double(a - b) }
            XCTAssertEqual(pca.reconstructionMSE(test, components: k), sum / 140, accuracy: 1e-5 * sum / 140 + 1e-12, "k=\(k)")
        }
        XCTAssertEqual(pca.reconstructionMSE(train, components: 7), 0, accuracy: 1e-12)
        XCTAssertEqual(pca.explainedVarianceRatio.reduce(0, +), 1, accuracy: 1e-12)
        // k = 0 is the train mean.
        let meanRow = pca.reconstruct(test, components: 0).row(3)
        for j in 0 ..< 7 { XCTAssertEqual(Double(meanRow[j]), pca.mean[j], accuracy: 1e-6) }
    }

    func testGEMMScatterAndErrorsAgreeWithTheDoubleOracle() throws {
        // More rows than one block, a width that is no multiple of any SIMD width, uneven column scales.
        var rng = SeededGenerator(seed: 8)
        let n = PCA.blockRows * 2 + 37, d = 19
        let x = Matrix(rows: n, columns: d, elements: (0 ..< n * d).map { i in
            (rng.nextUnitFloat() - 0.3) * Float(1 + i % d) + Float(i % 3) })
        let pca = try PCA.fit(x)
        var exact = [Double](repeating: 0, count: d * d)
        for r in 0 ..< n {
            for i in 0 ..< d {
                for j in 0 ..< d { exact[i * d + j] += (Double(x[r, i]) - pca.mean[i]) * (Double(x[r, j]) - pca.mean[j]) }
            }
        }
        let scatter = PCA.centredScatter(x, mean: pca.mean)
        let scale = exact.map(abs).max()!
        for (a, b) in zip(scatter, exact) { XCTAssertEqual(a, b, accuracy: 2e-6 * scale) }
        let ks = [0, 1, 3, 7, 12, 18, 19, 40]
        let fast = pca.reconstructionMSEs(x, components: ks)
        for k in ks {
            let xhat = pca.reconstruct(x, components: k)
            var sum = 0.0
            for (a, b) in zip(x.elements, xhat.elements) { sum += Double(a - b) * Double(a - b) }
            let oracle = sum / Double(n * d)
            XCTAssertEqual(fast[k]!, oracle, accuracy: 1e-5 * oracle + 1e-12, "k=\(k)")
        }
    }

    func testEdgeCases() throws {
        XCTAssertThrowsError(try PCA.fit(Matrix(rows: 0, columns: 3))) {
            XCTAssertEqual("\($0)", "PCA needs at least one training row and one column; got 0×3")
        }
        XCTAssertThrowsError(try PCA.fit(Matrix([[1, 2], [.infinity, 3]]))) {
            XCTAssertEqual("\($0)", "PCA: training value at row 1, column 0 is inf; the data must be finite")
        }
        // One row, or constant columns: no variance, every k reconstructs exactly.
        let single = try PCA.fit(Matrix([[1, 2, 3]]))
        XCTAssertEqual(single.explainedVarianceRatio, [0, 0, 0])
        XCTAssertEqual(single.reconstructionMSE(Matrix([[1, 2, 3]]), components: 0), 0)
        XCTAssertEqual(single.reconstructionMSE(Matrix([[2, 2, 3]]), components: 0), 1.0 / 3, accuracy: 1e-12)
        XCTAssertTrue(single.reconstructionMSE(Matrix(rows: 0, columns: 3), components: 1).isNaN)
    }
}
