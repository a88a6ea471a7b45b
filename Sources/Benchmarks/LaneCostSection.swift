import Foundation
import LinearAlgebra
import NeuralNet

extension BenchmarkSection {
    /// What the planner's cost model rests on (`TrainingGroup.laneStepCost`): for models from the seed's sizes up to
    /// the engine's limit, a row of a pass over eight lanes against one trial's row on the solo path (a group of one),
    /// in thread CPU time, batch 32, shuffled, Adam. A group pays only when it holds more members than the ratio.
    /// Beside it, the planner's two figures: its table, and `LaneCostProbe`'s quick measurement, which it uses
    /// instead for a key with enough work.
    static let lanes = BenchmarkSection(
        name: "lanes",
        summary: "small models: a lane pass over 8 trials against one trial's solo step (CPU ns/row), the ratio the planner uses"
    ) { context in
        let models: [(inputs: Int, units: [Int])] = [
            (10, [2]), (10, [4]), (10, [6]), (10, [8, 4]), (10, [16, 8]), (20, [8]), (30, [16, 8]), (64, [16]),
        ]
        for (inputs, units) in models {
            let architecture = Architecture(inputSize: inputs, encoderUnits: units)
            let (solo, lanes) = try LaneCostBenchmark.run(architecture, repeats: context.repeats, quick: context.quick)
            let model = "\(architecture.layerSizes.map(String.init).joined(separator: "→")) "
                + "(\(architecture.multiplyAddsPerSample) multiply-adds)"
            func record(_ metric: String, _ value: Double, _ unit: String) {
                context.record(BenchmarkRecord(section: "lanes", name: "\(model), \(metric)", backend: "-", threads: 1,
                                               metric: metric, value: value, unit: unit))
            }
            record("solo step, per row", solo * 1e9, "CPU ns/row")
            record("lane pass of 8, per row", lanes * 1e9, "CPU ns/row")
            record("lane pass ÷ solo step", lanes / solo, "×")
            record("laneStepCost (the planner's table)", TrainingGroup.laneStepCost(architecture), "×")
            let configuration = TrainingConfiguration(optimizer: .adam(learningRate: 1e-3), batchSize: 32, epochs: 1,
                                                      seed: 1)
            let start = TrainingClock.threadCPUSeconds()
            if let probed = LaneCostProbe.laneStepCost(architecture, configuration) {
                record("LaneCostProbe (the planner's from 10⁹ of work)", probed, "×")
                record("LaneCostProbe, its own time", (TrainingClock.threadCPUSeconds() - start) * 1e3, "CPU ms")
            }
        }
    }
}

enum LaneCostBenchmark {
    /// Median thread CPU seconds per training row of one solo trial and of one lane pass (eight trials), measured
    /// alternately `repeats` times on 512 random rows.
    static func run(_ architecture: Architecture, repeats: Int, quick: Bool) throws -> (solo: Double, lanes: Double) {
        let d = architecture.inputSize, rows = 512
        var rng = SeededGenerator(seed: 1)
        let x = Matrix(rows: rows, columns: d, elements: (0 ..< rows * d).map { _ in rng.nextUnitFloat() })
        let models = (0 ..< TrainingGroup.capacity).map { Autoencoder(architecture: architecture, seed: UInt64($0 + 1)) }
        func secondsPerRow(members: Int, epochs: Int) throws -> Double {
            let configurations = (0 ..< members).map {
                TrainingConfiguration(optimizer: .adam(learningRate: Float($0 + 1) * 1e-3), batchSize: 32,
                                      epochs: epochs, shuffle: true, seed: UInt64($0 + 1))
            }
            let group = try TrainingGroup(models: Array(models.prefix(members)), configurations: configurations,
                                          training: x)
            let start = TrainingClock.threadCPUSeconds()
            _ = group.fit()
            return (TrainingClock.threadCPUSeconds() - start) / Double(epochs * rows)
        }
        _ = try secondsPerRow(members: 1, epochs: 1)
        _ = try secondsPerRow(members: TrainingGroup.capacity, epochs: 1)
        let soloEpochs = quick ? 4 : 200, laneEpochs = quick ? 1 : 40
        var solo: [Double] = [], lanes: [Double] = []
        for _ in 0 ..< max(1, repeats) {
            solo.append(try secondsPerRow(members: 1, epochs: soloEpochs))
            lanes.append(try secondsPerRow(members: TrainingGroup.capacity, epochs: laneEpochs))
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted(), n = sorted.count
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        }
        return (median(solo), median(lanes))
    }
}
