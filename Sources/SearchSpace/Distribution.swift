import Foundation
import LinearAlgebra

/// A distribution a number key is sampled from in a randomized search (`--n-iter`), scipy.stats' semantics:
///
/// - `loguniform: [low, high]`: log-uniform on [low, high), 0 < low < high (`scipy.stats.loguniform(low, high)`);
/// - `uniform: [low, high]`: uniform on [low, high), low < high (`scipy.stats.uniform(low, high − low)`);
/// - `randint: [low, high]`: an integer in {low, …, high − 1}, low < high (`scipy.stats.randint`: high excluded).
///
/// Every value a distribution can give is checked against its key's rule before training: the checks run on the
/// smallest and the largest value it can draw (each key's rule is an interval).
public enum Distribution: Sendable, Equatable, CustomStringConvertible {
    case logUniform(low: Double, high: Double)
    case uniform(low: Double, high: Double)
    case randInt(low: Int, high: Int)

    /// The names a grid file uses.
    package static let names = ["loguniform", "uniform", "randint"]

    /// `loguniform: [0.0001, 0.1]` as a grid file writes it.
    public var description: String {
        switch self {
        case let .logUniform(low, high): return "loguniform: [\(low), \(high)]"
        case let .uniform(low, high): return "uniform: [\(low), \(high)]"
        case let .randInt(low, high): return "randint: [\(low), \(high)]"
        }
    }

    /// The distribution named `name` with bounds `bounds`, or the error naming the rule and the values.
    package static func make(name: String, bounds: [ParameterValue], key: String, source: String, line: Int?) throws -> Distribution {
        func fail(_ rule: String) -> GridError {
            .outOfRange(source: source, line: line, key: key,
                        value: "\(name): [" + bounds.map(\.canonicalJSON).joined(separator: ", ") + "]", rule: rule)
        }
        guard bounds.count == 2 else { throw fail("a distribution takes two bounds, [low, high]") }
        switch name {
        case "randint":
            guard case .int(let low) = bounds[0], case .int(let high) = bounds[1] else {
                throw fail("randint's bounds must be integers")
            }
            guard low < high else { throw fail("low must be less than high (randint draws low … high − 1)") }
            return .randInt(low: low, high: high)
        case "loguniform", "uniform":
            guard let low = bounds[0].numericValue, let high = bounds[1].numericValue else {
                throw fail("\(name)'s bounds must be numbers")
            }
            guard low < high else { throw fail("low must be less than high") }
            if name == "loguniform" {
                guard low > 0 else { throw fail("loguniform's low must be > 0 (its logarithm is taken)") }
                return .logUniform(low: low, high: high)
            }
            return .uniform(low: low, high: high)
        default:
            throw GridError.structure(source: source, line: line, problem: "'\(key)': unknown distribution '\(name)'; "
                                      + "use one of \(names.joined(separator: ", ")) (or a list of values)")
        }
    }

    /// The smallest and the largest value it can draw, as grid values (what validation checks).
    package var extremes: [ParameterValue] {
        switch self {
        case let .logUniform(low, high), let .uniform(low, high): return [.double(low), .double(high.nextDown)]
        case let .randInt(low, high): return [.int(low), .int(high - 1)]
        }
    }

    /// One draw.
    package func sample(using generator: inout SeededGenerator) -> ParameterValue {
        // 53 random bits: a uniform Double in [0, 1).
        let unit = Double(generator.next() >> 11) * 0x1p-53
        switch self {
        case let .logUniform(low, high):
            return .double(min(high.nextDown, exp(log(low) + unit * (log(high) - log(low)))))
        case let .uniform(low, high):
            return .double(min(high.nextDown, low + unit * (high - low)))
        case let .randInt(low, high):
            return .int(low + ParameterSampler.uniform(below: high - low, using: &generator))
        }
    }
}
