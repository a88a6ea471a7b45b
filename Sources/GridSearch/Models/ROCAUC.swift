/// The area under the ROC curve of anomaly scores against 0/1 labels (1 = anomaly, higher score = more anomalous).
///
/// Computed exactly as scikit-learn's `roc_auc_score(labels, scores)`: the probability that a random positive scores
/// higher than a random negative, ties counted as one half (the Mann–Whitney U statistic over the average ranks, in
/// Double). O(n log n).
public enum ROCAUC {
    /// Why an AUC cannot be computed.
    public enum Failure: Error, Equatable, CustomStringConvertible {
        case countMismatch(scores: Int, labels: Int)
        case notBinary(row: Int, value: Double)
        case singleClass(label: Int)
        case nonFiniteScore(row: Int)

        public var description: String {
            switch self {
            case let .countMismatch(scores, labels):
                return "there are \(scores) scores but \(labels) labels: give one label per data row"
            case let .notBinary(row, value):
                return "label \(value) in row \(row + 1) is not 0 or 1 (1 marks an anomaly)"
            case let .singleClass(label):
                return "every label is \(label): ROC AUC needs both anomalies (1) and normal rows (0)"
            case let .nonFiniteScore(row):
                return "the score of row \(row + 1) is not finite"
            }
        }
    }

    /// - Parameters:
    ///   - scores: one score per row (e.g. per-row reconstruction error).
    ///   - labels: one label per row, each exactly 0 or 1.
    /// - Returns: the AUC in [0, 1]; 0.5 is chance.
    public static func compute(scores: [Float], labels: [Double]) throws -> Double {
        guard scores.count == labels.count else {
            throw Failure.countMismatch(scores: scores.count, labels: labels.count)
        }
        var positives = 0
        for (row, label) in labels.enumerated() {
            guard label == 0 || label == 1 else { throw Failure.notBinary(row: row, value: label) }
            guard scores[row].isFinite else { throw Failure.nonFiniteScore(row: row) }
            if label == 1 { positives += 1 }
        }
        let negatives = labels.count - positives
        if positives == 0 || negatives == 0 { throw Failure.singleClass(label: positives == 0 ? 0 : 1) }

        let order = scores.indices.sorted { scores[$0] < scores[$1] }
        // Sum of the (1-based, tie-averaged) ranks of the positives.
        var positiveRankSum = 0.0
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count && scores[order[end + 1]] == scores[order[start]] { end += 1 }
            let averageRank = Double(start + end + 2) / 2
            for position in start ... end where labels[order[position]] == 1 { positiveRankSum += averageRank }
            start = end + 1
        }
        let p = Double(positives), n = Double(negatives)
        return (positiveRankSum - p * (p + 1) / 2) / (p * n)
    }
}
