import Dispatch
import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DurableFiles
import Synchronization

/// The claim a writer keeps in its lock file, for the file systems where `flock` does not reach across machines.
///
/// `flock` is enough on one machine and on file systems that lock across nodes (NFSv4, Lustre with `flock`, GPFS,
/// CephFS). On others (NFS mounted `nolock` or `local_lock=all`, some FUSE file systems) two nodes can both "hold"
/// the lock, and two writers would append to the same log. The claim detects that:
/// - the lock file holds one line, `aegrid-writer host=H pid=P token=T beat=B`, where `token` is random per writer
///   and `beat` goes up every `heartbeat` seconds while the writer lives (`WriterHeartbeat`);
/// - a new writer that finds another host's claim watches it for three heartbeats: when the beat moves, that writer
///   is alive and the new one refuses (`ResultsError.claimedElsewhere`); when it does not, the claim is stale (that
///   writer was killed) and the new one takes over. A claim from this host is stale by definition once `flock`
///   succeeded: the kernel drops the lock of a dead process;
/// - a live writer re-reads its claim before every fsync of the log and on every heartbeat: when another writer's
///   claim has replaced it, it stops writing (`ResultsError.writerReplaced`) instead of interleaving with it.
///
/// Nothing here compares clocks: nodes' clocks and a server's file times may disagree.
struct WriterClaim: Equatable, Sendable {
    var host: String
    var pid: Int32
    var token: String
    var beat: Int

    /// The width `beat` is written with, so every heartbeat rewrites the same bytes in place.
    static let beatDigits = 12

    /// This process's claim, beat 0, with a fresh random token.
    static func mine() -> WriterClaim {
        var generator = SystemRandomNumberGenerator()
        let token = String(format: "%016llx", generator.next() as UInt64)
        return WriterClaim(host: hostName(), pid: getpid(), token: token, beat: 0)
    }

    /// The line written to the lock file.
    var line: String {
        let digits = String(beat)
        let padded = String(repeating: "0", count: max(0, Self.beatDigits - digits.count)) + digits
        return "aegrid-writer host=\(host) pid=\(pid) token=\(token) beat=\(padded)\n"
    }

    /// The claim in a lock file's text; nil for an empty file (released) or text that is not a claim (a lock file of
    /// an older AEGrid, which held only a pid: `pidOnly` reads that).
    init?(parsing text: String) {
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\n" })
        guard fields.first == "aegrid-writer" else { return nil }
        var values: [Substring: Substring] = [:]
        for field in fields.dropFirst() {
            guard let equals = field.firstIndex(of: "=") else { return nil }
            values[field[..<equals]] = field[field.index(after: equals)...]
        }
        guard let host = values["host"], !host.isEmpty, let pid = values["pid"].flatMap({ Int32($0) }),
              let token = values["token"], !token.isEmpty, let beat = values["beat"].flatMap({ Int($0) }) else { return nil }
        self.init(host: String(host), pid: pid, token: String(token), beat: beat)
    }

    init(host: String, pid: Int32, token: String, beat: Int) {
        self.host = host
        self.pid = pid
        self.token = token
        self.beat = beat
    }

    /// Whether `other` is the same writer (its beat aside).
    func isSameWriter(as other: WriterClaim) -> Bool { host == other.host && pid == other.pid && token == other.token }

    /// `pid 123 on host node-7`.
    var writerDescription: String { "pid \(pid) on host \(host)" }

    /// Reads the claim in `path` with a fresh `open` (on NFS, opening revalidates what another node wrote).
    /// Nil when the file is missing, empty or holds no claim.
    static func read(path: String) -> WriterClaim? {
        guard let fd = try? DurableFile.open(path, O_RDONLY) else { return nil }
        defer { _ = close(fd) }
        var buffer = [UInt8](repeating: 0, count: 512)
        let count = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, 0) }
        guard count > 0 else { return nil }
        return WriterClaim(parsing: String(decoding: buffer[..<count], as: UTF8.self))
    }

    /// The pid of a lock file written by AEGrid before claims (the pid alone), for messages.
    static func pidOnly(text: String) -> Int32? { Int32(text.trimmingCharacters(in: .whitespacesAndNewlines)) }

    /// This machine's host name (`gethostname`), "unknown-host" when it has none.
    static func hostName() -> String {
        var buffer = [CChar](repeating: 0, count: 256)
        guard gethostname(&buffer, buffer.count - 1) == 0 else { return "unknown-host" }
        let name = String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
        let cleaned = name.filter { !$0.isWhitespace && $0 != "=" }
        return cleaned.isEmpty ? "unknown-host" : cleaned
    }

    /// Seconds between heartbeats: `AEGRID_CLAIM_HEARTBEAT` when set (tests use a fraction of a second; a slow
    /// shared file system may want more), else 10. A new writer waits three of them before it takes over another
    /// host's silent claim. A value `validateEnvironment` refuses is never used.
    static func heartbeatInterval() -> Double {
        heartbeatSetting().flatMap(parseHeartbeat) ?? 10
    }

    /// `AEGRID_CLAIM_HEARTBEAT` as set, or nil.
    private static func heartbeatSetting() -> String? {
        guard let raw = getenv("AEGRID_CLAIM_HEARTBEAT") else { return nil }
        let text = String(cString: raw)
        return text.isEmpty ? nil : text
    }

    /// Seconds in (0, 3600], or nil.
    private static func parseHeartbeat(_ text: String) -> Double? {
        guard let seconds = Double(text), seconds > 0, seconds <= 3600 else { return nil }
        return seconds
    }

    /// Throws when `AEGRID_CLAIM_HEARTBEAT` is set to something other than seconds in (0, 3600], so the CLI says
    /// so instead of beating at the default without a word.
    static func validateEnvironment() throws {
        if let text = heartbeatSetting(), parseHeartbeat(text) == nil {
            throw ResultsError.invalidEnvironment(variable: "AEGRID_CLAIM_HEARTBEAT", value: text,
                                                  expected: "seconds between writer heartbeats, above 0 and at most 3600 (e.g. 10)")
        }
    }
}

/// Keeps a writer's claim alive: every `interval` seconds it rewrites the claim with the next beat, then reads the
/// file back; once another writer's claim is found there, `lostTo` says whose and the heartbeat stops writing.
final class WriterHeartbeat: Sendable {
    let path: String
    let interval: Double
    private let descriptor: Int32
    private struct State {
        var claim: WriterClaim
        var lostTo: WriterClaim?
        var stopped = false
    }
    private let state: Mutex<State>
    private let queue = DispatchQueue(label: "aegrid.writer-claim", qos: .utility)

    /// Starts beating for `claim`, already written to `descriptor` (the open lock file at `path`).
    init(claim: WriterClaim, descriptor: Int32, path: String, interval: Double) {
        self.path = path
        self.interval = interval
        self.descriptor = descriptor
        state = Mutex(State(claim: claim))
        schedule()
    }

    private func schedule() {
        queue.asyncAfter(deadline: .now() + interval) { [weak self] in
            guard let self, self.beat() else { return }
            self.schedule()
        }
    }

    /// One heartbeat; false once stopped or lost.
    private func beat() -> Bool {
        let fd = descriptor
        let keepGoing = state.withLock { state -> Bool in
            guard !state.stopped, state.lostTo == nil else { return false }
            if let other = WriterClaim.read(path: path), !other.isSameWriter(as: state.claim) {
                state.lostTo = other
                return false
            }
            state.claim.beat += 1
            let bytes = Array(state.claim.line.utf8)
            _ = bytes.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
            _ = fsync(fd)
            return true
        }
        return keepGoing
    }

    /// The writer whose claim replaced this one, if any: re-reads the file now (before an fsync of the log).
    func verify() -> WriterClaim? {
        state.withLock { state in
            if state.lostTo == nil, !state.stopped, let other = WriterClaim.read(path: path),
               !other.isSameWriter(as: state.claim) {
                state.lostTo = other
            }
            return state.lostTo
        }
    }

    /// The writer whose claim replaced this one, as the last heartbeat or `verify` saw it (no file read).
    var lostTo: WriterClaim? { state.withLock { $0.lostTo } }

    /// Stops beating (the caller then releases the lock file); returns whether the claim was still this writer's.
    func stop() -> Bool {
        state.withLock { state in
            state.stopped = true
            return state.lostTo == nil
        }
    }
}
