#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// One persistent thread that runs the second block of two-block work (`ParallelBlocks.run(2, …)`) and stays awake
/// for a short while after each: a trainer lent a second core hands it a dozen products and updates per step, and at
/// a small batch each lasts only tens of microseconds, less than it takes Dispatch's pool to wake a sleeping
/// thread on a virtual machine. After `spinSeconds` without work it sleeps on a semaphore until the next hand-off.
///
/// One caller at a time: `run` takes the helper with a try-lock, and a caller that finds it taken (another
/// trainer, or work nested in a block) gets `false` and uses Dispatch's pool instead. Which thread runs a block
/// never changes what the block computes.
///
/// The hand-off: the caller stores the block, then publishes a new generation (release); the helper, spinning or
/// woken, sees the generation (acquire), claims it (compare-and-exchange), runs the block and marks it finished
/// (release); the caller runs block 0 meanwhile, then either claims the block itself (the helper was not there
/// yet) and runs it, or waits for finished (acquire). Only then does the caller return, so the block's closure
/// outlives every use of it.
// @unchecked: `block` is written by the caller before a generation is published and read by the helper only after
// it has seen that generation, and the caller does not write it again before the helper has marked it done; every
// other field is atomic or immutable.
final class HelperThread: @unchecked Sendable {
    /// The process's helper, started on first use.
    static let shared = HelperThread()

    /// How long the helper keeps polling for the next block before it sleeps: longer than the gaps between one
    /// step's products (element-wise passes) and between steps, short enough that a trainer that stops being lent
    /// a core gives the core back at once.
    static let spinSeconds = 200e-6

    private let taken = Atomic<Bool>(false)
    /// Generation of the block most recently published (the caller's count of hand-offs).
    private let published = Atomic<UInt64>(0)
    /// Generation of the block most recently claimed, by the helper or by the caller itself (each is claimed once).
    private let claimed = Atomic<UInt64>(0)
    /// Generation of the block most recently finished by the helper.
    private let finished = Atomic<UInt64>(0)
    private let sleeping = Atomic<Bool>(false)
    private let wake = Semaphore()
    private var block: (() -> Void)?
    private let started = Atomic<Bool>(false)

    private init() {}

    /// Runs `first` on the calling thread and `second` on the helper at the same time, and returns true when both
    /// are done; returns false at once, running neither, when another caller holds the helper. When the helper has
    /// not claimed `second` by the time `first` is done (asleep, or its core taken by another process), the caller
    /// claims and runs it itself, as Dispatch's pool would: a busy machine then costs the hand-off, not a wait.
    func run(_ first: () -> Void, _ second: () -> Void) -> Bool {
        guard taken.compareExchange(expected: false, desired: true, ordering: .acquiring).exchanged else { return false }
        defer { taken.store(false, ordering: .releasing) }
        startIfNeeded()
        withoutActuallyEscaping(second) { second in
            block = second
            let generation = published.load(ordering: .relaxed) + 1
            // Sequentially consistent, as the helper's announcement of its sleep: of the two, at least one sees
            // the other's store, so the helper never sleeps through a published block.
            published.store(generation, ordering: .sequentiallyConsistent)
            if sleeping.exchange(false, ordering: .sequentiallyConsistent) { wake.signal() }
            first()
            if claimed.compareExchange(expected: generation - 1, desired: generation,
                                       ordering: .acquiringAndReleasing).exchanged {
                second()
            } else {
                var polls = 0
                while finished.load(ordering: .acquiring) != generation {
                    polls += 1
                    // The helper is running the block; if its core is shared, let it have the core.
                    if polls & 255 == 0 { sched_yield() }
                }
            }
            block = nil
        }
        return true
    }

    private func startIfNeeded() {
        guard !started.load(ordering: .relaxed) else { return }
        started.store(true, ordering: .relaxed)
        var thread = pthread_t()
        let context = Unmanaged.passRetained(self).toOpaque()
        let status = pthread_create(&thread, nil, { context in
            // The helper lives as long as the process, like Dispatch's pool threads.
            Unmanaged<HelperThread>.fromOpaque(context!).takeRetainedValue().loop()
        }, context)
        precondition(status == 0, "HelperThread: pthread_create failed with \(status)")
        pthread_detach(thread)
    }

    /// The helper's life: wait for a generation it has not run, run its block, mark it finished.
    private func loop() -> Never {
        var done: UInt64 = 0
        while true {
            var polls = 0
            var deadline = 0.0
            while published.load(ordering: .acquiring) == done {
                polls += 1
                if polls & 255 != 0 {
                    spinPause()
                    continue
                }
                // Other threads that want this core get it (a shared machine, or a caller on the same core).
                sched_yield()
                let now = monotonicSeconds()
                if deadline == 0 {
                    deadline = now + HelperThread.spinSeconds
                } else if now > deadline {
                    // Announce the sleep, then look again: a caller that published in between either sees the flag
                    // and signals, or was seen here. A stale signal only makes a later wait return early.
                    sleeping.store(true, ordering: .sequentiallyConsistent)
                    if published.load(ordering: .sequentiallyConsistent) == done { wake.wait() }
                    sleeping.store(false, ordering: .relaxed)
                    deadline = 0
                }
            }
            done = published.load(ordering: .acquiring)
            // Claimed by the caller already when it finished its own block first.
            guard claimed.compareExchange(expected: done - 1, desired: done,
                                          ordering: .acquiringAndReleasing).exchanged else { continue }
            block!()
            finished.store(done, ordering: .releasing)
        }
    }
}

/// A counting semaphore on a pthread mutex and condition variable (no Foundation or Dispatch object in the hot
/// path: `signal` is a syscall only when the helper really sleeps).
private final class Semaphore: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    private var condition = pthread_cond_t()
    private var count = 0

    init() {
        pthread_mutex_init(&mutex, nil)
        pthread_cond_init(&condition, nil)
    }

    func signal() {
        pthread_mutex_lock(&mutex)
        count += 1
        pthread_cond_signal(&condition)
        pthread_mutex_unlock(&mutex)
    }

    func wait() {
        pthread_mutex_lock(&mutex)
        while count == 0 { pthread_cond_wait(&condition, &mutex) }
        count -= 1
        pthread_mutex_unlock(&mutex)
    }
}

@inline(__always)
private func spinPause() {
    #if arch(x86_64) || arch(i386)
    // No PAUSE intrinsic in Swift; a relaxed no-op keeps the loop from being optimised away.
    _ = 0
    #endif
}

private func monotonicSeconds() -> Double {
    var spec = timespec()
    clock_gettime(CLOCK_MONOTONIC, &spec)
    return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
}
