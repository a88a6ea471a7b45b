#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Times an epoch on the monotonic clock (immune to wall-clock changes), for `EpochRecord.seconds`; and, for
/// `LaneCostProbe` and `aegrid-bench`, the calling thread's CPU time. AEGrid's one reader of each clock.
public struct TrainingClock {
    private let start: Double

    /// Starts timing now.
    public init() { start = TrainingClock.now() }

    /// Seconds since `init`.
    public var elapsedSeconds: Double { TrainingClock.now() - start }

    /// `CLOCK_MONOTONIC` in seconds, from an arbitrary origin.
    @inline(__always)
    public static func now() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }

    /// The calling thread's CPU time in seconds (`CLOCK_THREAD_CPUTIME_ID`): steadier than wall time on a machine
    /// shared with other work.
    public static func threadCPUSeconds() -> Double {
        var ts = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts)
        return Double(ts.tv_sec) + Double(ts.tv_nsec) * 1e-9
    }
}
