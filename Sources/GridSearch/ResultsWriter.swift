import Dispatch
import Foundation

/// Writes a search's finished trials to its results log from one serial queue, so a worker hands a record over
/// and goes straight back to training while the record is appended and fsynced.
///
/// Crash safety is the log's: every record is its own `append` (one write, one fsync), in the order handed over;
/// nothing is batched. A record still queued when the process dies is lost like a trial in flight, and reruns on
/// resume. After the first write failure nothing more is written and `onFailure` is called once (the search then
/// cancels). `progress` and the `onProgress` calls happen on the queue, one at a time.
final class ResultsWriter: @unchecked Sendable {
    private let log: ResultsLog
    private let queue = DispatchQueue(label: "aegrid.results-writer")
    private let started: UInt64
    private let onProgress: (SearchProgress) -> Void
    private let onFailure: () -> Void
    // Touched only on `queue` (and read after `finish()`).
    private var progressState: SearchProgress
    private var failureState: Error?

    init(log: ResultsLog, progress: SearchProgress, started: UInt64, onProgress: @escaping (SearchProgress) -> Void,
         onFailure: @escaping () -> Void) {
        self.log = log
        self.progressState = progress
        self.started = started
        self.onProgress = onProgress
        self.onFailure = onFailure
    }

    /// Queues `record` for writing and returns at once.
    func submit(_ record: TrialRecord) {
        queue.async { [self] in
            guard failureState == nil else { return }
            do {
                guard try log.append(record) else { return }
            } catch {
                failureState = error
                onFailure()
                return
            }
            Search.count(record, into: &progressState)
            progressState.elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            onProgress(progressState)
        }
    }

    /// Waits until every submitted record is written (or refused after a failure); then returns the counts and the
    /// first write failure.
    func finish() -> (progress: SearchProgress, failure: Error?) {
        queue.sync { (progressState, failureState) }
    }
}
