import Foundation
import GridSearch
import NeuralNet

// The full harness (GEMM, end to end, JSON, SVG) is built in parallel; this runs the training-step section.
#if DEBUG
FileHandle.standardError.write(Data("aegrid-bench: refusing to time a debug build; run `swift build -c release` (or `make bench`)\n".utf8))
exit(2)
#else
let trainResults: [TrainingBenchmark.Result]
if let only = ProcessInfo.processInfo.environment["NN_PERF"].flatMap({ Int($0) }) {
    trainResults = [try TrainingBenchmark.measure(TrainingBenchmark.shapes[only], backend: .blas, seconds: 3)]
} else {
    trainResults = try TrainingBenchmark.run(backends: GEMMBackend.available)
}
print("== train: one Adam step (forward, loss, backward, update), shuffle off ==")
print(TrainingBenchmark.table(trainResults))
#endif
