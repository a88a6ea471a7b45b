import Foundation
import LinearAlgebra
import NeuralNet

/// Trials trained side by side (`TrainingGroup`, one trial per SIMD lane) against the lone `Trainer`, at
/// 10→4→10 batch 32 with Adam, both on one thread: samples per second per core, and their ratio.
///
/// A sample is one training row of one trial. The lone figures are `Trainer.fit` on one trial, on each GEMM backend
/// of the build (naive aside); the grouped figure is a full group of eight trials (learning rates 1e-3…8e-3, their own seeds)
/// trained by one `TrainingGroup.fit`, counting 8 × rows per step. Both train whole epochs of 16 batches with
/// `shuffle: false`, so the figure is the step. Time is the thread's CPU time (per core, and less disturbed by
/// other processes on a shared machine); the runs alternate, `repeats` times each, so drift in the machine's load
/// hits all of them; the figures are the medians.
enum GroupedTrainingBenchmark {
    struct Result {
        var model: String
        var batchSize: Int
        /// Median samples/s of one trial on `Trainer`, per GEMM backend (backend name, figure).
        var lone: [(backend: String, samplesPerSecond: Double)]
        /// The fastest lone figure.
        var loneSamplesPerSecond: Double { lone.map(\.samplesPerSecond).max() ?? 0 }
        /// Median samples/s (all members together) of a group of eight.
        var groupedSamplesPerSecond: Double
        /// Median samples/s of a group of one (a lone trial as the search trains it on this engine).
        var groupOfOneSamplesPerSecond: Double
        var ratio: Double { groupedSamplesPerSecond / loneSamplesPerSecond }
    }

    static let architecture = Architecture(inputSize: 10, encoderUnits: [4])
    static let batchSize = 32

    static func run(seconds: Double, repeats: Int) throws -> Result {
        let d = architecture.inputSize, batches = 16, rows = batchSize * batches
        var rng = SeededGenerator(seed: 1)
        let x = Matrix(rows: rows, columns: d, elements: (0 ..< rows * d).map { _ in rng.nextUnitFloat() })
        func configuration(_ member: Int, epochs: Int) -> TrainingConfiguration {
            TrainingConfiguration(optimizer: .adam(learningRate: Float(member + 1) * 1e-3), batchSize: batchSize,
                                  epochs: epochs, shuffle: false, seed: UInt64(member + 1))
        }
        let models = (0 ..< TrainingGroup.capacity).map { Autoencoder(architecture: architecture, seed: UInt64($0 + 1)) }
        let backends = GEMMBackend.available.filter { $0 != .naive }
        /// Seconds per sample of one `fit`, for `epochs` epochs: lone (size ≤ 0: on `backends[-size]`), or a group of
        /// `size`.
        func secondsPerSample(size: Int, epochs: Int) throws -> Double {
            if size <= 0 {
                let trainer = try Trainer(model: models[0], configuration: configuration(0, epochs: epochs), training: x,
                                          backend: backends[-size])
                let t = TrainingClock.threadCPUSeconds()
                _ = trainer.fit()
                return (TrainingClock.threadCPUSeconds() - t) / Double(epochs * rows)
            }
            let group = try TrainingGroup(models: Array(models.prefix(size)),
                                          configurations: (0 ..< size).map { configuration($0, epochs: epochs) },
                                          training: x)
            let t = TrainingClock.threadCPUSeconds()
            _ = group.fit()
            return (TrainingClock.threadCPUSeconds() - t) / Double(epochs * rows * size)
        }
        let sizes = backends.indices.map { -$0 } + [TrainingGroup.capacity, 1]
        // Warm up, and size each run to about `seconds` / 3.
        let epochs = try sizes.map { size in
            let once = try secondsPerSample(size: size, epochs: 1) * Double(rows * max(size, 1))
            return max(1, Int(seconds / 3 / max(once, 1e-7)))
        }
        var samples = [[Double]](repeating: [], count: sizes.count)
        try BLASThreads.with(1) {
            for _ in 0 ..< max(1, repeats) {
                for (i, size) in sizes.enumerated() {
                    samples[i].append(1 / (try secondsPerSample(size: size, epochs: epochs[i])))
                }
            }
        }
        func median(_ values: [Double]) -> Double {
            let sorted = values.sorted(), n = sorted.count
            return n % 2 == 1 ? sorted[n / 2] : (sorted[n / 2 - 1] + sorted[n / 2]) / 2
        }
        let lone = backends.indices.map { (backend: backends[$0].rawValue, samplesPerSecond: median(samples[$0])) }
        return Result(model: "10→4→10", batchSize: batchSize, lone: lone,
                      groupedSamplesPerSecond: median(samples[backends.count]),
                      groupOfOneSamplesPerSecond: median(samples[backends.count + 1]))
    }
}
