import Foundation
import GridSearch

/// Successive halving against the full grid, in the same run: a 48-point grid on the digits data (1797 × 64,
/// held-out 20 %), every point to 27 epochs, against `--halving --min-epochs 3` (rungs of 48, 16 and 6 trials at 3,
/// 9 and 27 epochs). Both are whole `aegrid search --jobs 2` processes (start-up, PCA, reports and refit included);
/// the figures are the median wall time over repeats (the two alternate, so drift in the machine's load hits both),
/// the best test MSE of each (the same every repeat: training is deterministic), and the epochs each trained
/// (halving: each candidate's last epoch count, since promoted trials continue rather than restart).
extension BenchmarkSection {
    static let halving = BenchmarkSection(
        name: "halving",
        summary: "successive halving against the full grid: 48 points of the digits data, wall time, best MSE, epochs"
    ) { context in
        let runner = try SearchBenchmark(quick: context.quick)
        defer { runner.removeScratch() }
        try runner.halvingAgainstFullGrid(&context)
    }
}

extension SearchBenchmark {
    /// 4 encoders × 3 learning rates × 2 batch sizes × 2 activations = 48 points.
    static let digitsGrid = #"{"encoder_units": [[32, 8], [32, 16], [64, 16], [64, 32]], "learning_rate": [0.01, 0.003, 0.001], "batch_size": [32, 64], "activation": ["relu", "tanh"], "epochs": [27]}"#

    func halvingAgainstFullGrid(_ context: inout BenchmarkContext) throws {
        let repeats = context.repeatsOverride ?? (quick ? 1 : 3)
        let common = ["--train", "examples/digits/digits_X.csv", "--grid", Self.digitsGrid, "--jobs", "2"]
        let variants: [(name: String, arguments: [String])] = [
            ("full grid", []), ("halving", ["--halving", "--min-epochs", "3"]),
        ]
        print("halving: \(repeats) repeat\(repeats == 1 ? "" : "s") × (full grid, --halving --min-epochs 3) on 48 digits points")
        var walls: [String: [Double]] = [:]
        var outcome: [String: (best: Double, epochs: Int, records: Int)] = [:]
        for _ in 0 ..< repeats {
            for variant in variants {
                let out = "\(scratch)/halving-\(variant.name.replacingOccurrences(of: " ", with: "-"))"
                let usage = try search(common + variant.arguments, out: out)
                walls[variant.name, default: []].append(usage.wallSeconds)
                let records = try ResultsLog.read(path: out + "/results.jsonl", histories: false).records
                let best = try ResultsDirectory.report(directory: out).best?.testScore ?? .nan
                // A candidate's epochs: its longest record (a promoted trial continues, so earlier rungs add none).
                var longest: [String: Int] = [:]
                for record in records {
                    let key = record.parameters.filter { $0.key != "epochs" }.map { "\($0.key)=\($0.value)" }.sorted().joined(separator: ",")
                    longest[key] = max(longest[key] ?? 0, record.epochsRun)
                }
                outcome[variant.name] = (best, longest.values.reduce(0, +), records.count)
            }
        }
        print("variant     wall s   best test MSE  epochs trained  records")
        for variant in variants {
            let wall = median(walls[variant.name] ?? [])
            let result = outcome[variant.name]!
            print(variant.name.padding(toLength: 10, withPad: " ", startingAt: 0) + "  "
                  + String(format: "%6.2f   %.6g      %6d          %d", wall, result.best, result.epochs, result.records))
            func record(_ metric: String, _ value: Double, _ unit: String) {
                context.record(BenchmarkRecord(section: "halving", name: "digits 48 points, \(variant.name)", backend: backend,
                                               threads: 2, metric: metric, value: value, unit: unit))
            }
            record("wall", wall, "s wall")
            record("best test MSE", result.best, "MSE")
            record("epochs trained", Double(result.epochs), "epochs")
        }
        let full = outcome["full grid"]!, halving = outcome["halving"]!
        let wallRatio = median(walls["halving"]!) / median(walls["full grid"]!)
        let mseRatio = halving.best / full.best
        print(String(format: "halving ÷ full grid: wall %.1f %%, best test MSE %+.2f %%, epochs %.1f %%",
                     100 * wallRatio, 100 * (mseRatio - 1), 100 * Double(halving.epochs) / Double(full.epochs)))
        context.record(BenchmarkRecord(section: "halving", name: "digits 48 points, halving ÷ full grid", backend: backend,
                                       threads: 2, metric: "wall ratio", value: wallRatio, unit: "×"))
        context.record(BenchmarkRecord(section: "halving", name: "digits 48 points, halving ÷ full grid", backend: backend,
                                       threads: 2, metric: "best MSE ratio", value: mseRatio, unit: "×"))
    }
}
