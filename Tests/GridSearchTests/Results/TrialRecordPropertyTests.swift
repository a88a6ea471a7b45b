import Foundation
import XCTest
@testable import GridSearch
import LinearAlgebra

/// A results-log line decodes to the record it was written from, over generated records (issue 13, item 6).
final class TrialRecordPropertyTests: XCTestCase {
    static func double(_ generator: inout SeededGenerator) -> Double {
        switch Int.random(in: 0 ..< 6, using: &generator) {
        case 0: return [0, -0.0, .infinity, -.infinity, .leastNonzeroMagnitude, .greatestFiniteMagnitude].randomElement(using: &generator)!
        case 1: return Double(bitPattern: UInt64.random(in: 0 ..< 0x7FF0_0000_0000_0000, using: &generator))
        default: return Double.random(in: -10 ... 10, using: &generator)
        }
    }

    static func string(_ generator: inout SeededGenerator) -> String {
        let pieces = ["a", "é", "\"", "\\", "\n", "\u{1}", "∑", "😀", " ", "/"]
        return (0 ..< Int.random(in: 0 ... 8, using: &generator)).map { _ in pieces.randomElement(using: &generator)! }.joined()
    }

    func testJSONLineRoundTrip() throws {
        var generator = SeededGenerator(seed: 99)
        for trial in 0 ..< 300 {
            var g = generator
            let history = (0 ..< Int.random(in: 0 ... 5, using: &g)).map { e in
                TrialRecord.Epoch(epoch: e + 1, loss: Self.double(&g), validationLoss: Bool.random(using: &g) ? Self.double(&g) : nil,
                                  seconds: abs(Self.double(&g)))
            }
            let fractional = Double(Int.random(in: 1 ... 999, using: &g)) / 1000 + 0.0005
            let record = TrialRecord(
                trialID: String(UInt64.random(in: 0 ... .max, using: &g), radix: 16), index: Int.random(in: 0 ... 1 << 40, using: &g),
                parameters: ["latent_dim": .int(Int.random(in: 1 ... 1 << 30, using: &g)), "learning_rate": .double(fractional),
                             "activation": .string(Self.string(&g)), "shuffle": .bool(Bool.random(using: &g)),
                             "encoder_units": .intList([Int.random(in: 1 ... 99, using: &g)])],
                status: [.ok, .diverged, .failed].randomElement(using: &g)!, reason: Bool.random(using: &g) ? Self.string(&g) : nil,
                trainLoss: Self.double(&g), testScore: Bool.random(using: &g) ? Self.double(&g) : nil,
                foldScores: Bool.random(using: &g) ? [Self.double(&g), Self.double(&g)] : nil,
                epochsRun: Int.random(in: 0 ... 1000, using: &g), bestEpoch: Bool.random(using: &g) ? 3 : nil, history: history,
                fitSeconds: abs(Self.double(&g)), seed: UInt64.random(in: 0 ... .max, using: &g))
            generator = g
            let line = try record.jsonLine()
            XCTAssertFalse(line.contains(UInt8(ascii: "\n")), "case \(trial): one line")
            XCTAssertEqual(try TrialRecord.decode(line: line), record, "case \(trial): \(String(decoding: line, as: UTF8.self))")
        }
    }
}
