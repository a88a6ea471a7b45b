import Foundation
import LinearAlgebra
import XCTest
@testable import GridSearch
import TestSupport
import SearchSpace

/// The hand-written `results.jsonl` codec against its oracle, the Codable path through Foundation
/// (`TrialRecord.encoder` / `TrialRecord.decoder`) that wrote every existing log.
final class TrialRecordJSONTests: XCTestCase {
    // MARK: - Oracle and comparison

    private func oldLine(_ record: TrialRecord) throws -> Data { try TrialRecord.encoder.encode(record) }
    private func oldDecode(_ line: Data) throws -> TrialRecord { try TrialRecord.decoder.decode(TrialRecord.self, from: line) }
    private func text(_ line: Data) -> String { String(decoding: line, as: UTF8.self) }

    /// Every field, Doubles by bit pattern (so NaN equals NaN and -0.0 differs from 0.0) and parameter values with
    /// their case: two records are identical exactly when their descriptions are equal.
    private func exact(_ record: TrialRecord) -> String {
        func double(_ value: Double?) -> String { value.map { "0x" + String($0.bitPattern, radix: 16) } ?? "nil" }
        func doubles(_ values: [Double]?) -> String { values.map { "[" + $0.map(double).joined(separator: ",") + "]" } ?? "nil" }
        func parameter(_ value: ParameterValue) -> String {
            switch value {
            case .int(let value): return "int(\(value))"
            case .double(let value): return "double(\(double(value)))"
            case .string(let value): return "string(\(value.unicodeScalars.map { String($0.value, radix: 16) }))"
            case .bool(let value): return "bool(\(value))"
            case .intList(let values): return "intList(\(values))"
            }
        }
        let parameters = record.parameters.sorted { $0.key < $1.key }.map { "\($0.key.unicodeScalars.map(\.value))=\(parameter($0.value))" }
        let history = record.history.map { "\($0.epoch):\(double($0.loss)):\(double($0.validationLoss)):\(double($0.seconds))" }
        return """
            id=\(record.trialID.unicodeScalars.map(\.value)) index=\(record.index) status=\(record.status) \
            reason=\(record.reason.map { "\($0.unicodeScalars.map(\.value))" } ?? "nil") parameters=\(parameters) \
            train=\(double(record.trainLoss)) test=\(double(record.testScore)) std=\(double(record.testScoreStd)) \
            folds=\(doubles(record.foldScores)) epochs=\(record.epochsRun) best=\(record.bestEpoch.map(String.init) ?? "nil") \
            history=\(history) fit=\(double(record.fitSeconds)) foldFit=\(doubles(record.foldFitSeconds)) seed=\(record.seed)
            """
    }

    private func assertIdentical(_ actual: TrialRecord, _ expected: TrialRecord, _ message: String = "",
                                 file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertEqual(exact(actual), exact(expected), message, file: file, line: line)
    }

    // MARK: - Records

    /// A finished trial with a `epochs`-epoch history of awkward Doubles (17-digit, tiny, integral).
    private func typicalRecord(epochs: Int = 100, seed: UInt64 = 42, validation: Bool = true) -> TrialRecord {
        var generator = SeededGenerator(seed: seed)
        var history: [TrialRecord.Epoch] = []
        for epoch in 1...max(epochs, 1) where epochs > 0 {
            let loss = Double.random(in: 0.001..<2, using: &generator) / Double(epoch)
            history.append(TrialRecord.Epoch(epoch: epoch, loss: loss,
                                             validationLoss: validation ? loss * 1.1 : nil,
                                             seconds: Double.random(in: 0..<0.05, using: &generator)))
        }
        return TrialRecord(trialID: "t\(seed)-\(hex16(seed))", index: Int(seed % 1000),
                           parameters: ["latent_dim": .int(8), "learning_rate": .double(0.001), "activation": .string("relu"),
                                        "hidden_layers": .intList([64, 32]), "batch_norm": .bool(false), "l2": .double(1e-05)],
                           status: .ok, trainLoss: history.last?.loss, testScore: 0.123456789012345678,
                           epochsRun: epochs, bestEpoch: epochs, history: history, fitSeconds: 12.5, seed: seed)
    }

    /// Records covering every field's edge cases; the old path keeps each of them unchanged.
    private var variedRecords: [TrialRecord] {
        var records = [typicalRecord(), typicalRecord(epochs: 3, seed: 7, validation: false)]
        records.append(TrialRecord(trialID: "empty", index: 0, parameters: [:], status: .failed,
                                   reason: "layer 2 has 0 units", epochsRun: 0, fitSeconds: 0, seed: 0))
        records.append(TrialRecord(trialID: "cv", index: 12, parameters: ["latent_dim": .int(-3)], status: .ok,
                                   trainLoss: 0.25, testScore: 0.5, testScoreStd: 0.0125, foldScores: [0.5, 0.4875, 0.5125],
                                   epochsRun: 2, bestEpoch: 1,
                                   history: [TrialRecord.Epoch(epoch: 1, loss: 1, seconds: 0.5),
                                             TrialRecord.Epoch(epoch: 2, loss: 0.75, validationLoss: 0.8, seconds: 1e-07)],
                                   fitSeconds: 1.5, foldFitSeconds: [1.25, 1.5, 1.75], seed: .max))
        records.append(TrialRecord(trialID: "diverged", index: .max, parameters: ["learning_rate": .double(10.5)],
                                   status: .diverged, reason: "loss became NaN at epoch 3, batch 7",
                                   trainLoss: .nan, testScore: .infinity, testScoreStd: -.infinity,
                                   foldScores: [.nan, .infinity, -.infinity, -0.0, .leastNonzeroMagnitude, .greatestFiniteMagnitude],
                                   epochsRun: 3, bestEpoch: nil,
                                   history: [TrialRecord.Epoch(epoch: 1, loss: 0.5, validationLoss: .nan, seconds: 0.01),
                                             TrialRecord.Epoch(epoch: 2, loss: .infinity, validationLoss: -.infinity, seconds: 0.02),
                                             TrialRecord.Epoch(epoch: 3, loss: .nan, seconds: 0.03)],
                                   fitSeconds: 0.06, foldFitSeconds: [], seed: 0x8000_0000_0000_0000))
        let controls = String(String.UnicodeScalarView((0..<32).map { Unicode.Scalar(UInt8($0)) }))
        let awkward = "quote \" backslash \\ slash / controls " + controls + " del \u{7F} é 😀 \u{2028} e\u{301} ǅ"
        records.append(TrialRecord(trialID: "weird/\"id\"\\é", index: .max,
                                   parameters: ["activation": .string(awkward), "name\n\"é\"": .string(""),
                                                "l10": .int(.min), "l2": .int(.max), "Z": .bool(true), "a_b": .intList([]),
                                                "aB": .intList([-1, 0, .max]), "é": .double(-2.5e-300), "ß": .double(1.5e300),
                                                "tiny": .double(.leastNonzeroMagnitude), "pi": .double(.pi)],
                                   status: .failed, reason: awkward, epochsRun: 0, fitSeconds: 3.0e-5, seed: 1))
        return records
    }

    // MARK: - Same bytes as JSONEncoder

    func testNewEncoderWritesTheOldEncodersBytes() throws {
        for record in variedRecords {
            XCTAssertEqual(text(try record.jsonLine()), text(try oldLine(record)), record.trialID)
        }
    }

    func testTypicalLineReadsAsExpected() throws {
        let record = TrialRecord(trialID: "abc", index: 3, parameters: ["epochs": .int(100), "learning_rate": .double(100.0)],
                                 status: .ok, trainLoss: 0.5, testScore: 1e-05, epochsRun: 1, bestEpoch: 1,
                                 history: [TrialRecord.Epoch(epoch: 1, loss: 2.0, validationLoss: 1e+16, seconds: 0.125)],
                                 fitSeconds: .nan, seed: .max)
        XCTAssertEqual(text(try record.jsonLine()), #"{"best_epoch":1,"epochs_run":1,"fit_seconds":"NaN","# +
                       #""history":[{"epoch":1,"loss":2,"seconds":0.125,"val_loss":1e+16}],"index":3,"# +
                       #""parameters":{"epochs":100,"learning_rate":100},"seed":18446744073709551615,"status":"ok","# +
                       #""test_score":1e-05,"train_loss":0.5,"trial_id":"abc"}"#)
    }

    /// Doubles of every magnitude, random bit patterns included: the same text as JSONEncoder, and back bit for bit
    /// through both decoders.
    func testDoublesMatchJSONEncoderAndRoundTripExactly() throws {
        var generator = SeededGenerator(seed: 2024)
        var values: [Double] = [0, -0.0, 1, -1, 100, 1e15, 1e16, 1e17, 123456789012345680, 9007199254740992,
                                9007199254740994, 0.1, 0.3, 0.30000000000000004, 1e-05, 1e-7, 2.5e-7, 1e21, 1e22, 1e23,
                                .leastNonzeroMagnitude, 2.2250738585072014e-308, Double.leastNormalMagnitude.nextDown, .greatestFiniteMagnitude,
                                .leastNormalMagnitude, .ulpOfOne, 1 + .ulpOfOne, 0.1 + 0.2, 4.35, 0.000123456789]
        for _ in 0..<4000 {
            values.append(Double(bitPattern: generator.next()))
            values.append(Double.random(in: 0..<1, using: &generator) * pow(10, Double(Int.random(in: -12...20, using: &generator))))
            values.append(Double(Int.random(in: -1_000_000...1_000_000, using: &generator)) / 64)
        }
        values = values.filter(\.isFinite) + [.nan, .infinity, -.infinity]
        let record = TrialRecord(trialID: "doubles", index: 0, parameters: [:], status: .ok, foldScores: values,
                                 epochsRun: 0, fitSeconds: 0, seed: 0)
        let line = try record.jsonLine()
        XCTAssertEqual(text(line), text(try oldLine(record)))
        assertIdentical(try TrialRecord.decode(line: line), record)
        assertIdentical(try oldDecode(line), record)
    }

    // MARK: - Decoding like JSONDecoder

    func testRoundTripKeepsEveryField() throws {
        for record in variedRecords {
            assertIdentical(try TrialRecord.decode(line: record.jsonLine()), record, record.trialID)
        }
    }

    func testOldEncoderLinesDecodeAsWithJSONDecoder() throws {
        for record in variedRecords + quirkyRecords {
            let line = try oldLine(record)
            assertIdentical(try TrialRecord.decode(line: line), try oldDecode(line), record.trialID)
        }
    }

    func testNewEncoderLinesDecodeWithJSONDecoder() throws {
        for record in variedRecords {
            assertIdentical(try oldDecode(record.jsonLine()), record, record.trialID)
        }
        for record in quirkyRecords {
            assertIdentical(try oldDecode(record.jsonLine()), try TrialRecord.decode(line: record.jsonLine()), record.trialID)
        }
    }

    /// Parameter values the old path does not bring back as they were (see `ParameterValue.init(reading:)`).
    private var quirkyRecords: [TrialRecord] {
        [TrialRecord(trialID: "quirks", index: 0,
                     parameters: ["a": .double(100.0), "b": .double(-0.0), "c": .double(1e16), "d": .double(1.2345678901234567e+17),
                                  "e": .double(9.223372036854776e+18), "f": .double(-9.223372036854776e+18),
                                  "g": .string("NaN"), "h": .string("-Infinity"), "i": .double(.nan), "j": .double(.infinity),
                                  "k": .string("100"), "l": .double(9007199254740994)],
                     status: .ok, epochsRun: 0, fitSeconds: 0, seed: 0)]
    }

    func testIntegralDoubleParametersReadBackAsIntegersAsBefore() throws {
        let decoded = try TrialRecord.decode(line: quirkyRecords[0].jsonLine())
        XCTAssertEqual(decoded.parameters["a"], .int(100))
        XCTAssertEqual(decoded.parameters["b"], .int(0))
        XCTAssertEqual(decoded.parameters["c"], .int(10_000_000_000_000_000))
        XCTAssertEqual(decoded.parameters["d"], .int(123_456_789_012_345_660), "the digits, not the Double's exact value")
        XCTAssertEqual(decoded.parameters["e"], .double(9.223372036854776e+18), "beyond Int.max")
        XCTAssertEqual(decoded.parameters["f"], .double(-9.223372036854776e+18), "its digits are beyond Int.min")
        XCTAssertEqual(decoded.parameters["k"], .string("100"))
        XCTAssertEqual(decoded.parameters["l"], .int(9007199254740994))
        guard case .double(let nan)? = decoded.parameters["g"], nan.isNaN else {
            return XCTFail("the string \"NaN\" reads as the Double NaN, as JSONDecoder's non-finite strategy reads it")
        }
        XCTAssertEqual(decoded.parameters["h"], .double(-.infinity))
    }

    /// Hand-written parameter values, each decoded both ways: same value, or both refuse the line.
    func testParameterValuesFollowJSONDecoder() throws {
        let values = ["0", "-0", "100", "100.0", "1e2", "1E+2", "1e02", "-0.0", "0.0e0", "1.5", "-1.5e1", "1e-05", "2.5e-07",
                      "1e+16", "1e16", "9007199254740993", "9007199254740993.0", "1.2345678901234567e+17",
                      "9223372036854775807", "9223372036854775808", "-9223372036854775808", "-9223372036854775809",
                      "9.223372036854775807e18", "-9.223372036854775807e18", "1e19", "18446744073709551616",
                      "123456789012345678901234567890", "0.1e1", "1.0000000000000001e2", "1e400", "-1e400",
                      "true", "false", "\"x\"", "\"\"", "\"NaN\"", "\"Infinity\"", "\"-Infinity\"", "\"nan\"",
                      "\"\\u00e9\\ud83d\\ude00\\/\"", "[8,4]", "[]", "[1.0]", "[1e2]", "[-0]", "[1.5]", "[true]", "[\"1\"]",
                      "[9223372036854775808]", "null", "{}", "{\"a\":1}", "[[1]]"]
        for value in values {
            let line = Data(#"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{"p":"#.utf8)
                + Data(value.utf8) + Data(#"},"seed":0,"status":"ok","trial_id":"t"}"#.utf8)
            switch (Result { try TrialRecord.decode(line: line) }, Result { try oldDecode(line) }) {
            case (.success(let new), .success(let old)):
                assertIdentical(new, old, value)
            case (.failure, .failure):
                break
            case (.success(let new), .failure(let error)):
                XCTFail("\(value): read as \(new.parameters["p"]!) but JSONDecoder refuses it: \(error)")
            case (.failure(let error), .success(let old)):
                XCTFail("\(value): refused (\(error)) but JSONDecoder reads \(old.parameters["p"]!)")
            }
        }
    }

    func testEscapesAndWhitespaceDecodeAsWithJSONDecoder() throws {
        let lines = [
            #"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{},"seed":0,"status":"ok","# +
                #""trial_id":"\"\\\/\b\f\n\r\t\u0000\u001F\u00e9\u00E9\u20ac\ud83d\ude00\uD83D\uDE00 é😀"}"#,
            " {\t\"epochs_run\" : 0 ,\r\n \"fit_seconds\" : 0 , \"history\" : [ ] , \"index\" : 0 , \"parameters\" : { } , "
                + "\"seed\" : 0 , \"status\" : \"ok\" , \"trial_id\" : \"t\" } \r",
            #"{"\u0065pochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{"\u00e9":1},"seed":0,"# +
                #""status":"ok","trial_id":"t"}"#,
            // Unknown keys are skipped, whatever they hold; null optionals are nil.
            #"{"epochs_run":0,"fit_seconds":0,"future":{"a":[1,-2.5e3,{"b":null}],"c":"\u00e9","d":true},"history":"# +
                #"[{"epoch":1,"loss":1,"seconds":0,"val_loss":null,"extra":[]}],"index":0,"parameters":{},"reason":null,"# +
                #""best_epoch":null,"fold_scores":null,"seed":0,"status":"ok","trial_id":"t","train_loss":null}"#,
        ]
        for line in lines {
            assertIdentical(try TrialRecord.decode(line: Data(line.utf8)), try oldDecode(Data(line.utf8)), line)
        }
    }

    // MARK: - Strict decoding

    /// Each malformed line throws, and the message names the problem, the key path and the byte offset.
    func testMalformedLinesSayWhatAndWhere() throws {
        let head = #"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{},"seed":0,"status":"ok","#
        let cases: [(line: String, message: String)] = [
            ("", "at byte 0: the line holds no JSON value"),
            (head + #""trial_id":"t"} x"#, "at byte 110: unexpected x after the end of the value"),
            (head + #""trial_id":"t"}}"#, "at byte 109: unexpected '}' after the end of the value"),
            (head + #""trial_id":"t""#, "at byte 108: the object is not closed: expected ',' or '}'"),
            (head + #""trial_id":"t"#, "trial_id at byte 105: the string is not closed: expected '\"' before the end of the line"),
            (head + #""trial_id":"t",}"#, "at byte 109: expected a key in double quotes, found '}'"),
            (head + #""trial_id":"t","trial_id":"u"}"#, "trial_id at byte 109: duplicate key"),
            (head + #""trial_id":7}"#, "trial_id at byte 105: expected a string, found 7"),
            (head + #""trial_id":null}"#, "trial_id at byte 105: expected a string, found null"),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{},"status":"ok","trial_id":"t"}"#,
             "at byte 99: missing required key \"seed\""),
            (#"{"trial_id":"t"}"#, "at byte 15: missing required keys \"index\", \"parameters\", \"status\", "
                + "\"epochs_run\", \"history\", \"fit_seconds\", \"seed\""),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[],"index":"3","parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "index at byte 53: expected a number, found a string"),
            (#"{"epochs_run":1.5,"fit_seconds":0,"history":[],"index":0,"parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "epochs_run at byte 14: expected an integer that fits in 64 bits, found 1.5"),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[],"index":-2,"parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "index at byte 53: expected an integer ≥ 0, found -2"),
            (#"{"epochs_run":-1,"fit_seconds":0,"history":[],"index":0,"parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "epochs_run at byte 14: expected an integer ≥ 0, found -1"),
            (#"{"best_epoch":-1,"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{},"seed":0,"# +
                #""status":"ok","trial_id":"t"}"#,
             "best_epoch at byte 14: expected an integer ≥ 0, found -1"),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[{"epoch":-1,"loss":1,"seconds":0}],"index":0,"parameters":{},"# +
                #""seed":0,"status":"ok","trial_id":"t"}"#,
             "history[0].epoch at byte 52: expected an integer ≥ 0, found -1"),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{},"seed":-1,"status":"ok","trial_id":"t"}"#,
             "seed at byte 78: expected a non-negative integer that fits in 64 bits, found -1"),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{},"seed":18446744073709551616,"# +
                #""status":"ok","trial_id":"t"}"#,
             "seed at byte 78: expected a non-negative integer that fits in 64 bits, found 18446744073709551616"),
            (#"{"epochs_run":0,"fit_seconds":NaN,"history":[],"index":0,"parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "fit_seconds at byte 30: expected a number, found NaN"),
            (#"{"epochs_run":0,"fit_seconds":"nan","history":[],"index":0,"parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "fit_seconds at byte 30: expected a number, found the string \"nan\" (only \"NaN\", \"Infinity\" and "
                + "\"-Infinity\" stand for numbers)"),
            (#"{"epochs_run":0,"fit_seconds":1e999,"history":[],"index":0,"parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "fit_seconds at byte 30: the number 1e999 is out of the range of a Double"),
            (#"{"epochs_run":0,"fit_seconds":01,"history":[],"index":0,"parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "fit_seconds at byte 30: a number must not start with a leading zero"),
            (#"{"epochs_run":0,"fit_seconds":1.,"history":[],"index":0,"parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "fit_seconds at byte 32: expected a digit after the decimal point, found ','"),
            (#"{"epochs_run":0,"fit_seconds":1e,"history":[],"index":0,"parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "fit_seconds at byte 32: expected a digit in the exponent, found ','"),
            (#"{"epochs_run":0,"fit_seconds":.5,"history":[],"index":0,"parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "fit_seconds at byte 30: expected a number, found .5"),
            (head + #""trial_id":"t","status":"done"}"#, "status at byte 109: duplicate key"),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{},"seed":0,"status":"done","trial_id":"t"}"#,
             "status at byte 89: unknown status \"done\"; expected one of \"ok\", \"diverged\", \"failed\""),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[{"epoch":1,"loss":1,"seconds":0},{"epoch":2,"loss":true,"# +
                #""seconds":0}],"index":0,"parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#,
             "history[1].loss at byte 94: expected a number, found true"),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[{"epoch":1,"seconds":0}],"index":0,"parameters":{},"# +
                #""seed":0,"status":"ok","trial_id":"t"}"#,
             "history[0] at byte 65: missing required key \"loss\""),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"fold_scores":[1,2,"x"],"parameters":{},"# +
                #""seed":0,"status":"ok","trial_id":"t"}"#,
             "fold_scores[2] at byte 74: expected a number, found the string \"x\" (only \"NaN\", \"Infinity\" and "
                + "\"-Infinity\" stand for numbers)"),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{"layers":[8,4.5]},"# +
                #""seed":0,"status":"ok","trial_id":"t"}"#,
             "parameters.layers[1] at byte 81: expected an integer that fits in 64 bits, found 4.5"),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{"a":null},"# +
                #""seed":0,"status":"ok","trial_id":"t"}"#,
             "parameters.a at byte 73: expected a number, string, boolean or list of integers, found null"),
            (#"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{"a":1,"a":2},"# +
                #""seed":0,"status":"ok","trial_id":"t"}"#,
             "parameters.a at byte 75: duplicate key"),
            (head + #""trial_id":"a\qb"}"#, "trial_id at byte 107: invalid escape '\\q' in a string"),
            (head + #""trial_id":"\ud83d"}"#, "trial_id at byte 106: the escape \\uD83D is a lone high surrogate"),
            (head + #""trial_id":"\ud83dx"}"#, "trial_id at byte 106: the escape \\uD83D is a lone high surrogate"),
            (head + #""trial_id":"\ude00"}"#, "trial_id at byte 106: the escape \\uDE00 is a lone low surrogate"),
            (head + #""trial_id":"\ud83d\u0041"}"#,
             "trial_id at byte 106: the escape \\uD83D is a high surrogate not followed by a low one"),
            (head + #""trial_id":"\u00g0"}"#, "trial_id at byte 110: the \\u escape needs 4 hexadecimal digits, found g0"),
            (head + "\"trial_id\":\"a\tb\"}", "trial_id at byte 107: control character U+0009 must be escaped in a string"),
            (head + #""trial_id":tru}"#, "trial_id at byte 105: expected a string, found tru"),
            (head + #""trial_id":"t","x":nul}"#, "x at byte 113: expected null, found nul"),
            (head + #""trial_id":"t","x":[1 2]}"#, "x at byte 116: expected ',' or ']' after an element, found 2"),
            (head + #""trial_id":"t" "x":1}"#, "at byte 109: expected ',' or '}' after the value of \"trial_id\", found a string"),
            (head + #""trial_id" "t"}"#, "at byte 105: expected ':' after the key \"trial_id\", found a string"),
            ("[1]", "at byte 0: expected an object, found an array"),
            (head + #""trial_id":"t","x":"# + String(repeating: "[", count: 600) + String(repeating: "]", count: 600) + "}",
             "x" + String(repeating: "[0]", count: 512) + " at byte 625: values nested deeper than 512 levels"),
        ]
        for (line, message) in cases {
            XCTAssertThrowsError(try TrialRecord.decode(line: Data(line.utf8)), line) { error in
                XCTAssertEqual("\(error)", message, line)
            }
            // Leaving the history out does not make the reading any less strict, inside the history included.
            XCTAssertThrowsError(try TrialRecord.decode(line: Data(line.utf8), histories: false), line) { error in
                XCTAssertEqual("\(error)", message, line)
            }
        }
    }

    func testLeavingTheHistoryOutKeepsEveryOtherField() throws {
        for record in variedRecords + [typicalRecord()] {
            var expected = record
            expected.history = []
            let line = try record.jsonLine()
            assertIdentical(try TrialRecord.decode(line: line, histories: false), expected, record.trialID)
            assertIdentical(try TrialRecord.decode(line: line), record, record.trialID)
        }
    }

    func testInvalidUTF8IsRefused() throws {
        let head = #"{"epochs_run":0,"fit_seconds":0,"history":[],"index":0,"parameters":{},"seed":0,"status":"ok","trial_id":""#
        for bad: [UInt8] in [[0xC3], [0xFF], [0xED, 0xA0, 0x80], [0xC0, 0x80], [0xF4, 0x90, 0x80, 0x80]] {
            let line = Data(head.utf8) + Data(bad) + Data("\"}".utf8)
            XCTAssertThrowsError(try TrialRecord.decode(line: line)) { error in
                XCTAssertEqual("\(error)", "trial_id at byte 105: the string is not valid UTF-8", "\(bad)")
            }
            XCTAssertThrowsError(try oldDecode(line), "JSONDecoder refuses \(bad) too")
        }
    }

    /// A process killed mid-write leaves a prefix of a line: no prefix is a record.
    func testEveryProperPrefixOfALineIsRefused() throws {
        for record in [typicalRecord(epochs: 2), variedRecords[3], variedRecords[4]] {
            let line = try record.jsonLine()
            for length in 0..<line.count {
                XCTAssertThrowsError(try TrialRecord.decode(line: line.prefix(length)), "\(record.trialID) cut at \(length)")
            }
        }
    }

    func testDecodeErrorReachesTheResultsLogMessage() throws {
        let directory = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let path = directory + "/results.jsonl"
        let bad = #"{"epochs_run":0,"fit_seconds":0,"history":[],"index":"0","parameters":{},"seed":0,"status":"ok","trial_id":"t"}"#
        try Data((bad + "\n" + text(typicalRecord(epochs: 1).jsonLine()) + "\n").utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try ResultsLog.read(path: path)) { error in
            XCTAssertEqual("\(error)", "\(path) line 1 is not a valid result record (undecodable JSON: index at byte 53: "
                           + "expected a number, found a string); a crash can only leave a last line without its newline, "
                           + "so this is damage, not a torn write. Move the file aside or repair that line")
        }
    }
}
