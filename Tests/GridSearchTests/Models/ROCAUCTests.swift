import XCTest
@testable import GridSearch

/// ROC AUC against scikit-learn's `roc_auc_score` values and against the brute-force pair count.
final class ROCAUCTests: XCTestCase {
    func testKnownValues() throws {
        // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
        XCTAssertEqual(try ROCAUC.compute(scores: [0.1, 0.4, 0.35, 0.8], labels: [0, 0, 1, 1]), 0.75)
        XCTAssertEqual(try ROCAUC.compute(scores: [1, 2, 3, 4], labels: [0, 0, 1, 1]), 1)
        XCTAssertEqual(try ROCAUC.compute(scores: [4, 3, 2, 1], labels: [0, 0, 1, 1]), 0)
        // All tied: chance.
        XCTAssertEqual(try ROCAUC.compute(scores: [1, 1, 1, 1], labels: [0, 1, 0, 1]), 0.5)
    }

    func testMatchesPairCountingWithTies() throws {
        var rng = SystemRandomNumberGenerator()
        for _ in 0 ..< 50 {
            let n = Int.random(in: 2 ... 40, using: &rng)
            var labels = (0 ..< n).map { _ in Double(Int.random(in: 0 ... 1, using: &rng)) }
            labels[0] = 0
            labels[1] = 1
            let scores = (0 ..< n).map { _ in Float(Int.random(in: 0 ... 5, using: &rng)) }  // many ties
            var wins = 0.0, pairs = 0.0
            for i in 0 ..< n where labels[i] == 1 {
                for j in 0 ..< n where labels[j] == 0 {
                    pairs += 1
                    wins += scores[i] > scores[j] ? 1 : scores[i] == scores[j] ? 0.5 : 0
                }
            }
            XCTAssertEqual(try ROCAUC.compute(scores: scores, labels: labels), wins / pairs, accuracy: 1e-12)
        }
    }

    func testRefusesBadLabels() {
        XCTAssertThrowsError(try ROCAUC.compute(scores: [1, 2], labels: [0, 2])) {
            XCTAssertEqual("\($0)", "label 2.0 in row 2 is not 0 or 1 (1 marks an anomaly)")
        }
        XCTAssertThrowsError(try ROCAUC.compute(scores: [1, 2], labels: [1, 1])) {
            XCTAssertEqual("\($0)", "every label is 1: ROC AUC needs both anomalies (1) and normal rows (0)")
        }
        XCTAssertThrowsError(try ROCAUC.compute(scores: [1, 2, 3], labels: [0, 1])) {
            XCTAssertEqual("\($0)", "there are 3 scores but 2 labels: give one label per data row")
        }
    }
}
