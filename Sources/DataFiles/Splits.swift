import LinearAlgebra

/// Seeded train/test and k-fold splits of row indices, with scikit-learn's sizes. The same seed gives the same
/// split on every machine and in every build (the shuffle is our own Fisher–Yates on `SeededGenerator`, not the
/// standard library's, whose algorithm may change between Swift versions). Shuffles differ from numpy's, so
/// the rows chosen differ from sklearn's; the sizes do not.
public enum Splits {
    /// A seeded shuffle into test and train rows, like `train_test_split(test_size: testFraction, shuffle=True)`:
    /// the test part is the first `ceil(testFraction · count)` rows of a random permutation, the train part the
    /// rest, both in permutation order.
    ///
    /// Throws `DataError.invalidSplit` when `testFraction` is not strictly between 0 and 1 or either part would
    /// be empty.
    public static func trainTest(count: Int, testFraction: Double, seed: UInt64) throws -> (train: [Int], test: [Int]) {
        guard testFraction > 0, testFraction < 1 else {
            throw DataError.invalidSplit("test fraction must be strictly between 0 and 1, got \(testFraction)")
        }
        let testCount = Int((testFraction * Double(count)).rounded(.up))
        guard count >= 2, testCount < count else {
            let rows = { (n: Int) in n == 1 ? "1 row" : "\(n) rows" }
            throw DataError.invalidSplit("cannot split \(rows(count)) with test fraction \(testFraction): "
                + "\(rows(testCount)) for testing leave\(testCount == 1 ? "s" : "") \(count - testCount) for training; "
                + "at least one of each is needed: give "
                + (count >= 2 ? "a smaller --test-fraction, more rows" : "more rows") + " or a separate --test file")
        }
        let order = permutation(count, seed: seed)
        return (Array(order[testCount...]), Array(order[..<testCount]))
    }

    /// K-fold cross-validation over a seeded permutation, like `KFold(n_splits: folds, shuffle=True)`: the first
    /// `count % folds` folds have `count / folds + 1` test rows, the others `count / folds`; each row is in
    /// exactly one test fold. Both index lists of each fold are sorted ascending (as sklearn returns them).
    ///
    /// Throws `DataError.invalidSplit` unless `2 ≤ folds ≤ count`.
    public static func kFold(count: Int, folds: Int, seed: UInt64) throws -> [(train: [Int], test: [Int])] {
        guard folds >= 2 else {
            throw DataError.invalidSplit("cross-validation needs at least 2 folds, got \(folds)")
        }
        guard folds <= count else {
            throw DataError.invalidSplit("cannot make \(folds) folds from \(count) rows: every fold needs at least one row")
        }
        let order = permutation(count, seed: seed)
        var result: [(train: [Int], test: [Int])] = []
        var start = 0
        for fold in 0 ..< folds {
            let size = count / folds + (fold < count % folds ? 1 : 0)
            var inTest = [Bool](repeating: false, count: count)
            for i in order[start ..< start + size] { inTest[i] = true }
            result.append((train: (0 ..< count).filter { !inTest[$0] }, test: (0 ..< count).filter { inTest[$0] }))
            start += size
        }
        return result
    }

    /// A uniformly random permutation of `0 ..< count` (Fisher–Yates, Lemire's unbiased bounded integers).
    public static func permutation(_ count: Int, seed: UInt64) -> [Int] {
        var rng = SeededGenerator(seed: seed)
        var order = Array(0 ..< count)
        var i = count - 1
        while i > 0 {
            let j = Int(boundedRandom(UInt64(i + 1), using: &rng))
            order.swapAt(i, j)
            i -= 1
        }
        return order
    }

    /// A uniform integer in `0 ..< bound` (bound > 0) by multiply-shift with rejection (Lemire 2019).
    package static func boundedRandom(_ bound: UInt64, using rng: inout SeededGenerator) -> UInt64 {
        var product = rng.next().multipliedFullWidth(by: bound)
        if product.low < bound {
            let threshold = (0 &- bound) % bound
            while product.low < threshold { product = rng.next().multipliedFullWidth(by: bound) }
        }
        return product.high
    }
}
