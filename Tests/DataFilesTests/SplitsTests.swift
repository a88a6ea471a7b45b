import XCTest
@testable import DataFiles

final class SplitsTests: XCTestCase {
    func testTrainTestSizesFollowSklearn() throws {
        // sklearn: n_test = ceil(test_size · n); the README's digits split is 1437 / 360, breast cancer 455 / 114.
        for (n, fraction, testCount) in [(1797, 0.2, 360), (569, 0.2, 114), (10, 0.25, 3), (3, 0.5, 2), (1000, 0.2, 200)] {
            let split = try Splits.trainTest(count: n, testFraction: fraction, seed: 42)
            XCTAssertEqual(split.test.count, testCount, "n=\(n)")
            XCTAssertEqual(split.train.count, n - testCount)
            XCTAssertEqual(Set(split.train + split.test), Set(0 ..< n), "every row exactly once")
        }
    }

    func testSplitsAreDeterministicAndSeedDependent() throws {
        let a = try Splits.trainTest(count: 100, testFraction: 0.2, seed: 7)
        let b = try Splits.trainTest(count: 100, testFraction: 0.2, seed: 7)
        let c = try Splits.trainTest(count: 100, testFraction: 0.2, seed: 8)
        XCTAssertEqual(a.test, b.test)
        XCTAssertEqual(a.train, b.train)
        XCTAssertNotEqual(a.test, c.test)
        // Pinned: the permutation must not change between versions (resumed searches rely on it).
        XCTAssertEqual(Splits.permutation(10, seed: 1), [3, 6, 1, 5, 0, 9, 2, 8, 4, 7])
        XCTAssertEqual(Splits.permutation(0, seed: 1), [])
        XCTAssertEqual(Splits.permutation(1, seed: 1), [0])
    }

    func testPermutationIsUniform() {
        // Each of the 6 orders of 3 items appears about 1/6 of the time.
        var counts: [[Int]: Int] = [:]
        for seed in 0 ..< 6000 { counts[Splits.permutation(3, seed: UInt64(seed)), default: 0] += 1 }
        XCTAssertEqual(counts.count, 6)
        for (order, count) in counts { XCTAssertEqual(Double(count), 1000, accuracy: 150, "\(order)") }
    }

    func testKFoldSizesAndCoverage() throws {
        for (n, k) in [(10, 3), (1797, 5), (7, 7), (100, 10), (11, 2)] {
            let folds = try Splits.kFold(count: n, folds: k, seed: 3)
            XCTAssertEqual(folds.count, k)
            // sklearn KFold: the first n % k folds have one extra row.
            XCTAssertEqual(folds.map(\.test.count), (0 ..< k).map { n / k + ($0 < n % k ? 1 : 0) }, "n=\(n) k=\(k)")
            var seen = [Int](repeating: 0, count: n)
            for fold in folds {
                XCTAssertEqual(fold.train.count + fold.test.count, n)
                XCTAssertTrue(Set(fold.train).isDisjoint(with: fold.test))
                XCTAssertEqual(fold.test, fold.test.sorted())
                XCTAssertEqual(fold.train, fold.train.sorted())
                for i in fold.test { seen[i] += 1 }
            }
            XCTAssertEqual(seen, [Int](repeating: 1, count: n), "each row in exactly one test fold")
        }
        let again = try Splits.kFold(count: 50, folds: 5, seed: 3).map(\.test)
        XCTAssertEqual(try Splits.kFold(count: 50, folds: 5, seed: 3).map(\.test), again)
    }

    func testImpossibleRequestsAreTypedErrors() {
        let cases: [(() throws -> Any, String)] = [
            ({ try Splits.trainTest(count: 10, testFraction: 0, seed: 1) }, "test fraction must be strictly between 0 and 1, got 0.0"),
            ({ try Splits.trainTest(count: 10, testFraction: 1, seed: 1) }, "test fraction must be strictly between 0 and 1, got 1.0"),
            ({ try Splits.trainTest(count: 10, testFraction: -0.5, seed: 1) }, "test fraction must be strictly between 0 and 1, got -0.5"),
            ({ try Splits.trainTest(count: 1, testFraction: 0.2, seed: 1) },
             "cannot split 1 row with test fraction 0.2: 1 row for testing leaves 0 for training; at least one of each is "
                 + "needed: give more rows or a separate --test file"),
            ({ try Splits.trainTest(count: 4, testFraction: 0.9, seed: 1) },
             "cannot split 4 rows with test fraction 0.9: 4 rows for testing leave 0 for training; at least one of each "
                 + "is needed: give a smaller --test-fraction, more rows or a separate --test file"),
            ({ try Splits.kFold(count: 10, folds: 1, seed: 1) }, "cross-validation needs at least 2 folds, got 1"),
            ({ try Splits.kFold(count: 3, folds: 4, seed: 1) }, "cannot make 4 folds from 3 rows: every fold needs at least one row"),
        ]
        for (call, message) in cases {
            XCTAssertThrowsError(try call()) { XCTAssertEqual("\($0)", message) }
        }
    }
}
