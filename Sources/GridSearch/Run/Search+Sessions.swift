import Foundation
import LinearAlgebra

extension Search {
    /// This run added to the directory's sessions (`SearchSessions`): when it started, its wall time, workers and
    /// cores, host, trials recorded and what its products ran on, for the report's summary. Returned unwritten
    /// (`write()` writes it).
    func session(startedAt: Date, progress: SearchProgress, interrupted: Bool) -> SearchSessions.Pending {
        let session = SearchSessions.Session(
            started: SearchSessions.timestamp(startedAt), wallSeconds: progress.elapsed,
            jobs: runner.jobs, cores: ProcessInfo.processInfo.activeProcessorCount,
            host: ProcessInfo.processInfo.hostName, trials: progress.done - progress.resumed,
            interrupted: interrupted, shard: settings.shard?.description, gemm: GEMM.defaultBackendDescription)
        return SearchSessions.appending(session, directory: settings.outputDirectory, shard: settings.shard)
    }
}
