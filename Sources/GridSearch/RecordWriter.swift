import Dispatch
import Foundation

/// Writes finished trials to the results log on its own serial queue, so a worker hands its record over and goes
/// straight back to training instead of waiting for the disk.
///
/// Each record is its own append with its own fsync, in the order submitted (the crash-safety rule: one fsync per
/// finished trial, no batching); the workers never wait for it, so on a disk where fsync takes milliseconds a grid
/// of fast trials is still not paced by the disk. A record is on disk when `onWritten` reports it; one killed
/// before that was not recorded and reruns on resume, like a trial in flight.
final class RecordWriter: @unchecked Sendable {
    private let log: ResultsLog
    private let queue = DispatchQueue(label: "aegrid.results-writer")
    private let lock = NSLock()
    private var pending: [TrialRecord] = []
    private var draining = false
    private var failure: Error?
    private let onWritten: ([TrialRecord]) -> Void
    private let onFailure: () -> Void

    /// - Parameters:
    ///   - onWritten: called on the writer's queue, in write order, with each record (one at a time) now on disk.
    ///   - onFailure: called once when a write fails (the search then stops starting trials).
    init(log: ResultsLog, onWritten: @escaping ([TrialRecord]) -> Void, onFailure: @escaping () -> Void) {
        self.log = log
        self.onWritten = onWritten
        self.onFailure = onFailure
    }

    /// Queues `record` for writing; returns at once.
    func submit(_ record: TrialRecord) {
        lock.lock()
        pending.append(record)
        let start = !draining
        draining = true
        lock.unlock()
        if start { queue.async { self.drain() } }
    }

    private func drain() {
        while true {
            lock.lock()
            let batch = pending
            pending.removeAll()
            if batch.isEmpty || failure != nil {
                draining = false
                lock.unlock()
                return
            }
            lock.unlock()
            for record in batch {
                do {
                    let written = try log.append(contentsOf: [record])
                    if !written.isEmpty { onWritten(written) }
                } catch {
                    lock.lock()
                    failure = error
                    lock.unlock()
                    onFailure()
                    break
                }
            }
        }
    }

    /// Waits until everything submitted so far is written (or a write failed), and rethrows a write failure.
    func finish() throws {
        while true {
            queue.sync {}
            lock.lock()
            let done = !draining || failure != nil
            let error = failure
            lock.unlock()
            if let error { throw error }
            if done { return }
        }
    }
}
