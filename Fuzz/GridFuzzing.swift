// Shared by FuzzGridJSON and FuzzGridYAML (compiled into both): what `aegrid search` does with a grid before
// training, none of which may trap for any value.
@testable import GridSearch
@testable import SearchSpace

enum GridFuzzing {
    static func run(_ data: UnsafePointer<UInt8>, _ size: Int, source: String) {
        let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
        guard let grid = try? ParameterGrid.parse(text, source: source) else { return }
        guard (try? TrialValidator.validate(grid)) != nil, grid.count > 0 else { return }
        // The first and last points, and a few between, as the eager validation and the planner resolve them.
        for index in Set([0, grid.count / 2, grid.count - 1]) {
            guard let trial = try? TrialConfiguration.make(grid: grid, index: index, inputSize: 784, baseSeed: 7,
                                                           trainingSamples: 60_000) else { continue }
            _ = trial.estimatedTrainingBytes(trainingRows: 60_000)
            _ = trial.estimatedCost
            // A halving schedule to the point's epoch count (--factor and the epochs' ends once overflowed).
            _ = try? HalvingSchedule(candidates: grid.count, settings: HalvingSettings(
                factor: 3, minEpochs: nil, maxEpochs: trial.training.epochs, aggressiveElimination: false))
        }
        _ = try? ShardPlan(grid: grid, inputSize: 784, trainingSamples: 60_000, shards: 4)
        // The plan of the first points and the progress counts over them, on 5 folds (epochs × folds once trapped).
        var next = 0
        let plan = TrialPlan(grid: grid, nextIndex: {
            defer { next += 1 }
            return next < min(grid.count, 64) ? next : nil
        }, isDone: { _ in false }, inputSize: 784, sampleCount: 60_000, baseSeed: 7)
        _ = WorkProgress(plan: plan, folds: 5, workers: 2).snapshot()
    }
}
