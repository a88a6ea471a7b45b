#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
@testable import NeuralNet
import XCTest

/// `expApproximation` (the sigmoid's exponential) against libm's Double `exp` rounded to Float: within 1 ulp over
/// its whole range and the logistic function within 2 ulp, whether the loop is vectorised or not.
final class ExpApproximationTests: XCTestCase {
    private func ulps(_ a: Float, _ b: Float) -> Int { abs(Int(a.bitPattern) - Int(b.bitPattern)) }

    func testExpIsWithinOneUlpAndTheLogisticWithinTwo() {
        // Every 4099th Float from −87 to 88 (about 310 000 values, both signs, every binade in between).
        var inputs: [Float] = []
        var x: Float = -87
        while x < 88 {
            inputs.append(x)
            x = Float(bitPattern: x < 0 ? (x.bitPattern >= 4099 + 0x8000_0000 ? x.bitPattern - 4099 : 0)
                                        : x.bitPattern + 4099)
        }
        var worstExp = 0, worstLogistic = 0
        // A loop over a buffer (vectorised, 8 lanes) and the scalar calls must agree bit for bit.
        var vectorised = [Float](repeating: 0, count: inputs.count)
        inputs.withUnsafeBufferPointer { z in
            vectorised.withUnsafeMutableBufferPointer { a in
                Activation.sigmoid.apply(z.baseAddress!, into: a.baseAddress!, count: z.count)
            }
        }
        for (i, x) in inputs.enumerated() {
            worstExp = max(worstExp, ulps(expApproximation(x), Float(exp(Double(x)))))
            let logistic = Activation.sigmoid.value(x)
            XCTAssertEqual(logistic.bitPattern, vectorised[i].bitPattern, "x = \(x)")
            if abs(x) <= 30 {
                worstLogistic = max(worstLogistic, ulps(logistic, Float(1 / (1 + exp(-Double(x))))))
            }
        }
        XCTAssertLessThanOrEqual(worstExp, 1)
        XCTAssertLessThanOrEqual(worstLogistic, 2)
        XCTAssertGreaterThan(inputs.count, 100_000)
    }

    func testEdges() {
        XCTAssertEqual(expApproximation(0), 1)
        XCTAssertTrue(expApproximation(.nan).isNaN)
        XCTAssertEqual(expApproximation(-1000), expApproximation(-87), "clamped below")
        XCTAssertEqual(expApproximation(1000), expApproximation(88), "clamped above")
        XCTAssertTrue(expApproximation(88).isFinite)
        XCTAssertEqual(Activation.sigmoid.value(0), 0.5)
        XCTAssertEqual(Activation.sigmoid.value(-200), 1 / (1 + expApproximation(88)), "e^200 clamped to e^88")
        XCTAssertEqual(Activation.sigmoid.value(200), 1)
    }
}
