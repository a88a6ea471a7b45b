import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// Turns SIGINT and SIGTERM into a graceful stop, through Dispatch signal sources (no code runs inside a signal
/// handler).
///
/// The first signal calls `onFirstSignal(signal)` on a private queue, where a search cancels its runner: no new
/// trials start, trials in flight stop at their next epoch and are not recorded (they rerun on resume). A second
/// signal exits at once with `128 + signal`, through `_exit`: no atexit handlers or destructors run under the workers
/// still training, and nothing is lost, since every finished trial the results writer has taken is already in the
/// log file (it writes each record at once and fsyncs within 25 ms).
public final class Interruption: Sendable {
    private let queue = DispatchQueue(label: "aegrid.signals")
    private let sources = Mutex<[any DispatchSourceSignal]>([])
    /// The first signal received, 0 for none.
    private let received = Atomic<Int32>(0)

    /// The first signal received (SIGINT = 2, SIGTERM = 15), or nil.
    public var signal: Int32? {
        let number = received.load(ordering: .acquiring)
        return number == 0 ? nil : number
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
        let queue = self.queue
        let count = sources.withLock { sources in
            sources = [SIGINT, SIGTERM].map { number in
                Glibc_signal(number, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: number, queue: queue)
                source.setRegistrationHandler { registered.signal() }
                source.setEventHandler { [weak self] in
                    guard let self else { return }
                    if self.received.compareExchange(expected: 0, desired: number, ordering: .acquiringAndReleasing).exchanged {
                        onFirstSignal(number)
                    } else {
                        // `_exit`, not `exit`: exit would run atexit handlers and static destructors while the
                        // workers still train and the writer still writes, which can crash or hang on the way out.
                        _exit(128 + number)
                    }
                }
                source.resume()
                return source
            }
            return sources.count
        }
        for _ in 0 ..< count { _ = registered.wait(timeout: .now() + 5) }
    }

    /// Stops watching and restores the default actions.
    public func stop() {
        let watched = sources.withLock { sources in
            defer { sources.removeAll() }
            return sources
        }
        for source in watched { source.cancel() }
        Glibc_signal(SIGINT, SIG_DFL)
        Glibc_signal(SIGTERM, SIG_DFL)
    }

    deinit { stop() }
}

@inline(__always) private func Glibc_signal(_ number: Int32, _ handler: sighandler_t?) {
    _ = signal(number, handler)
}
