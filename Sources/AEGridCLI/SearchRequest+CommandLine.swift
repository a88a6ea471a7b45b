import DataFiles
import GridSearch

extension SearchRequest {
    /// `aegrid search`'s arguments (after `search`) read without ArgumentParser, or nil for any command line that
    /// is not plainly valid: only `--name value`, `--name=value` and the flags are read, each at most once, every
    /// value converted as ArgumentParser converts it (`Int(_:)`, `Double(_:)`, the enums' raw values), and the
    /// result must pass `validate()`. Everything else (help, completion scripts, `--`, an unknown or repeated
    /// name, a value that starts with `-` or does not convert, a rule `validate` refuses) is left to
    /// `SearchCommand`'s full parse, so a usage error reads exactly as ArgumentParser words it. An option `apply`
    /// lacks still works, by the full parse: it only costs the start-up this saves.
    init?(quickParsing arguments: [String]) {
        self.init(train: "", grid: "", out: "")
        var seen: [String] = []
        var position = 0
        while position < arguments.count {
            let argument = arguments[position]
            position += 1
            var name: String
            var value: String?
            if argument == "-q" {
                name = "quiet"
            } else if argument.hasPrefix("--"), argument.count > 2 {
                let body = argument.dropFirst(2)
                if let equals = body.firstIndex(of: "=") {
                    name = String(body[..<equals])
                    value = String(body[body.index(after: equals)...])
                } else {
                    name = String(body)
                }
            } else {
                return nil
            }
            guard !seen.contains(name) else { return nil }
            seen.append(name)
            if setFlag(name) {
                guard value == nil else { return nil }
                continue
            }
            if value == nil, position < arguments.count {
                value = arguments[position]
                position += 1
            }
            guard let value, !value.isEmpty, !value.hasPrefix("-"), setOption(name, value) else { return nil }
        }
        guard ["train", "grid", "out"].allSatisfy(seen.contains), (try? validate()) != nil else { return nil }
    }

    /// Sets the flag `name`; false when there is no such flag.
    private mutating func setFlag(_ name: String) -> Bool {
        switch name {
        case "halving": halving = true
        case "aggressive-elimination": aggressiveElimination = true
        case "quiet": quiet = true
        default: return false
        }
        return true
    }

    /// Sets the option `name` from `text`; false when there is no such option or the text does not convert.
    private mutating func setOption(_ name: String, _ text: String) -> Bool {
        switch name {
        case "train": train = text
        case "test": test = text
        case "grid": grid = text
        case "out": out = text
        case "shard": shard = text
        case "max-memory": maxMemory = text
        case "jobs": return Self.convert(Int(text), into: &jobs)
        case "seed": return Self.convert(UInt64(text), into: &seed)
        case "test-fraction": return Self.convert(Double(text), into: &testFraction)
        case "cv": return Self.convert(Int(text), into: &cv)
        case "scale": return Self.convert(Scaling(rawValue: text), into: &scale)
        case "refit": return Self.convert(SearchSettings.Refit(rawValue: text), into: &refit)
        case "top": return Self.convert(Int(text), into: &top)
        case "shards": return Self.convert(Int(text), into: &shards)
        case "factor": return Self.convert(Int(text), into: &factor)
        case "min-epochs": return Self.convert(Int(text), into: &minEpochs)
        case "max-epochs": return Self.convert(Int(text), into: &maxEpochs)
        case "n-iter": return Self.convert(Int(text), into: &nIter)
        default: return false
        }
        return true
    }

    /// Stores a converted value; false when the text did not convert.
    private static func convert<Value>(_ value: Value?, into field: inout Value) -> Bool {
        guard let value else { return false }
        field = value
        return true
    }

    private static func convert<Value>(_ value: Value?, into field: inout Value?) -> Bool {
        guard let value else { return false }
        field = value
        return true
    }
}
