import Dispatch
import Foundation

/// Writes finished trials to the results log on its own serial queue, so a worker hands its record over and goes
/// straight back to training instead of waiting for the disk.
///
/// - **Written at once.** Each record is written to the log file as soon as the queue takes it (records that
///   arrived together share one `write`), in the order submitted. From then on it is in the file: `aegrid status`
///   sees it, and a process killed (SIGKILL, OOM, a preempted Slurm job) resumes without training it again.
/// - **On disk within `syncInterval`.** The fsync that makes records durable against a machine crash runs at once
///   when the previous one is at least `syncInterval` old, and otherwise when it is: a record is fsynced at most
///   `syncInterval` (25 ms) after it was written. Trials that take longer than that each get their own fsync as
///   before; a burst of short trials shares one. On a virtual machine or a network file system an fsync costs the
///   other workers far more than its own thread's time (on the 2-core VM `make bench` runs on, about 0.3–0.7 ms of
///   lost training per fsync), which one fsync per millisecond-long trial turned into the search's largest cost.
/// - `onWritten` reports records once they are fsynced; `finish` fsyncs whatever is left at once and waits.
/// - A failed write or fsync stops the search (`onFailure`) and loses nothing already synced: a failed fsync cuts
///   the records written after the last good one off the file (they are retrained on resume).
final class RecordWriter: @unchecked Sendable {
    /// The longest a written record waits for its fsync.
    static let defaultSyncInterval = 0.025

    private let log: ResultsLog
    private let syncInterval: UInt64  // nanoseconds
    private let queue = DispatchQueue(label: "aegrid.results-writer")
    private let lock = NSLock()
    private var pending: [TrialRecord] = []
    private var draining = false
    private var failure: Error?
    private let onWritten: ([TrialRecord]) -> Void
    private let onFailure: () -> Void
    // Only touched on `queue`:
    private var unsynced: [TrialRecord] = []
    private var lastSync: UInt64?
    private var syncScheduled = false

    /// - Parameters:
    ///   - syncInterval: seconds a written record may wait for its fsync (0: every write is fsynced at once).
    ///   - onWritten: called on the writer's queue, in write order, with the records each fsync made durable.
    ///   - onFailure: called once when a write or an fsync fails (the search then stops starting trials).
    init(log: ResultsLog, syncInterval: Double = RecordWriter.defaultSyncInterval,
         onWritten: @escaping ([TrialRecord]) -> Void, onFailure: @escaping () -> Void) {
        self.log = log
        self.syncInterval = UInt64(max(0, syncInterval) * 1e9)
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

    private var failed: Bool {
        lock.lock()
        defer { lock.unlock() }
        return failure != nil
    }

    private func fail(_ error: Error) {
        lock.lock()
        let first = failure == nil
        if first { failure = error }
        lock.unlock()
        if first { onFailure() }
    }

    private func drain() {
        while true {
            lock.lock()
            let batch = pending
            pending.removeAll()
            if batch.isEmpty || failure != nil {
                draining = false
                lock.unlock()
                break
            }
            lock.unlock()
            do {
                unsynced += try log.write(contentsOf: batch)
            } catch {
                // What was written before stays: make it durable, then stop.
                syncNow()
                fail(error)
                return
            }
        }
        syncWhenDue()
    }

    /// fsyncs now if the last fsync is at least `syncInterval` old, else once it is.
    private func syncWhenDue() {
        guard !unsynced.isEmpty, !syncScheduled else { return }
        let now = DispatchTime.now().uptimeNanoseconds
        guard let last = lastSync, now - last < syncInterval else { return syncNow() }
        syncScheduled = true
        queue.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: last + syncInterval)) {
            self.syncScheduled = false
            self.syncNow()
        }
    }

    private func syncNow() {
        guard !unsynced.isEmpty, !failed else { return }
        do {
            try log.sync()
        } catch {
            unsynced.removeAll()
            fail(error)
            return
        }
        lastSync = DispatchTime.now().uptimeNanoseconds
        let durable = unsynced
        unsynced.removeAll()
        onWritten(durable)
    }

    /// Waits until everything submitted so far is written and fsynced (or a write failed), and rethrows a failure.
    func finish() throws {
        while true {
            queue.sync {}
            lock.lock()
            let done = !draining || failure != nil
            lock.unlock()
            if done { break }
        }
        queue.sync { syncNow() }
        lock.lock()
        let error = failure
        lock.unlock()
        if let error { throw error }
    }
}
