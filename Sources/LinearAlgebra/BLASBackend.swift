#if BLAS
internal import COpenBLAS

/// The only code that calls OpenBLAS's BLAS functions.
enum BLASBackend {
    @inline(__always)
    static func sgemm(
        _ transA: Transpose, _ transB: Transpose, m: Int, n: Int, k: Int, alpha: Float,
        a: UnsafePointer<Float>, lda: Int, b: UnsafePointer<Float>, ldb: Int,
        beta: Float, c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        _ = kernelChoice
        cblas_sgemm(CblasRowMajor,
                    transA == .none ? CblasNoTrans : CblasTrans,
                    transB == .none ? CblasNoTrans : CblasTrans,
                    blasint(m), blasint(n), blasint(k), alpha,
                    a, blasint(lda), b, blasint(ldb), beta, c, blasint(ldc))
    }

    /// Sets OpenBLAS's thread count. At one thread it also stops OpenBLAS's idle worker threads: OpenBLAS starts
    /// them when it loads and after every multi-threaded call, and each busy-waits (`sched_yield` in a loop) for
    /// about 0.1 s before sleeping, taking a core from the trainers. They come back by themselves on the next count
    /// above one.
    static func setThreads(_ count: Int) {
        _ = kernelChoice
        openblas_set_num_threads(Int32(count))
        // `blas_thread_shutdown_` where this OpenBLAS has it (a weak symbol: see shim.h).
        if count == 1 { _ = aegrid_blas_thread_shutdown() }
    }

    static func threads() -> Int { Int(openblas_get_num_threads()) }
    static func configuration() -> String {
        let replaced = kernelChoice  // first: the configuration names the core in use
        let text = String(cString: openblas_get_config())
        guard let replaced else { return text }
        return text + " (chosen by AEGrid from the CPU's features; OpenBLAS had picked \(replaced))"
    }

    /// The kernels OpenBLAS uses: the name of its core ("Cooperlake", "Haswell", …).
    static var core: String { String(cString: openblas_get_corename()) }

    /// Done once, before OpenBLAS's first product (`sgemm`, `setThreads`, `configuration` and LAPACK read it;
    /// `aegrid` calls `setThreads` first thing, while it has no other thread): when OpenBLAS fell back to its
    /// Prescott kernels (SSE3) on a CPU with AVX2 and FMA, as Debian 12's OpenBLAS 0.3.21 does for an Intel model it
    /// does not know (Emerald Rapids, family 6 model 207, for one: see shim.h), it switches to the core OpenBLAS's own
    /// feature fallback picks (`useBetterCore`). Holds the core it replaced, or nil when nothing changed.
    /// `OPENBLAS_CORETYPE`, when set, is the user's choice and left alone.
    static let kernelChoice: String? = useBetterCore(replacing: ["Prescott"])

    /// The core OpenBLAS's feature fallback picks for this CPU ("Cooperlake", "SkylakeX", "Haswell"), or
    /// nil for a CPU without AVX2 and FMA.
    static var coreForFeatures: String? { aegrid_openblas_core_for_features().map { String(cString: $0) } }

    /// Makes OpenBLAS run `core`'s kernels (a name it knows). False when this OpenBLAS cannot switch (a build for
    /// one core) or `OPENBLAS_CORETYPE` is set. Only while no product is in flight.
    static func use(core: String) -> Bool { aegrid_openblas_use_core(core) == 0 }

    /// Switches OpenBLAS to `coreForFeatures` when the core in use is named in `replacing`. Returns the core it
    /// replaced, or nil.
    static func useBetterCore(replacing: Set<String>) -> String? {
        let current = core
        guard replacing.contains(current), let better = coreForFeatures, better != current,
              use(core: better) else { return nil }
        return current
    }
}
#endif
