import Foundation
import JSONLines
import SearchSpace

// MARK: - One record as one line of JSON

/// `TrialRecord`'s line in `results.jsonl`, encoded and decoded by hand.
///
/// `JSONEncoder` and `JSONDecoder` take 0.2 to 0.3 ms per record with a 100-epoch history, on the writer thread that
/// competes with training and again for every record of every report; this codec takes 6 to 10 times less. It
/// writes the bytes `TrialRecord.encoder` writes (keys sorted by UTF-8 bytes, snake_case names from `CodingKeys`,
/// nil optionals left out, integral Doubles without `.0`, non-finite numbers as "NaN"/"Infinity"/"-Infinity"; see
/// `JSONLineWriter`) and reads every line `TrialRecord.decoder` reads from them to the same record (see
/// `JSONNumber` for numbers). It is stricter about lines nobody wrote: duplicate keys, trailing commas and other
/// non-JSON are errors. Unknown keys are skipped, as the synthesized `Decodable` does.
extension TrialRecord {
    /// The record as one line of JSON without the trailing newline.
    public func jsonLine() throws -> Data {
        var writer = JSONLineWriter(reservingCapacity: 320 + 88 * history.count)
        write(to: &writer)
        return Data(writer.bytes)
    }

    /// Decodes one line written by `jsonLine()` (or by the Codable encoder of earlier versions). Throws
    /// `JSONLineError`, which names the key path and the byte offset of the problem. With `histories: false` the
    /// per-epoch history is checked as strictly but not kept (the record's `history` is empty): most of a record's
    /// size, and what reports, status and resume do not need.
    public static func decode(line: Data, histories: Bool = true) throws -> TrialRecord {
        try JSONLineScanner.read([UInt8](line)) { try TrialRecord(reading: &$0, histories: histories) }
    }

    /// The record as reading its line back without histories gives it (`decode(line:histories: false)`): no
    /// history, and every value as its JSON reads (an integral `.double` parameter reads as `.int`, see
    /// `ParameterValue(reading:)`). Encoding and decoding it without its history costs a few microseconds.
    func readBack() throws -> TrialRecord {
        var record = self
        record.history = []
        return try TrialRecord.decode(line: record.jsonLine(), histories: false)
    }

    private static let keys = LineKeys<CodingKeys>()
    private static let requiredKeys: [CodingKeys] = [.trialID, .index, .parameters, .status, .epochsRun, .history,
                                                     .fitSeconds, .seed]

    private func write(to writer: inout JSONLineWriter) {
        let keys = TrialRecord.keys
        writer.beginObject()
        for (position, key) in keys.sorted.enumerated() {
            let name = keys.quotedNames[position]
            switch key {
            case .trialID: writer.key(name); writer.write(trialID)
            case .index: writer.key(name); writer.write(index)
            case .parameters: writer.key(name); TrialRecord.write(parameters, to: &writer)
            case .status: writer.key(name); writer.write(status.rawValue)
            case .reason: if let reason { writer.key(name); writer.write(reason) }
            case .trainLoss: if let trainLoss { writer.key(name); writer.write(trainLoss) }
            case .testScore: if let testScore { writer.key(name); writer.write(testScore) }
            case .testScoreStd: if let testScoreStd { writer.key(name); writer.write(testScoreStd) }
            case .foldScores: if let foldScores { writer.key(name); TrialRecord.write(foldScores, to: &writer) }
            case .epochsRun: writer.key(name); writer.write(epochsRun)
            case .bestEpoch: if let bestEpoch { writer.key(name); writer.write(bestEpoch) }
            case .history:
                writer.key(name)
                writer.beginArray()
                for epoch in history { epoch.write(to: &writer) }
                writer.endArray()
            case .fitSeconds: writer.key(name); writer.write(fitSeconds)
            case .foldFitSeconds:
                if let foldFitSeconds { writer.key(name); TrialRecord.write(foldFitSeconds, to: &writer) }
            case .seed: writer.key(name); writer.write(seed)
            }
        }
        writer.endObject()
    }

    private static func write(_ values: [Double], to writer: inout JSONLineWriter) {
        writer.beginArray()
        for value in values { writer.write(value) }
        writer.endArray()
    }

    private static func write(_ parameters: [String: ParameterValue], to writer: inout JSONLineWriter) {
        writer.beginObject()
        for (name, value) in parameters.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }) {
            writer.key(name)
            value.write(to: &writer)
        }
        writer.endObject()
    }

    private init(reading scanner: inout JSONLineScanner, histories: Bool) throws {
        let keys = TrialRecord.keys
        var trialID: String?, index: Int?, parameters: [String: ParameterValue]?, status: Status?, reason: String?
        var trainLoss: Double?, testScore: Double?, testScoreStd: Double?, foldScores: [Double]?
        var epochsRun: Int?, bestEpoch: Int?, history: [Epoch]?, fitSeconds: Double?, foldFitSeconds: [Double]?
        var seed: UInt64?
        var seen = LineKeys<CodingKeys>.Seen()
        try scanner.readObject { scanner, name in
            guard let key = try keys.lookUp(name, seen: &seen) else { return try scanner.skipValue() }
            switch key {
            case .trialID: trialID = try scanner.readString()
            case .index: index = try scanner.readCount()
            case .parameters: parameters = try TrialRecord.readParameters(&scanner)
            case .status: status = try TrialRecord.readStatus(&scanner)
            case .reason: reason = try scanner.readNullable { try $0.readString() }
            case .trainLoss: trainLoss = try scanner.readNullable { try $0.readDouble() }
            case .testScore: testScore = try scanner.readNullable { try $0.readDouble() }
            case .testScoreStd: testScoreStd = try scanner.readNullable { try $0.readDouble() }
            case .foldScores: foldScores = try scanner.readNullable { try TrialRecord.readDoubles(&$0) }
            case .epochsRun: epochsRun = try scanner.readCount()
            case .bestEpoch: bestEpoch = try scanner.readNullable { try $0.readCount() }
            case .history: history = try TrialRecord.readHistory(&scanner, keep: histories)
            case .fitSeconds: fitSeconds = try scanner.readDouble()
            case .foldFitSeconds: foldFitSeconds = try scanner.readNullable { try TrialRecord.readDoubles(&$0) }
            case .seed: seed = try scanner.readInteger(UInt64.self)
            }
        }
        guard let trialID, let index, let parameters, let status, let epochsRun, let history, let fitSeconds, let seed
        else { throw keys.missing(TrialRecord.requiredKeys, seen: seen, end: scanner.offset) }
        self.init(trialID: trialID, index: index, parameters: parameters, status: status, reason: reason,
                  trainLoss: trainLoss, testScore: testScore, testScoreStd: testScoreStd, foldScores: foldScores,
                  epochsRun: epochsRun, bestEpoch: bestEpoch, history: history, fitSeconds: fitSeconds,
                  foldFitSeconds: foldFitSeconds, seed: seed)
    }

    private static func readStatus(_ scanner: inout JSONLineScanner) throws -> Status {
        let start = scanner.offset
        let text = try scanner.readString()
        guard let status = Status(rawValue: text) else {
            let choices = Status.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
            throw scanner.error("unknown status \(JSONLineWriter.quotedText(text)); expected one of \(choices)",
                                at: start)
        }
        return status
    }

    private static func readDoubles(_ scanner: inout JSONLineScanner) throws -> [Double] {
        var values: [Double] = []
        try scanner.readArray { scanner, _ in values.append(try scanner.readDouble()) }
        return values
    }

    /// The history array; every epoch is read and checked, and kept only with `keep`.
    private static func readHistory(_ scanner: inout JSONLineScanner, keep: Bool) throws -> [Epoch] {
        var history: [Epoch] = []
        try scanner.readArray { scanner, _ in
            let epoch = try Epoch(reading: &scanner)
            if keep { history.append(epoch) }
        }
        return history
    }

    private static func readParameters(_ scanner: inout JSONLineScanner) throws -> [String: ParameterValue] {
        var parameters: [String: ParameterValue] = [:]
        try scanner.readObject { scanner, key in
            guard parameters.updateValue(try ParameterValue(reading: &scanner), forKey: key.string) == nil else {
                throw JSONLineError(offset: key.offset, problem: "duplicate key")
            }
        }
        return parameters
    }
}

// MARK: - One epoch of the history

extension TrialRecord.Epoch {
    private static let keys = LineKeys<CodingKeys>()
    private static let requiredKeys: [CodingKeys] = [.epoch, .loss, .seconds]

    fileprivate func write(to writer: inout JSONLineWriter) {
        let keys = TrialRecord.Epoch.keys
        writer.beginObject()
        for (position, key) in keys.sorted.enumerated() {
            let name = keys.quotedNames[position]
            switch key {
            case .epoch: writer.key(name); writer.write(epoch)
            case .loss: writer.key(name); writer.write(loss)
            case .seconds: writer.key(name); writer.write(seconds)
            case .validationLoss: if let validationLoss { writer.key(name); writer.write(validationLoss) }
            }
        }
        writer.endObject()
    }

    fileprivate init(reading scanner: inout JSONLineScanner) throws {
        let keys = TrialRecord.Epoch.keys
        var epoch: Int?, loss: Double?, validationLoss: Double?, seconds: Double?
        var seen = LineKeys<CodingKeys>.Seen()
        try scanner.readObject { scanner, name in
            guard let key = try keys.lookUp(name, seen: &seen) else { return try scanner.skipValue() }
            switch key {
            case .epoch: epoch = try scanner.readCount()
            case .loss: loss = try scanner.readDouble()
            case .seconds: seconds = try scanner.readDouble()
            case .validationLoss: validationLoss = try scanner.readNullable { try $0.readDouble() }
            }
        }
        guard let epoch, let loss, let seconds else {
            throw keys.missing(TrialRecord.Epoch.requiredKeys, seen: seen, end: scanner.offset)
        }
        self.init(epoch: epoch, loss: loss, validationLoss: validationLoss, seconds: seconds)
    }
}

// MARK: - Parameter values

extension ParameterValue {
    fileprivate func write(to writer: inout JSONLineWriter) {
        switch self {
        case .int(let value): writer.write(value)
        case .double(let value): writer.write(value)
        case .string(let value): writer.write(value)
        case .bool(let value): writer.write(value)
        case .intList(let values):
            writer.beginArray()
            for value in values { writer.write(value) }
            writer.endArray()
        }
    }

    /// Reads a value as `init(from:)` decodes it through `TrialRecord.decoder`, which tries Bool, Int, Double,
    /// String, [Int] in turn. So a number that is an integer (`100`, also `100.0` or `1e+16`, see `JSONNumber`)
    /// is `.int` even when it was written from `.double(100.0)`, and the strings "NaN", "Infinity", "-Infinity" are
    /// `.double`, because the decoder's non-finite strategy reads them as Doubles before String is tried.
    fileprivate init(reading scanner: inout JSONLineScanner) throws {
        switch scanner.peekKind() {
        case .bool?:
            self = .bool(try scanner.readBool())
        case .number?:
            let number = try scanner.readNumber()
            if let value = scanner.integerValue(of: number, as: Int.self) {
                self = .int(value)
            } else if let value = scanner.doubleValue(of: number) {
                self = .double(value)
            } else {
                throw scanner.error("the number \(scanner.numberText(number)) is out of the range of a Double",
                                    at: number.text.lowerBound)
            }
        case .string?:
            let text = try scanner.readString()
            self = JSONLineScanner.nonFiniteValue(named: text).map(ParameterValue.double) ?? .string(text)
        case .array?:
            var values: [Int] = []
            try scanner.readArray { scanner, _ in values.append(try scanner.readInteger(Int.self)) }
            self = .intList(values)
        case .object?, .null?, nil:
            throw scanner.error("expected a number, string, boolean or list of integers, "
                                + "found \(scanner.nextDescription)")
        }
    }
}

// MARK: - Fixed keys

/// The fixed keys of one kind of object: in written order (sorted by UTF-8 bytes, as `JSONEncoder`'s
/// `.sortedKeys`), quoted once for writing, and looked up by their bytes when reading.
private struct LineKeys<Key: CodingKey & CaseIterable> {
    let sorted: [Key]
    let quotedNames: [[UInt8]]
    private let names: [[UInt8]]

    /// Which keys an object has shown so far, as one bit per position in `sorted`.
    struct Seen { fileprivate var bits: UInt64 = 0 }

    init() {
        sorted = Key.allCases.sorted { $0.stringValue.utf8.lexicographicallyPrecedes($1.stringValue.utf8) }
        precondition(sorted.count <= UInt64.bitWidth, "LineKeys tracks at most 64 keys")
        names = sorted.map { Array($0.stringValue.utf8) }
        quotedNames = sorted.map { JSONLineWriter.quoted($0.stringValue) }
    }

    /// The key `name` is, marked as seen; nil for an unknown key (to be skipped). A key seen before is an error.
    func lookUp(_ name: JSONLineScanner.Key, seen: inout Seen) throws -> Key? {
        guard let position = names.firstIndex(where: { name.equals($0) }) else { return nil }
        let bit: UInt64 = 1 << UInt64(position)
        guard seen.bits & bit == 0 else {
            throw JSONLineError(offset: name.offset, problem: "duplicate key")
        }
        seen.bits |= bit
        return sorted[position]
    }

    /// The error for an object that lacks some of `required`; `end` is the offset just past its closing brace.
    func missing(_ required: [Key], seen: Seen, end: Int) -> JSONLineError {
        let absent = required.filter { key in
            let position = sorted.firstIndex { $0.stringValue == key.stringValue }!
            return seen.bits & (1 << UInt64(position)) == 0
        }
        let list = absent.map { "\"\($0.stringValue)\"" }.joined(separator: ", ")
        return JSONLineError(offset: end - 1, problem: "missing required key\(absent.count == 1 ? "" : "s") \(list)")
    }
}

extension JSONLineScanner {
    /// A grid index, an epoch or an epoch count: an integer ≥ 0. A negative one (a hand-edited line) is refused
    /// here, where the line and offset can be named, rather than trapping where it indexes the grid.
    fileprivate mutating func readCount() throws -> Int {
        let start = offset
        let value = try readInteger(Int.self)
        guard value >= 0 else { throw error("expected an integer ≥ 0, found \(value)", at: start) }
        return value
    }
}
