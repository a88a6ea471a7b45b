@testable import NeuralNet
import XCTest
import LinearAlgebra

/// `LaneCostProbe`, this machine's price of a lane pass for the planner: a ratio in range, measured once per key,
/// and no figure where the engine does not train the trial or the measurement's runs do not complete.
final class LaneCostProbeTests: XCTestCase {
    let architecture = Architecture(inputSize: 10, encoderUnits: [4])

    func testARatioInRangeMeasuredOncePerKey() throws {
        let configuration = TrainingConfiguration(optimizer: .adam(learningRate: 1e-3), batchSize: 32, epochs: 50,
                                                  l2: 1e-4, seed: 3)
        let ratio = try XCTUnwrap(LaneCostProbe.laneStepCost(architecture, configuration))
        XCTAssertGreaterThanOrEqual(ratio, 1)
        XCTAssertLessThanOrEqual(ratio, 2 * Double(TrainingGroup.capacity))
        // Another trial of the same key (seed, learning rate and epochs differ) gets the figure remembered.
        var other = configuration
        (other.seed, other.epochs, other.optimizer) = (9, 7, .adam(learningRate: 5e-3))
        XCTAssertEqual(LaneCostProbe.laneStepCost(architecture, other), ratio)
    }

    func testNoFigureForATrialTheEngineDoesNotTrainOrARunThatDiverges() {
        let dropout = TrainingConfiguration(optimizer: .adam(learningRate: 1e-3), epochs: 5, dropout: 0.2, seed: 1)
        XCTAssertNil(LaneCostProbe.laneStepCost(architecture, dropout))
        let wide = Architecture(inputSize: TrainingGroup.maximumWidth + 1, encoderUnits: [4])
        XCTAssertNil(LaneCostProbe.laneStepCost(wide, TrainingConfiguration(optimizer: .adam(learningRate: 1e-3),
                                                                          epochs: 5, seed: 1)))
        // A linear output, so the overflow reaches the loss: behind a sigmoid an infinite z saturates to a finite
        // loss (the products' fused multiply-adds keep an overflowed sum at ±∞ rather than ∞ − ∞ = NaN).
        var linear = architecture
        linear.outputActivation = .linear
        let diverging = TrainingConfiguration(optimizer: .sgd(learningRate: 1e30), batchSize: 16, epochs: 5, seed: 1)
        XCTAssertNil(LaneCostProbe.measure(linear, diverging))
    }
}
