import SearchSpace

/// Trials recorded as `failed` because they did not fit in their share of the memory budget are trained again when a
/// resumed run's budget holds them (a larger `--max-memory`, fewer `--jobs`, a machine with more memory): the new
/// record replaces the failed one (`ResultsLog.retry`). Trials that still do not fit keep their record and are not
/// tried, so resuming with the same budget does no work and adds no lines.
enum FailedTrialRetry {
    /// Marks for retraining the memory-failed trials of `log` that fit in `share` bytes now; returns how many.
    @discardableResult
    static func retryThoseThatFit(log: ResultsLog, grid: ParameterGrid, data: EvaluationData, baseSeed: UInt64,
                                  share: Int) throws -> Int {
        let rows = data.folds.map(\.training.rows).max() ?? 0
        var retried = Set<String>()
        for record in try ResultsLog.read(path: log.path, histories: false).records
        where record.status == .failed && record.reason?.hasPrefix(FamilyTraining.memoryRefusalPrefix) == true {
            guard let trial = try? TrialConfiguration.make(grid: grid, index: record.index, inputSize: data.inputSize,
                                                           baseSeed: baseSeed),
                  trial.trialID == record.trialID,
                  let needed = trial.estimatedTrainingBytes(trainingRows: rows), needed <= share else { continue }
            retried.insert(record.trialID)
        }
        if !retried.isEmpty { log.retry(retried) }
        return retried.count
    }
}
