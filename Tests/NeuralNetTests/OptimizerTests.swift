@testable import NeuralNet
import LinearAlgebra
import XCTest

/// The optimiser's update cut across threads (`OptimizerState.update(threads:)`) writes exactly one pass's bits:
/// weights, every slot and the finiteness flag, for every optimiser, any thread count, and ranges that start and
/// end anywhere.
final class OptimizerTests: XCTestCase {
    static let configurations: [OptimizerConfiguration] = [
        .adam(learningRate: 0.003), .sgd(learningRate: 0.01), .sgd(learningRate: 0.01, momentum: 0.9),
        .sgd(learningRate: 0.01, momentum: 0.9, nesterov: true), .rmsprop(learningRate: 0.001),
        .rmsprop(learningRate: 0.001, momentum: 0.5),
    ]

    /// Three steps of `configuration` over `range` of `count` parameters on `threads` threads; returns the weights
    /// and slots after each step as bit patterns, and each step's finiteness flag. `poison` puts an infinite
    /// gradient at that index in the second step.
    func steps(_ configuration: OptimizerConfiguration, count: Int, range: Range<Int>, threads: Int,
               poison: Int? = nil) -> (bits: [UInt32], finite: [Bool]) {
        var rng = SeededGenerator(seed: 17)
        var weights = (0 ..< count).map { _ in 2 * rng.nextUnitFloat() - 1 }
        var state = OptimizerState(configuration: configuration, count: count)
        defer { state.deallocate() }
        var bits: [UInt32] = [], finite: [Bool] = []
        for step in 0 ..< 3 {
            var gradients = (0 ..< count).map { _ in rng.nextUnitFloat() - 0.5 }
            if step == 1, let poison { gradients[poison] = .infinity }
            state.beginStep()
            let ok = weights.withUnsafeMutableBufferPointer { w in
                gradients.withUnsafeBufferPointer { g in
                    state.update(weights: w.baseAddress!, gradients: g.baseAddress!, range: range, threads: threads)
                }
            }
            finite.append(ok)
            bits += weights.map(\.bitPattern)
            bits += UnsafeBufferPointer(start: state.slots, count: configuration.slotCount * count).map(\.bitPattern)
        }
        return (bits, finite)
    }

    func testTheUpdateCutAcrossThreadsIsOnePassBitForBit() {
        let count = 3 * OptimizerState.parallelMinimumCount + 1001
        XCTAssertGreaterThanOrEqual((count - 20) / OptimizerState.parallelMinimumCount, 3, "the update is cut")
        for configuration in Self.configurations {
            for range in [0 ..< count, 7 ..< count - 13] {
                let one = steps(configuration, count: count, range: range, threads: 1)
                XCTAssertEqual(one.finite, [true, true, true])
                for threads in [2, 3, 4] {
                    let split = steps(configuration, count: count, range: range, threads: threads)
                    XCTAssertEqual(split.bits, one.bits, "\(configuration), \(range) on \(threads) threads")
                    XCTAssertEqual(split.finite, one.finite)
                }
            }
        }
    }

    /// A weight made infinite in any block is reported, whichever thread updated it.
    func testANonFiniteWeightInAnyBlockIsReported() {
        let count = 2 * OptimizerState.parallelMinimumCount + 64
        for poison in [0, count / 2 + 3, count - 1] {
            let split = steps(.sgd(learningRate: 0.01), count: count, range: 0 ..< count, threads: 2, poison: poison)
            XCTAssertEqual(split.finite, [true, false, false], "infinite gradient at \(poison)")
        }
    }

    /// The finiteness flag every update ORs: no finite value sets it, however large, small or signed; every
    /// infinity and NaN does, alone or ORed with finite values.
    func testTheNonFiniteFlagSeesEveryInfinityAndNaNAndNoFiniteValue() {
        let finite: [Float] = [0, -0, 1, -1, .greatestFiniteMagnitude, -.greatestFiniteMagnitude,
                               .leastNonzeroMagnitude, -.leastNonzeroMagnitude, .leastNormalMagnitude, 3e38, -1e-40]
        let nonFinite: [Float] = [.infinity, -.infinity, .nan, -.nan, .signalingNaN,
                                  Float(bitPattern: 0x7FFF_FFFF), Float(bitPattern: 0xFF80_0001)]
        let finiteFlags = finite.reduce(UInt32(0)) { $0 | nonFiniteFlag($1) }
        XCTAssertTrue(noneNonFinite(finiteFlags))
        for value in nonFinite {
            XCTAssertFalse(noneNonFinite(nonFiniteFlag(value)), "\(value.bitPattern)")
            XCTAssertFalse(noneNonFinite(finiteFlags | nonFiniteFlag(value)), "\(value.bitPattern)")
        }
    }
}
