import Dispatch
import Foundation
import LinearAlgebra

/// A source of work the `Runner` pulls from, one item at a time, under the runner's lock.
///
/// The runner never asks for the whole list, so a source can produce items lazily (the search plan builds trial
/// families window by window, keeping memory independent of the grid size). `next()` is only ever called by one
/// thread at a time.
public protocol RunnerWorkSource: AnyObject {
    associatedtype Work
    /// The next item to start, or nil when there is nothing left. Items come out in the order they should start
    /// (the search plan returns the most expensive first, so the last core is not left working alone).
    func next() -> Work?
}

/// What a worker may do while it executes one item: poll for cancellation and hand results over.
public struct RunnerContext: @unchecked Sendable {
    fileprivate let runner: Runner
    /// The index of the worker (0 ..< jobs) running this item. Only for diagnostics: results must never depend on it.
    public let worker: Int

    /// True once the run was cancelled (`Runner.cancel()`, e.g. on SIGINT). Pass it to `Trainer.fit(shouldCancel:)`.
    public var shouldCancel: () -> Bool { { [runner] in runner.isCancelled } }

    /// Runs `body` while holding the runner's delivery lock, so results reach the log and the progress display one at
    /// a time, in the order they finish, whichever worker produced them.
    public func deliver(_ body: () -> Void) {
        runner.deliveryLock.lock()
        defer { runner.deliveryLock.unlock() }
        body()
    }
}

/// Runs work items side by side on `jobs` workers (one trainer per worker): the calling thread is worker 0, and each
/// other worker has its own serial Dispatch queue.
///
/// - Each worker pulls the next item from the source when it finishes one, so the order the source gives (longest
///   first) is the order items start, and no worker idles while work remains.
/// - OpenBLAS runs at `blasThreads` for the whole run: by default one thread when `jobs > 1` (two levels of threads
///   would oversubscribe the cores), else its current count; the previous count is restored afterwards.
/// - `cancel()` (thread-safe, callable from a signal handler's queue) stops workers from starting new items; items in
///   flight see `shouldCancel` return true and are expected to stop early and deliver nothing.
/// - Scheduling never influences results: items carry their own seeds, and workers share only read-only data.
public final class Runner: @unchecked Sendable {
    /// The number of workers (at least 1).
    public let jobs: Int
    /// OpenBLAS's thread count while the run lasts (nil: 1 when `jobs > 1`, else left as it is).
    public let blasThreads: Int?
    fileprivate let deliveryLock = NSLock()
    private let stateLock = NSLock()
    private var cancelled = false

    /// - Parameters:
    ///   - jobs: workers to run side by side; nil means one per active processor core.
    ///   - blasThreads: OpenBLAS's thread count during `run` (see the type's documentation).
    public init(jobs: Int? = nil, blasThreads: Int? = nil) {
        self.jobs = Runner.workerCount(jobs)
        self.blasThreads = blasThreads.map { max(1, $0) }
    }

    /// The number of workers `init(jobs:)` runs: `jobs`, at least 1, or one per active processor core when nil.
    public static func workerCount(_ jobs: Int?) -> Int {
        max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// Stops starting new items and asks running ones to stop. Safe from any thread, idempotent.
    public func cancel() {
        stateLock.lock()
        cancelled = true
        stateLock.unlock()
    }

    /// Whether `cancel()` has been called.
    public var isCancelled: Bool {
        stateLock.lock()
        defer { stateLock.unlock() }
        return cancelled
    }

    /// Executes every item of `source` and returns when all workers are done (or, after `cancel()`, when the items in
    /// flight have stopped). `execute` runs on the worker threads, several at once: it must only read shared data and
    /// report results through `context.deliver`.
    public func run<Source: RunnerWorkSource>(
        _ source: Source, execute: @escaping (Source.Work, RunnerContext) -> Void
    ) {
        BLASThreads.with(blasThreads ?? (jobs > 1 ? 1 : BLASThreads.count)) {
            let work = SharedSource(source, runner: self)
            let group = DispatchGroup()
            for worker in 1 ..< jobs {
                // A serial queue per worker: Dispatch gives each its own thread even when `jobs` exceeds the cores.
                let queue = DispatchQueue(label: "aegrid.runner.worker-\(worker)")
                let context = RunnerContext(runner: self, worker: worker)
                queue.async(group: group) {
                    while let item = work.next() {
                        execute(item, context)
                    }
                }
            }
            // Worker 0 is the calling thread, which is already running: only the other workers wait for Dispatch
            // to wake a thread (on a VM, waking one onto the idle core sometimes took 1.5-3 ms).
            let context = RunnerContext(runner: self, worker: 0)
            while let item = work.next() {
                execute(item, context)
            }
            group.wait()
        }
    }
}

/// A work source shared by the workers: one `next()` at a time, nothing after cancellation.
private final class SharedSource<Source: RunnerWorkSource>: @unchecked Sendable {
    private let source: Source
    private let runner: Runner
    private let lock = NSLock()

    init(_ source: Source, runner: Runner) {
        self.source = source
        self.runner = runner
    }

    func next() -> Source.Work? {
        if runner.isCancelled { return nil }
        lock.lock()
        defer { lock.unlock() }
        return source.next()
    }
}
