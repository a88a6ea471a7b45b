import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DurableFiles

/// An exclusive advisory lock (`flock`) on a lock file, which holds the owner's `WriterClaim` (host, pid, a random
/// token and a heartbeat) for error messages and for the file systems where `flock` does not reach across nodes.
///
/// `flock` belongs to the open file description: a second `open` + `flock` of the same file fails even in the same
/// process, and the kernel drops the lock when the process dies (so a SIGKILLed run never leaves a stale lock; the
/// stale claim text it leaves is harmless because the lock, and on another host the heartbeat, decides).
final class FileLock {
    let path: String
    private var descriptor: Int32
    private let heartbeat: WriterHeartbeat
    /// The claim this lock replaced because its writer, on another host, had stopped beating; nil otherwise.
    let tookOverFrom: WriterClaim?

    private init(path: String, descriptor: Int32, heartbeat: WriterHeartbeat, tookOverFrom: WriterClaim?) {
        self.path = path
        self.descriptor = descriptor
        self.heartbeat = heartbeat
        self.tookOverFrom = tookOverFrom
    }

    /// Takes the lock or throws: `ResultsError.locked` naming the holder when `flock` says another process holds
    /// it, `ResultsError.claimedElsewhere` when a writer on another host still beats in the file (see
    /// `WriterClaim`). Before it waits for such a claim to show whether it is alive, `notice` is told why.
    /// The claim is fsynced before `acquire` returns, or with `syncClaim: false` by the caller's `claimSync`, which
    /// must end before the caller writes anything the lock guards (so its fsync can overlap others').
    static func acquire(path: String, directory: String, heartbeat interval: Double = WriterClaim.heartbeatInterval(),
                        syncClaim: Bool = true, notice: @Sendable (String) -> Void) throws -> FileLock {
        let fd: Int32
        do { fd = try DurableFile.open(path, O_RDWR | O_CREAT) } catch let error as DurableFileError {
            throw ResultsError.io(path: path, reason: "cannot create lock file: \(error.reason)")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK || code == EAGAIN {
                throw ResultsError.locked(directory: directory, lockFile: path, holder: holderDescription(path: path))
            }
            throw ResultsError.io(path: path, reason: "cannot lock: \(ResultsError.errnoText(code))")
        }
        let mine = WriterClaim.mine()
        var tookOverFrom: WriterClaim?
        if let previous = WriterClaim.read(path: path), previous.host != mine.host {
            // flock succeeded, yet a writer on another host may hold "the same" lock on a file system where flock
            // stays on each node. Its heartbeat tells: watch the claim for three beats.
            let window = 3 * interval
            notice("\(path) is claimed by aegrid \(previous.writerDescription), and a lock taken here may not reach "
                   + "that host; waiting up to \(formatSeconds(window)) to see whether that writer is still alive")
            if let alive = watch(path: path, claim: previous, window: window, poll: interval / 4) {
                close(fd)
                throw ResultsError.claimedElsewhere(directory: directory, lockFile: path,
                                                    holder: alive.writerDescription, window: formatSeconds(window))
            }
            tookOverFrom = previous
        }
        let text = Array(mine.line.utf8)
        do {
            // Written over the old text, then cut to length: a reader on another node never sees an empty file
            // (which means "released") while this claim replaces another.
            try ResultsError.reporting { try DurableFile.writeAll(fd, text, at: 0, path: path) }
            guard ftruncate(fd, off_t(text.count)) == 0 else {
                throw ResultsError.writeFailed(path: path, reason: "cannot cut the lock file: \(ResultsError.errnoText())")
            }
            if syncClaim { try ResultsError.reporting { try DurableFile.sync(fd, path: path) } }
        } catch {
            close(fd)
            throw error
        }
        return FileLock(path: path, descriptor: fd,
                        heartbeat: WriterHeartbeat(claim: mine, descriptor: fd, path: path, interval: interval),
                        tookOverFrom: tookOverFrom)
    }

    /// fsyncs the claim `acquire(syncClaim: false)` wrote (a plain value, so it may run on another thread while
    /// this thread goes on). On NFS the fsync is what sends the claim to the server, for other nodes to see.
    var claimSync: @Sendable () throws -> Void {
        let (fd, path) = (descriptor, self.path)
        return { try ResultsError.reporting { try DurableFile.sync(fd, path: path) } }
    }

    /// Watches `claim` in `path` for `window` seconds: returns the live writer's claim as soon as the file changes
    /// (its beat moved, or yet another writer claimed it), nil when it stays still (the writer is gone) or is
    /// released (emptied).
    private static func watch(path: String, claim: WriterClaim, window: Double, poll: Double) -> WriterClaim? {
        let deadline = Date().addingTimeInterval(window)
        while Date() < deadline {
            Thread.sleep(forTimeInterval: max(0.001, min(poll, deadline.timeIntervalSinceNow)))
            guard let now = WriterClaim.read(path: path) else { return nil }
            if now != claim { return now }
        }
        return nil
    }

    /// Who holds a lock file, for `ResultsError.locked`: "pid 123 on host h", "pid 123" (an older AEGrid's lock
    /// file), or nil.
    static func holderDescription(path: String) -> String? {
        if let claim = WriterClaim.read(path: path) { return claim.writerDescription }
        guard let data = ResultsDirectory.smallFile(path) else { return nil }
        return WriterClaim.pidOnly(text: String(decoding: data, as: UTF8.self)).map { "pid \($0)" }
    }

    private static func formatSeconds(_ seconds: Double) -> String {
        seconds >= 1 && seconds < 1e15 && seconds == seconds.rounded()
            ? "\(Int(seconds)) s" : String(format: "%.2g s", seconds)
    }

    /// Throws `ResultsError.writerReplaced` when another writer's claim has replaced this one (re-reading the lock
    /// file now, or with `reread: false` as the last heartbeat saw it): the log must not be written any more.
    func verify(log path: String, reread: Bool = true) throws {
        if let other = reread ? heartbeat.verify() : heartbeat.lostTo {
            throw ResultsError.writerReplaced(path: path, lockFile: self.path, other: other.writerDescription)
        }
    }

    /// Stops the heartbeat, empties the claim (unless another writer's replaced it: that one is theirs), unlocks.
    func release() {
        guard descriptor >= 0 else { return }
        if heartbeat.stop() { _ = ftruncate(descriptor, 0) }
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
