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
        openblas_set_num_threads(Int32(count))
        // `blas_thread_shutdown_` where this OpenBLAS has it (a weak symbol: see shim.h).
        if count == 1 { _ = aegrid_blas_thread_shutdown() }
    }

    static func threads() -> Int { Int(openblas_get_num_threads()) }
    static func configuration() -> String { String(cString: openblas_get_config()) }
}
#endif
