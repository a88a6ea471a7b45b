/// OpenBLAS's thread count, which is process-global (Debian's OpenBLAS 0.3.21).
///
/// AEGrid runs one trainer per core, so while trials run side by side OpenBLAS must use one thread, or the two
/// levels of parallelism oversubscribe the cores. OpenBLAS starts with its own default (`OPENBLAS_NUM_THREADS`, else
/// one thread per core); the grid runner sets one thread for its run unless a single worker trains layers large
/// enough for OpenBLAS's threads to pay (see `Search`).
/// In the fallback build there is no OpenBLAS: the count is always 1 and setting it does nothing.
public enum BLASThreads {
    /// The number of threads OpenBLAS uses for one call.
    public static var count: Int {
        #if BLAS
        return BLASBackend.threads()
        #else
        return 1
        #endif
    }

    /// The count OpenBLAS chose when it loaded (`OPENBLAS_NUM_THREADS`, else one per core), read before the first
    /// `set`: what `set(startingCount)` gives back after `stopIdleThreads`.
    public static let startingCount: Int = count

    /// Sets OpenBLAS's thread count (clamped to at least 1). Process-global: call it between parallel phases,
    /// not while other threads are inside OpenBLAS.
    public static func set(_ count: Int) {
        #if BLAS
        _ = startingCount  // a lazy static: read OpenBLAS's own count before the first change of it
        BLASBackend.setThreads(max(1, count))
        #endif
    }

    /// One thread, and OpenBLAS's idle worker threads stopped: a process calls it first thing. OpenBLAS starts its
    /// workers when it loads, before `main`, and each busy-waits (`sched_yield` in a loop) for about 0.1 s before
    /// sleeping: a short `aegrid search` (the seed's grids take 30–50 ms a process) would share its cores with them
    /// for most of its life. A phase that wants OpenBLAS's threads asks for them again (`set(startingCount)`).
    public static func stopIdleThreads() {
        set(1)
    }

    /// Runs `body` with OpenBLAS at `count` threads, then restores the previous count (process-global, as `set`).
    public static func with<T>(_ count: Int, _ body: () throws -> T) rethrows -> T {
        let previous = self.count
        let wanted = max(1, count)
        if wanted != previous { set(wanted) }
        defer { if wanted != previous { set(previous) } }
        return try body()
    }

    /// A description of the BLAS library in this build ("OpenBLAS 0.3.21 …" or "none (pure-Swift fallback)").
    public static var libraryDescription: String {
        #if BLAS
        return BLASBackend.configuration()
        #else
        return "none (pure-Swift fallback build)"
        #endif
    }
}
