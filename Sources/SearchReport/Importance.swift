import Foundation
import GridSearch

/// How much of the spread of scores each hyperparameter explains: a functional-ANOVA-style decomposition of
/// log₁₀(test MSE) over the finished trials, computed from marginal means (no surrogate model: a grid search has
/// observed the function at every point it reports on).
///
/// With y = log₁₀(test MSE) of each finished trial, ȳ its mean and V = mean((y − ȳ)²):
/// - the main effect of key p is V_p = Σ_v n_v (m_v − ȳ)² / N, where m_v is the mean of y over the n_v trials with
///   p = v, and its share is V_p / V;
/// - the interaction of keys p, q is V_pq = Σ_{v,w} n_vw (m_vw − m_v − m_w + ȳ)² / N, the variance of the cell means
///   that the two main effects do not explain.
/// On a complete grid (every combination once, a balanced design) these are exactly the first- and second-order
/// terms of a functional ANOVA (Hutter et al., 2014, fANOVA) of the observed scores, and all terms sum to V; the
/// share left after the main effects is interactions. On an incomplete or list-of-dicts grid the design is not
/// balanced and the shares are approximate (they need not sum to at most one; the remainder is clamped at zero).
/// The log makes "twice as good" count the same at every scale of MSE. Diverged and failed trials have no score and
/// are left out. A trial lacking a key (a sub-grid without it) counts under the value "(absent)".
public struct Importance: Sendable, Equatable {
    public struct Entry: Sendable, Equatable {
        public var key: String
        /// Main effect as a share of the total variance, in [0, 1].
        public var share: Double
    }

    public struct Pair: Sendable, Equatable {
        public var keys: (String, String)
        public var share: Double

        public static func == (a: Pair, b: Pair) -> Bool { a.keys == b.keys && a.share == b.share }
    }

    /// Keys with more than one value, largest share first (ties by name).
    public var entries: [Entry]
    /// Every pair of those keys, largest interaction share first.
    public var pairs: [Pair]
    /// 1 − Σ main-effect shares, at least 0: interactions and anything the keys do not explain.
    public var remainder: Double
    /// Trials the decomposition used.
    public var trials: Int

    /// The decomposition of `records`' finished trials over `keys` (the keys that vary).
    public init(records: [TrialRecord], keys: [String]) {
        let finished = records.filter { $0.status == .ok && ($0.testScore.map { $0 > 0 && $0.isFinite } ?? false) }
        let y = finished.map { log10($0.testScore!) }
        trials = y.count
        let n = Double(y.count)
        let mean = y.reduce(0, +) / max(n, 1)
        let total = y.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / max(n, 1)
        guard y.count > 1, total > 0 else {
            entries = keys.sorted().map { Entry(key: $0, share: 0) }
            pairs = []
            remainder = 0
            return
        }
        // Each trial's value label per key, then per key the value index of every trial.
        func label(_ record: TrialRecord, _ key: String) -> String { record.parameters[key]?.canonicalJSON ?? "(absent)" }
        var codes: [String: [Int]] = [:]
        var levelCounts: [String: Int] = [:]
        for key in keys {
            var index: [String: Int] = [:]
            codes[key] = finished.map { record in
                let value = label(record, key)
                if let i = index[value] { return i }
                index[value] = index.count
                return index.count - 1
            }
            levelCounts[key] = index.count
        }
        func groupMeans(_ key: String) -> [Double] {
            var sums = [Double](repeating: 0, count: levelCounts[key]!), counts = sums
            for (t, c) in codes[key]!.enumerated() { sums[c] += y[t]; counts[c] += 1 }
            return zip(sums, counts).map { $1 > 0 ? $0 / $1 : mean }
        }
        var means: [String: [Double]] = [:]
        var main: [Entry] = []
        for key in keys {
            let m = groupMeans(key)
            means[key] = m
            let v = codes[key]!.map { (m[$0] - mean) * (m[$0] - mean) }.reduce(0, +) / n
            main.append(Entry(key: key, share: min(max(v / total, 0), 1)))
        }
        entries = main.sorted { ($0.share, $1.key) > ($1.share, $0.key) }
        remainder = max(0, 1 - main.map(\.share).reduce(0, +))

        var pairs: [Pair] = []
        let sortedKeys = keys.sorted()
        for (i, p) in sortedKeys.enumerated() {
            for q in sortedKeys[(i + 1)...] {
                let (cp, cq) = (codes[p]!, codes[q]!)
                let width = levelCounts[q]!
                var sums = [Double](repeating: 0, count: levelCounts[p]! * width), counts = sums
                for t in 0 ..< finished.count {
                    sums[cp[t] * width + cq[t]] += y[t]
                    counts[cp[t] * width + cq[t]] += 1
                }
                let (mp, mq) = (means[p]!, means[q]!)
                var v = 0.0
                for t in 0 ..< finished.count {
                    let cell = cp[t] * width + cq[t]
                    let d = sums[cell] / counts[cell] - mp[cp[t]] - mq[cq[t]] + mean
                    v += d * d
                }
                pairs.append(Pair(keys: (p, q), share: min(max(v / n / total, 0), 1)))
            }
        }
        self.pairs = pairs.sorted { ($0.share, $1.keys.0, $1.keys.1) > ($1.share, $0.keys.0, $0.keys.1) }
    }

    /// The main-effect share of `key` (0 when it does not vary).
    public func share(of key: String) -> Double { entries.first { $0.key == key }?.share ?? 0 }

    /// One sentence stating the method, shown under the chart.
    public static let method = "Method: a functional-ANOVA (fANOVA-style) decomposition of log₁₀(test MSE) over the "
        + "finished trials, computed from marginal means: each bar is the variance of that parameter's per-value mean "
        + "as a share of the total variance; the grey bar is what no single parameter explains (interactions and "
        + "noise). Exact for a complete grid; approximate for a partial or list-of-grids search."
}
