import LinearAlgebra
import XCTest
@testable import GridSearch
import DataFiles

/// The in-place held-out split gives exactly what gathering the rows into new matrices gives.
final class EvaluationDataTests: XCTestCase {
    func testSplitInPlaceMatchesGatheringRows() throws {
        for rows in 2 ... 40 {
            for columns in [1, 3, 8] {
                for fraction in [0.1, 0.2, 0.5, 0.9] {
                    let elements = (0 ..< rows * columns).map { Float($0) }
                    let original = Matrix(rows: rows, columns: columns, elements: elements)
                    guard let split = try? Splits.trainTest(count: rows, testFraction: fraction, seed: UInt64(rows))
                    else { continue }
                    var matrix = original
                    let parts = EvaluationData.splitInPlace(&matrix, training: split.train, test: split.test)
                    XCTAssertEqual(parts.training, original.gatheringRows(split.train), "rows \(rows) × \(columns), fraction \(fraction)")
                    XCTAssertEqual(parts.test, original.gatheringRows(split.test), "rows \(rows) × \(columns), fraction \(fraction)")
                    XCTAssertEqual(matrix.rows, 0)
                }
            }
        }
    }

    func testSplitInPlaceWithIdentityAndReversedOrders() {
        let original = Matrix(rows: 6, columns: 2, elements: (0 ..< 12).map { Float($0) })
        for (training, test) in [([0, 1, 2, 3], [4, 5]), ([5, 4, 3, 2], [1, 0]), ([3, 0, 5], [2, 4, 1])] {
            var matrix = original
            let parts = EvaluationData.splitInPlace(&matrix, training: training, test: test)
            XCTAssertEqual(parts.training, original.gatheringRows(training))
            XCTAssertEqual(parts.test, original.gatheringRows(test))
        }
    }
}
