import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Turns SIGINT and SIGTERM into a graceful stop, through Dispatch signal sources (no code runs inside a signal
/// handler).
///
/// The first signal calls `onFirstSignal(signal)` on a private queue, where a search cancels its runner: no new
/// trials start, trials in flight stop at their next epoch and are not recorded (they rerun on resume). A second
/// signal exits at once with `128 + signal`: every finished trial the results writer has taken is already in the log
/// file (it writes each record at once and fsyncs within 25 ms), so nothing is lost by not waiting.
public final class Interruption: @unchecked Sendable {
    private let queue = DispatchQueue(label: "aegrid.signals")
    private var sources: [DispatchSourceSignal] = []
    private let lock = NSLock()
    private var received: Int32?

    /// The first signal received (SIGINT = 2, SIGTERM = 15), or nil.
    public var signal: Int32? {
        lock.lock()
        defer { lock.unlock() }
        return received
    }

    /// The conventional exit status for the received signal (130 for SIGINT, 143 for SIGTERM), or nil.
    public var exitStatus: Int32? { signal.map { 128 + $0 } }

    /// Starts watching SIGINT and SIGTERM, and returns once both are watched. The default actions are disabled until
    /// `stop()`.
    public init(onFirstSignal: @escaping @Sendable (Int32) -> Void) {
        // Dispatch registers a signal source asynchronously, and until it has, a signal meets SIG_IGN and is lost: a
        // search signalled right after it printed its first line could run on (1 in 20 tries, with both cores busy
        // training). So `init` waits for both registrations; the first line is printed after `init`.
        let registered = DispatchSemaphore(value: 0)
        for number in [SIGINT, SIGTERM] {
            Glibc_signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
            source.setRegistrationHandler { registered.signal() }
            source.setEventHandler { [weak self] in
                guard let self else { return }
                self.lock.lock()
                let first = self.received == nil
                if first { self.received = number }
                self.lock.unlock()
                if first {
                    onFirstSignal(number)
                } else {
                    // `_exit`, not `exit`: exit would run atexit handlers and static destructors while the workers
                    // still train and the writer still writes, which can crash or hang the process on its way out.
                    _exit(128 + number)
                }
            }
            source.resume()
            sources.append(source)
        }
        for _ in sources { _ = registered.wait(timeout: .now() + 5) }
    }

    /// Stops watching and restores the default actions.
    public func stop() {
        for source in sources { source.cancel() }
        sources.removeAll()
        Glibc_signal(SIGINT, SIG_DFL)
        Glibc_signal(SIGTERM, SIG_DFL)
    }

    deinit { stop() }
}

@inline(__always) private func Glibc_signal(_ number: Int32, _ handler: sighandler_t?) {
    _ = signal(number, handler)
}
