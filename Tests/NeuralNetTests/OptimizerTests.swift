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

    /// Adam's update in 512-bit vectors (`AdamAVX512`, used on CPUs with AVX-512, with the build's loop for the last
    /// count mod 16) writes the bits of the build's own loop: weights and both moments, and the same finiteness flag,
    /// over runs of every length modulo 16 and values from denormal to near overflow, with denormals kept and flushed
    /// (training runs flushed, `FloatingPointMode`). Skipped on a CPU without AVX-512, where the vector path is never
    /// taken.
    func testAdamInAVX512VectorsGivesTheBuildLoopsBits() throws {
        #if arch(x86_64)
        guard CPUFeatures.hasAVX512 else { throw XCTSkip("this CPU has no AVX-512") }
        var rng = SeededGenerator(seed: 29)
        // A value of random sign and a magnitude from 2^-140 (denormal) to 2^100.
        func wide() -> Float {
            let magnitude = Float(sign: .plus, exponent: Int(rng.next() % 240) - 140, significand: 1 + rng.nextUnitFloat())
            return rng.next() % 2 == 0 ? magnitude : -magnitude
        }
        let specials: [Float] = [0, -0, .infinity, -.infinity, .nan, .leastNonzeroMagnitude, .greatestFiniteMagnitude]
        for flushed in [false, true] {
            for count in [0, 1, 15, 16, 17, 31, 33, 1000, 1037] {
                for withSpecials in [false, true] {
                    let g = (0 ..< count).map { i in withSpecials && i % 7 == 3 ? specials[i % specials.count] : wide() }
                    let w0 = (0 ..< count).map { _ in wide() }
                    let m0 = (0 ..< count).map { _ in wide() }
                    let v0 = (0 ..< count).map { _ in abs(wide()) }
                    var (w1, m1, v1) = (w0, m0, v0), (w2, m2, v2) = (w0, m0, v0)
                    let (alpha, b1, b2, eps): (Float, Float, Float, Float) = (0.0031, 0.1, 0.001, 1e-7)
                    let run = { (body: () -> UInt32) -> UInt32 in
                        flushed ? FloatingPointMode.flushingDenormals(body) : body()
                    }
                    let flagsLoop = run {
                        OptimizerState.adam(weights: &w1, gradients: g, m: &m1, v: &v1, count: count, alpha: alpha,
                                            oneMinusBeta1: b1, oneMinusBeta2: b2, epsilon: eps, wideVectors: false)
                    }
                    let flagsVector = run {
                        OptimizerState.adam(weights: &w2, gradients: g, m: &m2, v: &v2, count: count, alpha: alpha,
                                            oneMinusBeta1: b1, oneMinusBeta2: b2, epsilon: eps, wideVectors: true)
                    }
                    let what = "\(count) parameters, specials \(withSpecials), flushed \(flushed)"
                    XCTAssertEqual(w2.map(\.bitPattern), w1.map(\.bitPattern), "weights, \(what)")
                    XCTAssertEqual(m2.map(\.bitPattern), m1.map(\.bitPattern), "m, \(what)")
                    XCTAssertEqual(v2.map(\.bitPattern), v1.map(\.bitPattern), "v, \(what)")
                    XCTAssertEqual(noneNonFinite(flagsVector), noneNonFinite(flagsLoop), "flag, \(what)")
                    if withSpecials && count >= 4 { XCTAssertFalse(noneNonFinite(flagsLoop), "flag, \(what)") }
                }
            }
        }
        #else
        throw XCTSkip("AVX-512 is an x86-64 feature")
        #endif
    }
}
