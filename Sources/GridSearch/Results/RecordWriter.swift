import Dispatch
import Foundation
import Synchronization

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
final class RecordWriter: Sendable {
    /// The longest a written record waits for its fsync.
    static let defaultSyncInterval = 0.025

    private let log: ResultsLog
    private let syncInterval: UInt64  // nanoseconds
    private let queue = DispatchQueue(label: "aegrid.results-writer")
    private let onWritten: @Sendable ([TrialRecord]) -> Void
    private let onFailure: @Sendable () -> Void

    /// What the submitting workers and the queue share.
    private struct Intake {
        var pending: [TrialRecord] = []
        var draining = false
        var failure: Error?
    }
    private let intake = Mutex(Intake())

    /// What only the (serial) queue touches; behind a lock all the same, which is never contended.
    private struct Syncing {
        var unsynced: [TrialRecord] = []
        var lastSync: UInt64?
        var scheduled = false
    }
    private let syncing = Mutex(Syncing())

    /// - Parameters:
    ///   - syncInterval: seconds a written record may wait for its fsync (0: every write is fsynced at once).
    ///   - onWritten: called on the writer's queue, in write order, with the records each fsync made durable.
    ///   - onFailure: called once when a write or an fsync fails (the search then stops starting trials).
    init(log: ResultsLog, syncInterval: Double = RecordWriter.defaultSyncInterval,
         onWritten: @escaping @Sendable ([TrialRecord]) -> Void, onFailure: @escaping @Sendable () -> Void) {
        self.log = log
        self.syncInterval = UInt64(max(0, syncInterval) * 1e9)
        self.onWritten = onWritten
        self.onFailure = onFailure
    }

    /// Queues `record` for writing; returns at once.
    func submit(_ record: TrialRecord) {
        let start = intake.withLock { intake in
            intake.pending.append(record)
            defer { intake.draining = true }
            return !intake.draining
        }
        if start { queue.async { self.drain() } }
    }

    private var failed: Bool { intake.withLock { $0.failure != nil } }

    private func fail(_ error: Error) {
        let first = intake.withLock { intake in
            defer { if intake.failure == nil { intake.failure = error } }
            return intake.failure == nil
        }
        if first { onFailure() }
    }

    private func drain() {
        while true {
            let batch: [TrialRecord]? = intake.withLock { intake in
                let batch = intake.pending
                intake.pending.removeAll()
                if batch.isEmpty || intake.failure != nil {
                    intake.draining = false
                    return nil
                }
                return batch
            }
            guard let batch else { break }
            do {
                let written = try log.write(contentsOf: batch)
                syncing.withLock { $0.unsynced += written }
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
        enum Decision { case nothing, now, at(UInt64) }
        let now = DispatchTime.now().uptimeNanoseconds
        let interval = syncInterval
        let decision: Decision = syncing.withLock { syncing in
            guard !syncing.unsynced.isEmpty, !syncing.scheduled else { return .nothing }
            guard let last = syncing.lastSync, now - last < interval else { return .now }
            syncing.scheduled = true
            return .at(last + interval)
        }
        switch decision {
        case .nothing: return
        case .now: syncNow()
        case let .at(deadline):
            queue.asyncAfter(deadline: DispatchTime(uptimeNanoseconds: deadline)) {
                self.syncing.withLock { $0.scheduled = false }
                self.syncNow()
            }
        }
    }

    private func syncNow() {
        let durable = syncing.withLock { $0.unsynced }
        guard !durable.isEmpty, !failed else { return }
        do {
            try log.sync()
        } catch {
            syncing.withLock { $0.unsynced.removeAll() }
            fail(error)
            return
        }
        syncing.withLock { syncing in
            syncing.lastSync = DispatchTime.now().uptimeNanoseconds
            syncing.unsynced.removeAll()
        }
        onWritten(durable)
    }

    /// Waits until everything submitted so far is written and fsynced (or a write failed), and rethrows a failure.
    func finish() throws {
        while true {
            queue.sync {}
            if intake.withLock({ !$0.draining || $0.failure != nil }) { break }
        }
        queue.sync { syncNow() }
        if let error = intake.withLock({ $0.failure }) { throw error }
    }
}
