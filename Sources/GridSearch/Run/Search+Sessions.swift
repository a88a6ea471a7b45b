import Foundation

extension Search {
    /// This run added to the directory's sessions (`SearchSessions`): when it started, its wall time, workers and
    /// cores, host and trials recorded, for the report's summary. Returned unwritten (`write()` writes it).
    func session(startedAt: Date, progress: SearchProgress, interrupted: Bool) -> SearchSessions.Pending {
        let session = SearchSessions.Session(
            started: SearchSessions.timestamp(startedAt), wallSeconds: progress.elapsed,
            jobs: Runner.workerCount(settings.jobs), cores: ProcessInfo.processInfo.activeProcessorCount,
            host: ProcessInfo.processInfo.hostName, trials: progress.done - progress.resumed,
            interrupted: interrupted, shard: settings.shard?.description)
        return SearchSessions.appending(session, directory: settings.outputDirectory, shard: settings.shard)
    }
}
