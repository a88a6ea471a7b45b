import Foundation
import GridSearch
import LinearAlgebra

extension BenchmarkSection {
    /// The results log's per-record cost: a 100-epoch `TrialRecord` encoded to its JSON line and decoded back, by
    /// the hand-written codec (`jsonLine()` / `decode(line:)`, on the JSONLines module) and by Foundation's Codable
    /// coders with the same settings (its oracle), timed interleaved so the ratio holds on a busy machine.
    static let codec = BenchmarkSection(
        name: "codec",
        summary: "results-log record encode/decode (ms/record, 100-epoch history): hand-written codec vs Codable"
    ) { context in
        let record = CodecBenchmark.typicalRecord(epochs: 100)
        let line = try record.jsonLine()
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        let decoder = JSONDecoder()
        decoder.nonConformingFloatDecodingStrategy = .convertFromString(
            positiveInfinity: "Infinity", negativeInfinity: "-Infinity", nan: "NaN")
        var sink = 0
        let seconds = context.secondsPerCall(interleaving: [
            TimedOperation { sink &+= (try? record.jsonLine())?.count ?? 0 },
            TimedOperation { sink &+= (try? TrialRecord.decode(line: line))?.history.count ?? 0 },
            TimedOperation { sink &+= (try? encoder.encode(record))?.count ?? 0 },
            TimedOperation { sink &+= (try? decoder.decode(TrialRecord.self, from: line))?.history.count ?? 0 },
        ])
        precondition(sink != 0)
        let names = ["encode, hand-written", "decode, hand-written", "encode, Codable", "decode, Codable"]
        for (name, value) in zip(names, seconds) {
            context.record(BenchmarkRecord(section: "codec", name: "100-epoch record, \(name)", backend: "-",
                                           threads: 1, metric: "time", value: value * 1e3, unit: "ms/record"))
        }
    }
}

enum CodecBenchmark {
    /// A finished trial with an `epochs`-epoch history of awkward Doubles, as the codec's tests use.
    static func typicalRecord(epochs: Int) -> TrialRecord {
        var generator = SeededGenerator(seed: 42)
        let history = (1 ... epochs).map { epoch -> TrialRecord.Epoch in
            let loss = Double.random(in: 0.001 ..< 2, using: &generator) / Double(epoch)
            return TrialRecord.Epoch(epoch: epoch, loss: loss, validationLoss: loss * 1.1,
                                     seconds: Double.random(in: 0 ..< 0.05, using: &generator))
        }
        return TrialRecord(trialID: "t42-000000000000002a", index: 42,
                           parameters: ["latent_dim": .int(8), "learning_rate": .double(0.001),
                                        "activation": .string("relu"), "encoder_units": .intList([64, 32]),
                                        "l2": .double(1e-05)],
                           status: .ok, trainLoss: history.last?.loss, testScore: 0.123456789012345678,
                           epochsRun: epochs, bestEpoch: epochs, history: history, fitSeconds: 12.5, seed: 42)
    }
}
