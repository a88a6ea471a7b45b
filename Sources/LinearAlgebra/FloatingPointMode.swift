#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The calling thread's handling of denormal (subnormal) floats: IEEE gradual underflow, or flushed to zero.
///
/// TensorFlow flushes denormals to zero in every thread that runs its kernels (eager ops, `tf.function` graphs and
/// Keras layers alike: `1e-39 × 1` is 0 there, while NumPy gives 1e-39), so the Keras loop AEGrid replaces trains
/// and predicts with denormals flushed. AEGrid's training and inference do the same (`NeuralNet` wraps `fit` and the
/// model's forward passes in `flushingDenormals`): the same numerics as Keras where values underflow, and no
/// microcode assist, which costs a hundred cycles or more per operation on x86, when gradients, Adam's moments or a
/// saturated sigmoid's tails reach the denormal range (about a tenth of the seed grids' training time).
///
/// On x86-64 the mode is two bits of the thread's MXCSR, FTZ (results) and DAZ (inputs), read and set through
/// `fegetenv` / `fesetenv` (whose `fenv_t` holds the MXCSR). Elsewhere every call runs its body unchanged and
/// `current` is always `.gradual`. The mode is per thread, and a new thread starts in the mode of the thread that
/// created it (Linux copies the MXCSR), so a Dispatch pool thread started while a trainer flushes keeps flushing:
/// code that needs a mode sets it (`with`) rather than assume the thread's. `ParallelBlocks` hands the caller's mode
/// to the blocks it runs on other threads, so a split product or update has one call's bits in either mode.
public enum FloatingPointMode: Equatable, Sendable {
    /// IEEE 754 gradual underflow, the default of every thread.
    case gradual
    /// Denormal results and inputs flushed to zero (x86's FTZ and DAZ).
    case flushToZero

    #if arch(x86_64) && canImport(Glibc)
    /// MXCSR's flush-to-zero (bit 15) and denormals-are-zero (bit 6).
    private static let flushBits: UInt32 = 0x8040

    /// `mxcsr` with its two bits set for `mode`, the rest (rounding, exception masks and flags) unchanged.
    private static func mxcsr(_ mxcsr: UInt32, in mode: FloatingPointMode) -> UInt32 {
        mode == .flushToZero ? mxcsr | flushBits : mxcsr & ~flushBits
    }

    /// The calling thread's mode.
    public static var current: FloatingPointMode {
        var environment = fenv_t()
        fegetenv(&environment)
        return environment.__mxcsr & flushBits == flushBits ? .flushToZero : .gradual
    }

    /// Sets the calling thread's mode (only the two bits; rounding and exception masks are left alone).
    public static func set(_ mode: FloatingPointMode) {
        var environment = fenv_t()
        fegetenv(&environment)
        let wanted = mxcsr(environment.__mxcsr, in: mode)
        guard wanted != environment.__mxcsr else { return }
        environment.__mxcsr = wanted
        fesetenv(&environment)
    }

    /// Runs `body` with the calling thread in `mode`, then restores the thread's previous mode (its whole MXCSR as
    /// it was: exception flags raised inside are not kept; nothing in AEGrid reads them).
    public static func with<T>(_ mode: FloatingPointMode, _ body: () throws -> T) rethrows -> T {
        // One `fegetenv` and, only for a change, two `fesetenv`s (a trainer calls this once per epoch; reading the
        // environment anew for each of `current` and `set` was about 1 % of a 10→4→10 epoch).
        var environment = fenv_t()
        fegetenv(&environment)
        let previous = environment.__mxcsr
        let wanted = mxcsr(previous, in: mode)
        if wanted == previous { return try body() }
        environment.__mxcsr = wanted
        fesetenv(&environment)
        defer {
            environment.__mxcsr = previous
            fesetenv(&environment)
        }
        return try body()
    }
    #else
    public static var current: FloatingPointMode { .gradual }
    public static func set(_ mode: FloatingPointMode) {}
    /// Runs `body` (there is no mode to set here).
    public static func with<T>(_ mode: FloatingPointMode, _ body: () throws -> T) rethrows -> T { try body() }
    #endif

    /// Runs `body` with denormals flushed to zero on the calling thread (and on the threads `ParallelBlocks` lends
    /// it), as TensorFlow computes; restores the thread's previous mode afterwards.
    public static func flushingDenormals<T>(_ body: () throws -> T) rethrows -> T {
        try with(.flushToZero, body)
    }
}
