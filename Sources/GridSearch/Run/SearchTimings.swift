import Foundation
import Synchronization

/// Where a search process spends its time, phase by phase: what `AEGRID_TIMINGS=1 aegrid search` prints on stderr.
///
/// A phase is the time from the previous mark (or from the clock's creation) to its own `mark`, on the monotonic
/// clock (`CLOCK_MONOTONIC`). `originNanoseconds` is that clock's reading at creation, so a
/// driver that reads the same clock before spawning the process and after `wait` (Python's `time.monotonic_ns()`)
/// attributes the rest, the process's start-up and exit, without guessing (`scripts/search-phases.py`).
/// Marking costs one clock read and a lock: the search always marks, and prints only when asked.
public final class SearchTimings: Sendable {
    /// The monotonic clock's reading when this clock was created, in nanoseconds.
    public let originNanoseconds: UInt64
    private let state: Mutex<(last: UInt64, phases: [(name: String, seconds: Double)])>

    public init() {
        let now = Self.monotonicNanoseconds()
        originNanoseconds = now
        state = Mutex((now, []))
    }

    /// Ends the phase `name`: the time since the previous mark is recorded under it (added, when it recurs).
    public func mark(_ name: String) {
        let now = Self.monotonicNanoseconds()
        state.withLock { state in
            let seconds = Double(now - state.last) / 1e9
            state.last = now
            if let i = state.phases.firstIndex(where: { $0.name == name }) {
                state.phases[i].seconds += seconds
            } else {
                state.phases.append((name, seconds))
            }
        }
    }

    /// The phases marked so far, in order of their first mark.
    public var phases: [(name: String, seconds: Double)] { state.withLock { $0.phases } }

    /// One line a script reads: `{"origin_ns": N, "end_ns": N, "phases": [["grid", 0.000412], …]}` (seconds),
    /// `end_ns` being the last mark's clock reading.
    public var jsonLine: String {
        let (last, phases) = state.withLock { ($0.last, $0.phases) }
        let list = phases.map { "[\"\($0.name)\", \(String(format: "%.6f", $0.seconds))]" }.joined(separator: ", ")
        return "{\"origin_ns\": \(originNanoseconds), \"end_ns\": \(last), \"phases\": [\(list)]}"
    }

    static func monotonicNanoseconds() -> UInt64 {
        var ts = timespec()
        clock_gettime(CLOCK_MONOTONIC, &ts)
        return UInt64(ts.tv_sec) * 1_000_000_000 + UInt64(ts.tv_nsec)
    }

    /// Whether the environment asks for the timings (`AEGRID_TIMINGS=1`).
    public static var requested: Bool { ProcessInfo.processInfo.environment["AEGRID_TIMINGS"] == "1" }
}
