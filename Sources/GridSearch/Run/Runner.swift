import Dispatch
import Foundation
import Synchronization
import LinearAlgebra
import NeuralNet

/// A source of work the `Runner` pulls from, one item at a time, under the runner's lock.
///
/// The runner never asks for the whole list, so a source can produce items lazily (the search plan builds trial
/// families window by window, keeping memory independent of the grid size). `next()` is only ever called by one
/// thread at a time, so the source itself need not be thread-safe; its items cross to the worker threads.
public protocol RunnerWorkSource: AnyObject, SendableMetatype {
    associatedtype Work: Sendable
    /// The next item to start, or nil when there is nothing left. Items come out in the order they should start
    /// (the search plan returns the most expensive first, so the last core is not left working alone).
    func next() -> Work?
}

/// What a worker may do while it executes one item: poll for cancellation and hand results over.
public struct RunnerContext: Sendable {
    fileprivate let runner: Runner
    /// The index of the worker (0 ..< jobs) running this item. Only for diagnostics: results must never depend on it.
    public let worker: Int
    /// The threads this worker's trainer may use now: one while every worker has work, more once workers have run
    /// out of items and lent their cores (`Trainer(threads:)`; results do not depend on it).
    public let threads: ThreadAllowance

    /// True once the run was cancelled (`Runner.cancel()`, e.g. on SIGINT). Pass it to `Trainer.fit(shouldCancel:)`.
    public var shouldCancel: () -> Bool { { [runner] in runner.isCancelled } }

    /// Runs `body` while holding the runner's delivery lock, so results reach the log and the progress display one at
    /// a time, in the order they finish, whichever worker produced them.
    public func deliver(_ body: () -> Void) {
        runner.delivery.withLock { _ in body() }
    }
}

/// Runs work items side by side on `jobs` workers (one trainer per worker): the calling thread is worker 0, and each
/// other worker has its own serial Dispatch queue.
///
/// - Each worker pulls the next item from the source when it finishes one, so the order the source gives (longest
///   first) is the order items start, and no worker idles while work remains.
/// - **No idle core at the end.** `cores` threads are shared among the workers that still have an item: each starts
///   with `cores / jobs` (at least one), and when a worker runs out of items its share goes to the others
///   (`RunnerContext.threads`), so the last trainers, or a lone one, split their large products across the free
///   cores (`GEMM.multiply(threads:)`, bitwise the same as on one core).
/// - OpenBLAS runs at one thread for the whole run, whatever `jobs` (the previous count is restored afterwards):
///   side by side, two levels of threads would oversubscribe the cores, and alone, OpenBLAS's threads would change
///   the bits of large products, so `--jobs 1` would not reproduce `--jobs 2`.
/// - `cancel()` (thread-safe, callable from a signal handler's queue) stops workers from starting new items; items in
///   flight see `shouldCancel` return true and are expected to stop early and deliver nothing.
/// - Scheduling never influences results: items carry their own seeds, and workers share only read-only data.
public final class Runner: Sendable {
    /// The number of workers (at least 1).
    public let jobs: Int
    /// The threads the workers share (at least 1): a worker's trainer uses more than one only once fewer workers
    /// than this still have items.
    public let cores: Int
    fileprivate let delivery = Mutex(())
    private let cancelled = Atomic(false)

    /// - Parameters:
    ///   - jobs: workers to run side by side; nil means one per active processor core.
    ///   - cores: the threads the workers share; nil means the active processor cores.
    public init(jobs: Int? = nil, cores: Int? = nil) {
        self.jobs = Runner.workerCount(jobs)
        self.cores = max(1, cores ?? ProcessInfo.processInfo.activeProcessorCount)
    }

    /// The most workers a runner starts: each is a thread with its own trainer, so far more than the cores only
    /// divides the memory budget into slivers (the CLI refuses a larger `--jobs`).
    public static let maximumJobs = 4096

    /// The number of workers `init(jobs:)` runs: `jobs` (1…`maximumJobs`), or one per active processor core when
    /// nil.
    public static func workerCount(_ jobs: Int?) -> Int {
        min(maximumJobs, max(1, jobs ?? ProcessInfo.processInfo.activeProcessorCount))
    }

    /// Stops starting new items and asks running ones to stop. Safe from any thread, idempotent.
    public func cancel() {
        cancelled.store(true, ordering: .releasing)
    }

    /// Whether `cancel()` has been called.
    public var isCancelled: Bool { cancelled.load(ordering: .acquiring) }

    /// Executes every item of `source` and returns when all workers are done (or, after `cancel()`, when the items in
    /// flight have stopped). `execute` runs on the worker threads, several at once: it must only read shared data and
    /// report results through `context.deliver`. The source is handed over (`sending`): from here on only the
    /// runner calls it, one `next()` at a time.
    public func run<Source: RunnerWorkSource>(
        _ source: sending Source, execute: @escaping @Sendable (Source.Work, RunnerContext) -> Void
    ) {
        let work = SharedSource(source, runner: self)
        BLASThreads.with(1) {
            let lending = CoreLending(workers: jobs, cores: cores)
            let group = DispatchGroup()
            for worker in 1 ..< jobs {
                // A serial queue per worker: Dispatch gives each its own thread even when `jobs` exceeds the cores.
                let queue = DispatchQueue(label: "aegrid.runner.worker-\(worker)")
                let context = RunnerContext(runner: self, worker: worker, threads: lending.allowances[worker])
                queue.async(group: group) {
                    while let item = work.next() {
                        execute(item, context)
                    }
                    lending.finished(worker)
                }
            }
            // Worker 0 is the calling thread, which is already running: only the other workers wait for Dispatch
            // to wake a thread (on a VM, waking one onto the idle core sometimes took 1.5-3 ms).
            let context = RunnerContext(runner: self, worker: 0, threads: lending.allowances[0])
            while let item = work.next() {
                execute(item, context)
            }
            lending.finished(0)
            group.wait()
        }
    }
}

/// The run's cores shared among the workers that still have items: `cores / running` each (the first ones take the
/// remainder), at least one. A worker that runs out of items gives its share to the others at once; they see it at
/// their trainer's next step.
final class CoreLending: Sendable {
    /// One allowance per worker, in worker order.
    let allowances: [ThreadAllowance]
    private let cores: Int
    /// Which workers still have items.
    private let running: Mutex<[Bool]>

    init(workers: Int, cores: Int) {
        allowances = (0 ..< workers).map { _ in ThreadAllowance(1) }
        self.cores = max(1, cores)
        running = Mutex(Array(repeating: true, count: workers))
        running.withLock { share($0) }
    }

    /// Worker `worker` has no more items: its threads go to the workers still running.
    func finished(_ worker: Int) {
        running.withLock { running in
            running[worker] = false
            share(running)
        }
    }

    private func share(_ running: [Bool]) {
        let active = running.indices.filter { running[$0] }
        guard !active.isEmpty else { return }
        let each = cores / active.count, extra = cores % active.count
        for (rank, worker) in active.enumerated() {
            allowances[worker].set(each + (rank < extra ? 1 : 0))
        }
    }
}

/// A work source shared by the workers: one `next()` at a time, nothing after cancellation.
private final class SharedSource<Source: RunnerWorkSource>: Sendable {
    private let source: Mutex<Source>
    private let runner: Runner

    init(_ source: sending Source, runner: Runner) {
        self.source = Mutex(source)
        self.runner = runner
    }

    func next() -> Source.Work? {
        if runner.isCancelled { return nil }
        return source.withLock { $0.next() }
    }
}
