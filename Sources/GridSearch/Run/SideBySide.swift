import Foundation
import Synchronization

/// Independent pieces of work run at once, for work that mostly waits on the disk: each durable write waits for two
/// fsyncs (the file's, then its directory's; 1–12 ms each on the VM this was measured on), and five of them side
/// by side take about as long as the slowest instead of the sum (docs/measurements.md, 2026-12-02 morning).
///
/// The first piece runs on the calling thread, each other one on its own serial Dispatch queue, which gets a thread
/// of its own even when every core is busy (such queues overcommit), so a piece blocked in `fsync` never holds up
/// another. Nothing here changes what is written, only when: every piece ends before `run` returns.
enum SideBySide {
    /// Runs every piece of `work` and returns their results in order. When pieces throw, the first error in `work`'s
    /// order is rethrown, after all of them have ended (none is abandoned half-way).
    static func run<T: Sendable>(_ work: [@Sendable () throws -> T]) throws -> [T] {
        guard work.count > 1 else { return try work.map { try $0() } }
        let results = Mutex<[Result<T, any Error>?]>(Array(repeating: nil, count: work.count))
        let group = DispatchGroup()
        for index in work.indices.dropFirst() {
            let piece = work[index]
            DispatchQueue(label: "aegrid.side-by-side.\(index)").async(group: group) {
                let result = Result { try piece() }
                results.withLock { $0[index] = result }
            }
        }
        let first = Result { try work[0]() }
        group.wait()
        return try results.withLock { results in
            results[0] = first
            return try results.map { try $0!.get() }
        }
    }

    /// One piece started at once on its own queue and joined later with `wait`: for work that can begin before
    /// the rest of a batch is known (a search's page, while its report is still being computed).
    final class Started<T: Sendable>: Sendable {
        private let group = DispatchGroup()
        private let result = Mutex<Result<T, any Error>?>(nil)

        init(label: String, _ work: @escaping @Sendable () throws -> T) {
            DispatchQueue(label: label).async(group: group) { [self] in
                let outcome = Result { try work() }
                result.withLock { $0 = outcome }
            }
        }

        /// Waits for the piece to end; returns its result or rethrows its error.
        func wait() throws -> T {
            group.wait()
            return try result.withLock { $0! }.get()
        }
    }
}
