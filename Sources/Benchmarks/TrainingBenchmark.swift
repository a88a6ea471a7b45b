import Foundation
import LinearAlgebra
import NeuralNet

/// The `train` section of aegrid-bench: µs per training step and samples/s for three model sizes, per GEMM backend,
/// and for the large model the share of the sgemm rate the whole step achieves.
///
/// A step is one mini-batch of `Trainer.fit` (forward, loss, backward, penalty, Adam update), timed over whole
/// epochs of `batchesPerEpoch` batches with `shuffle: false`, so the figure is the step itself. The GEMM share is
/// (FLOPs of the step's GEMMs / step time) ÷ (the same FLOPs / time of those GEMMs alone, at the same shapes and
/// backend): 100% would mean everything outside GEMM is free.
enum TrainingBenchmark {
    struct Shape {
        var name: String
        var architecture: Architecture
        var batchSize: Int
        var measureGEMMShare: Bool
    }

    struct Result: Codable {
        var model: String
        var backend: String
        var batchSize: Int
        /// The trainer's thread allowance (`Trainer(threads:)`); OpenBLAS itself runs at one thread.
        var threads: Int
        var microsecondsPerStep: Double
        var samplesPerSecond: Double
        /// GFLOP/s of the step's GEMM work over the whole step time.
        var stepGFLOPS: Double
        /// GFLOP/s of the same GEMMs run alone (nil when not measured).
        var gemmGFLOPS: Double?
        /// stepGFLOPS / gemmGFLOPS.
        var gemmShare: Double?
        /// GFLOP/s of the same GEMMs when each has its own operands, as in a step (nil when not measured).
        var separateOperandGEMMGFLOPS: Double?
        /// The step's thread CPU time: on a shared machine, the wall time minus what other processes took.
        var cpuMicrosecondsPerStep: Double
        /// The GEMM share from thread CPU times (GEMM-only CPU time / step CPU time), less disturbed by other load.
        var cpuGEMMShare: Double?
    }

    static let shapes = [
        Shape(name: "10→4→10", architecture: Architecture(inputSize: 10, encoderUnits: [4]), batchSize: 32,
              measureGEMMShare: false),
        Shape(name: "64→32→8→32→64", architecture: Architecture(inputSize: 64, encoderUnits: [32, 8]), batchSize: 32,
              measureGEMMShare: false),
        Shape(name: "784→256→64→256→784", architecture: Architecture(inputSize: 784, encoderUnits: [256, 64]),
              batchSize: 256, measureGEMMShare: true),
    ]

    /// The GEMMs of one training step: forward per layer, dW per layer, dX per layer but the first.
    static func stepGEMMs(_ architecture: Architecture, batch: Int) -> [(Transpose, Transpose, Int, Int, Int)] {
        var list: [(Transpose, Transpose, Int, Int, Int)] = []
        for layer in architecture.layers {
            list.append((.none, .none, batch, layer.outputs, layer.inputs))
            list.append((.transposed, .none, layer.inputs, layer.outputs, batch))
            if layer.index > 0 { list.append((.none, .transposed, batch, layer.inputs, layer.outputs)) }
        }
        return list
    }

    static func flops(_ gemms: [(Transpose, Transpose, Int, Int, Int)]) -> Double {
        gemms.reduce(0) { $0 + 2 * Double($1.2) * Double($1.3) * Double($1.4) }
    }

    /// Runs every shape on every backend in `backends` for about `seconds` each, with OpenBLAS at one thread, as
    /// a search trains. The large model also runs with a trainer allowed `threads` threads (when more than one):
    /// what a trial gets when it is the last one running, or the only one.
    static func run(backends: [GEMMBackend], seconds: Double = 0.5, threads: Int = 1) throws -> [Result] {
        try BLASThreads.with(1) {
            var results: [Result] = []
            for shape in shapes {
                for backend in backends {
                    // Skip the naive loop on the large model: it would take minutes and says nothing new.
                    if backend == .naive && shape.measureGEMMShare { continue }
                    results.append(try measure(shape, backend: backend, seconds: seconds))
                    if shape.measureGEMMShare && threads > 1 {
                        results.append(try measure(shape, backend: backend, seconds: seconds, threads: threads))
                    }
                }
            }
            return results
        }
    }

    static func measure(_ shape: Shape, backend: GEMMBackend, seconds: Double, threads: Int = 1) throws -> Result {
        let d = shape.architecture.inputSize
        let batches = 16
        var rng = SeededGenerator(seed: 1)
        let rows = shape.batchSize * batches
        let x = Matrix(rows: rows, columns: d, elements: (0 ..< rows * d).map { _ in rng.nextUnitFloat() })
        let model = Autoencoder(architecture: shape.architecture, seed: 1)
        // Warm up (and size the epoch count) with one epoch.
        var configuration = TrainingConfiguration(optimizer: .adam(learningRate: 1e-3), batchSize: shape.batchSize,
                                                  epochs: 1, shuffle: false, seed: 1)
        let allowance = ThreadAllowance(threads)
        let warm = try Trainer(model: model, configuration: configuration, training: x, backend: backend,
                               threads: allowance)
        let t0 = TrainingClock.now()
        _ = warm.fit()
        let once = max(TrainingClock.now() - t0, 1e-6)
        // Best of several timed runs of ~seconds/5 each: on a shared machine the minimum is the figure least
        // disturbed by other processes.
        configuration.epochs = max(1, Int(seconds / 5 / once))
        var stepSeconds = Double.infinity, stepCPUSeconds = Double.infinity
        for _ in 0 ..< 6 {
            let trainer = try Trainer(model: model, configuration: configuration, training: x, backend: backend,
                                      threads: allowance)
            let t1 = TrainingClock.now(), c1 = TrainingClock.threadCPUSeconds()
            _ = trainer.fit()
            let steps = Double(configuration.epochs * batches)
            stepSeconds = min(stepSeconds, (TrainingClock.now() - t1) / steps)
            stepCPUSeconds = min(stepCPUSeconds, (TrainingClock.threadCPUSeconds() - c1) / steps)
        }
        let gemms = stepGEMMs(shape.architecture, batch: shape.batchSize)
        let stepGFLOPS = flops(gemms) / stepSeconds / 1e9
        var gemmGFLOPS: Double?, coldGEMMGFLOPS: Double?, cpuShare: Double?
        if shape.measureGEMMShare {
            let hot = gemmSeconds(gemms, backend: backend, seconds: seconds, threads: threads)
            gemmGFLOPS = flops(gemms) / hot.wall / 1e9
            // Thread CPU time covers the calling thread only: a share from it means something with one thread.
            cpuShare = threads == 1 ? hot.cpu / stepCPUSeconds : nil
            coldGEMMGFLOPS = flops(gemms) / gemmSeconds(gemms, backend: backend, seconds: seconds,
                                                        separateOperands: true, threads: threads).wall / 1e9
        }
        return Result(model: shape.name, backend: backend.rawValue, batchSize: shape.batchSize, threads: threads,
                      microsecondsPerStep: stepSeconds * 1e6, samplesPerSecond: Double(shape.batchSize) / stepSeconds,
                      stepGFLOPS: stepGFLOPS, gemmGFLOPS: gemmGFLOPS, gemmShare: gemmGFLOPS.map { stepGFLOPS / $0 },
                      separateOperandGEMMGFLOPS: coldGEMMGFLOPS, cpuMicrosecondsPerStep: stepCPUSeconds * 1e6,
                      cpuGEMMShare: cpuShare)
    }

    /// Seconds for one round of `gemms` alone (best of repeated rounds). With `separateOperands` every GEMM reads and
    /// writes its own matrices, as in a training step (whose working set is larger than the caches); otherwise all
    /// GEMMs share one set of buffers that stays cache-hot, as a plain sgemm benchmark measures.
    static func gemmSeconds(_ gemms: [(Transpose, Transpose, Int, Int, Int)], backend: GEMMBackend, seconds: Double,
                            separateOperands: Bool = false, threads: Int = 1) -> (wall: Double, cpu: Double) {
        var buffers: [(UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>, UnsafeMutablePointer<Float>)] = []
        func filled(_ count: Int) -> UnsafeMutablePointer<Float> {
            let p = UnsafeMutablePointer<Float>.allocate(capacity: count)
            for i in 0 ..< count { p[i] = Float(i % 7) * 0.1 - 0.3 }
            return p
        }
        if separateOperands {
            for (_, _, m, n, k) in gemms { buffers.append((filled(m * k), filled(k * n), filled(m * n))) }
        } else {
            let largest = gemms.map { max($0.2 * $0.4, $0.4 * $0.3, $0.2 * $0.3) }.max()!
            let shared = (filled(largest), filled(largest), filled(largest))
            buffers = Array(repeating: shared, count: gemms.count)
        }
        defer {
            let unique = separateOperands ? buffers : Array(buffers.prefix(1))
            for (a, b, c) in unique { a.deallocate(); b.deallocate(); c.deallocate() }
        }
        func round() {
            for ((ta, tb, m, n, k), (a, b, c)) in zip(gemms, buffers) {
                GEMM.multiply(ta, tb, m: m, n: n, k: k, alpha: 1, a: a, lda: ta == .none ? k : m, b: b,
                              ldb: tb == .none ? n : k, beta: 0, c: c, ldc: n, backend: backend, threads: threads)
            }
        }
        round()
        var best = Double.infinity, bestCPU = Double.infinity
        let deadline = TrainingClock.now() + seconds
        repeat {
            let t = TrainingClock.now(), c = TrainingClock.threadCPUSeconds()
            round()
            best = min(best, TrainingClock.now() - t)
            bestCPU = min(bestCPU, TrainingClock.threadCPUSeconds() - c)
        } while TrainingClock.now() < deadline
        return (best, bestCPU)
    }

    /// A table a person reads.
    static func table(_ results: [Result]) -> String {
        var lines = ["model                     batch  backend   µs/step     samples/s   step GFLOP/s  sgemm GFLOP/s  share   (sgemm, own operands)"]
        for r in results {
            let share = r.gemmShare.map { String(format: "%5.1f%%", $0 * 100) } ?? "     -"
            let gemm = r.gemmGFLOPS.map { String(format: "%13.1f", $0) } ?? "            -"
            let cold = r.separateOperandGEMMGFLOPS.map { String(format: "   (%.1f GFLOP/s, share %.1f%%)", $0, r.stepGFLOPS / $0 * 100) } ?? ""
            lines.append(String(format: "%@ %5d  %@ %10.2f %13.0f %14.2f %@  %@%@",
                                r.model.padding(toLength: 25, withPad: " ", startingAt: 0), r.batchSize,
                                r.backend.padding(toLength: 8, withPad: " ", startingAt: 0), r.microsecondsPerStep,
                                r.samplesPerSecond, r.stepGFLOPS, gemm, share, cold))
        }
        return lines.joined(separator: "\n")
    }
}
