import Foundation
import LinearAlgebra

extension BenchmarkSection {
    /// The NeuralNet training-step benchmark (`TrainingBenchmark`) as a section of the harness.
    static let train = BenchmarkSection(
        name: "train",
        summary: "one Adam training step (µs/step, samples/s) for three model sizes, per GEMM backend; the large one also on every core; 10→4→10 trials grouped eight to a pass against the lone trainer (samples/s/core)"
    ) { context in
        let cores = ProcessInfo.processInfo.activeProcessorCount
        let results = try TrainingBenchmark.run(backends: GEMMBackend.available, seconds: context.quick ? 0.1 : 0.5,
                                                threads: cores)
        for result in results {
            let name = "\(result.model) batch \(result.batchSize)"
            func record(_ metric: String, _ value: Double, _ unit: String) {
                context.record(BenchmarkRecord(section: "train", name: name, backend: result.backend,
                                               threads: result.threads, metric: metric, value: value, unit: unit))
            }
            record("step time", result.microsecondsPerStep, "µs/step")
            if result.threads == 1 { record("step CPU time", result.cpuMicrosecondsPerStep, "CPU µs/step") }
            record("throughput", result.samplesPerSecond, "samples/s")
            record("step GEMM rate", result.stepGFLOPS, "GFLOP/s in step")
            if let rate = result.gemmGFLOPS { record("sgemm rate, same shapes", rate, "GFLOP/s sgemm") }
            if let share = result.gemmShare { record("GEMM share", share * 100, "% of sgemm") }
            if let share = result.cpuGEMMShare { record("GEMM share, CPU time", share * 100, "% of sgemm, CPU") }
            if let rate = result.separateOperandGEMMGFLOPS {
                record("GEMM share, own operands", result.stepGFLOPS / rate * 100, "% own-op sgemm")
            }
        }
        // Trials side by side (TrainingGroup) against the lone Trainer, measured alternately in this run.
        let grouped = try GroupedTrainingBenchmark.run(seconds: context.quick ? 0.05 : 0.3, repeats: context.repeats)
        func record(_ metric: String, _ value: Double, _ unit: String) {
            let name = "\(grouped.model) batch \(grouped.batchSize), \(metric)"
            context.record(BenchmarkRecord(section: "train", name: name, backend: GEMM.defaultBackend.rawValue,
                                           threads: 1, metric: metric, value: value, unit: unit))
        }
        for (backend, figure) in grouped.lone { record("lone trainer, \(backend)", figure, "samples/s/core") }
        record("grouped, 8 trials", grouped.groupedSamplesPerSecond, "samples/s/core")
        record("grouped, 1 trial", grouped.groupOfOneSamplesPerSecond, "samples/s/core")
        record("grouped ÷ fastest lone", grouped.ratio, "×")
    }
}
