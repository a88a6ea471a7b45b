import Foundation

extension Search {
    /// Adds this run to the directory's sessions (`SearchSessions`): when it started, its wall time, workers and
    /// cores, host and trials recorded, for the report's summary.
    func recordSession(startedAt: Date, progress: SearchProgress, interrupted: Bool) throws {
        let session = SearchSessions.Session(
            started: SearchSessions.timestamp(startedAt), wallSeconds: progress.elapsed,
            jobs: Runner.workerCount(settings.jobs), cores: ProcessInfo.processInfo.activeProcessorCount,
            host: ProcessInfo.processInfo.hostName, trials: progress.done - progress.resumed,
            interrupted: interrupted, shard: settings.shard?.description)
        try SearchSessions.append(session, directory: settings.outputDirectory, shard: settings.shard)
    }
}
