import XCTest
@testable import SearchReport
@testable import GridSearch
import TestSupport
import SearchSpace

final class ImportanceTests: XCTestCase {
    /// A complete grid over `keys` (value lists), each trial scored by `score` of its value indices.
    private func grid(_ keys: [(String, [ParameterValue])], score: ([Int]) -> Double?) -> [TrialRecord] {
        var records: [TrialRecord] = []
        var index = 0
        func visit(_ depth: Int, _ chosen: [Int]) {
            if depth == keys.count {
                var parameters: [String: ParameterValue] = [:]
                for (k, i) in chosen.enumerated() { parameters[keys[k].0] = keys[k].1[i] }
                let s = score(chosen)
                records.append(TrialRecord(trialID: String(format: "%016x", index), index: index, parameters: parameters,
                                           status: s == nil ? .diverged : .ok, reason: s == nil ? "loss is NaN" : nil,
                                           testScore: s, epochsRun: 10, fitSeconds: 0.1, seed: UInt64(index)))
                index += 1
                return
            }
            for i in keys[depth].1.indices { visit(depth + 1, chosen + [i]) }
        }
        visit(0, [])
        return records
    }

    /// The latent size decides the score (a factor of two per step); learning rate and batch size move it by a
    /// few percent: the latent size must come first, with most of the variance, whatever the key names' order.
    func testDominantParameterRanksFirst() {
        let records = grid([
            ("batch_size", [.int(16), .int(32), .int(64)]),
            ("latent_dim", [.int(2), .int(4), .int(8), .int(16)]),
            ("learning_rate", [.double(0.01), .double(0.001)]),
        ]) { i in 0.2 / pow(2, Double(i[1])) * (1 + 0.06 * Double(i[0])) * (i[2] == 0 ? 1 : 1.05) }
        let importance = Importance(records: records, keys: ["batch_size", "latent_dim", "learning_rate"])
        XCTAssertEqual(importance.entries.map(\.key), ["latent_dim", "batch_size", "learning_rate"])
        XCTAssertGreaterThan(importance.share(of: "latent_dim"), 0.95)
        XCTAssertEqual(importance.trials, 24)
    }

    /// On a complete two-key grid, the two main effects and their interaction are the whole variance (the ANOVA
    /// identity), so their shares sum to one; an additive score (in log space) has no interaction at all.
    func testSharesOfACompleteGridSumToOne() {
        let keys: [(String, [ParameterValue])] = [("a", [.int(1), .int(2), .int(3)]), ("b", [.string("x"), .string("y")])]
        let effectsA = [0.0, 0.7, -0.4], effectsB = [0.3, -0.3], interaction = [[0.1, -0.1], [-0.2, 0.2], [0.1, -0.1]]
        let withInteraction = Importance(records: grid(keys) { i in
            pow(10, -2 + effectsA[i[0]] + effectsB[i[1]] + interaction[i[0]][i[1]])
        }, keys: ["a", "b"])
        let total = withInteraction.entries.map(\.share).reduce(0, +) + withInteraction.pairs[0].share
        XCTAssertEqual(total, 1, accuracy: 1e-9)
        XCTAssertEqual(withInteraction.remainder, withInteraction.pairs[0].share, accuracy: 1e-9)

        let additive = Importance(records: grid(keys) { i in pow(10, -2 + effectsA[i[0]] + effectsB[i[1]]) }, keys: ["a", "b"])
        XCTAssertEqual(additive.pairs[0].share, 0, accuracy: 1e-12)
        XCTAssertEqual(additive.remainder, 0, accuracy: 1e-12)
        // Var(a effects) = mean of squares of [0.1, 0.8, -0.3] minus 0.2² … computed directly:
        let a = effectsA.map { $0 - effectsA.reduce(0, +) / 3 }, b = effectsB
        let va = a.map { $0 * $0 }.reduce(0, +) / 3, vb = b.map { $0 * $0 }.reduce(0, +) / 2
        XCTAssertEqual(additive.share(of: "a"), va / (va + vb), accuracy: 1e-12)
    }

    /// Diverged trials have no score and are left out; a key with one value or no finished trials gives zeros.
    func testDivergedTrialsAreLeftOutAndDegenerateInputsGiveZeros() {
        let records = grid([("latent_dim", [.int(2), .int(4)]), ("l2", [.double(0), .double(1)])]) { i in
            i[1] == 1 ? nil : (i[0] == 0 ? 0.1 : 0.01)
        }
        let importance = Importance(records: records, keys: ["l2", "latent_dim"])
        XCTAssertEqual(importance.trials, 2)
        XCTAssertEqual(importance.share(of: "latent_dim"), 1, accuracy: 1e-12)
        XCTAssertEqual(importance.share(of: "l2"), 0)
        let none = Importance(records: Array(records.filter { $0.status != .ok }), keys: ["l2"])
        XCTAssertEqual(none.trials, 0)
        XCTAssertEqual(none.entries.map(\.share), [0])
    }
}
