import Foundation

/// When and where a results directory was computed: one entry per `aegrid search` process that ran to its end or was
/// interrupted, in `DIR/sessions.json` (or `sessions.shard-K-of-N.json` for a shard, so shards never write one
/// another's files). The report reads them for its wall time and cores; nothing else depends on them, and a
/// directory without them (made by an older AEGrid) reports without a wall time.
public struct SearchSessions: Codable, Sendable, Equatable {
    public struct Session: Codable, Sendable, Equatable {
        /// Start of the run (ISO 8601, UTC).
        public var started: String
        public var wallSeconds: Double
        /// Trials trained side by side, and the cores the machine offered.
        public var jobs: Int
        public var cores: Int
        public var host: String
        /// Trials this session recorded.
        public var trials: Int
        public var interrupted: Bool
        /// "K/N" for a shard's session.
        public var shard: String?
        /// What the trainers' matrix products ran on (`GEMM.defaultBackendDescription`): OpenBLAS and its kernels,
        /// or the Swift kernel. Sessions on different OpenBLAS kernels may differ in the last bits of their trials
        /// (docs/cluster.md). Nil in a file from an older AEGrid.
        public var gemm: String?

        public init(started: String, wallSeconds: Double, jobs: Int, cores: Int, host: String, trials: Int,
                    interrupted: Bool, shard: String? = nil, gemm: String? = nil) {
            self.started = started
            self.wallSeconds = wallSeconds
            self.jobs = jobs
            self.cores = cores
            self.host = host
            self.trials = trials
            self.interrupted = interrupted
            self.shard = shard
            self.gemm = gemm
        }

        enum CodingKeys: String, CodingKey {
            case started, jobs, cores, host, trials, interrupted, shard, gemm
            case wallSeconds = "wall_seconds"
        }
    }

    public var sessions: [Session]

    public init(sessions: [Session] = []) { self.sessions = sessions }

    static func fileName(shard: ShardID?) -> String {
        shard.map { "sessions.shard-\($0.index)-of-\($0.count).json" } ?? "sessions.json"
    }

    /// Adds `session` to the directory's file for `shard` (atomically and durably). Called by the process holding
    /// that log's lock, so no two writers race on one file.
    public static func append(_ session: Session, directory: String, shard: ShardID?) throws {
        try appending(session, directory: directory, shard: shard).write()
    }

    /// The directory's file for `shard` with `session` added, ready to write: what `append` writes, known before it
    /// is written (a single run's report reads its sessions from here while the file is being written).
    static func appending(_ session: Session, directory: String, shard: ShardID?) -> Pending {
        let path = (directory as NSString).appendingPathComponent(fileName(shard: shard))
        var file = ResultsDirectory.smallFile(path)
            .flatMap { try? JSONCoding.decoder().decode(SearchSessions.self, from: $0) } ?? SearchSessions()
        file.sessions.append(session)
        return Pending(path: path, file: file)
    }

    /// A sessions file to be written.
    struct Pending: Sendable {
        var path: String
        var file: SearchSessions

        func write() throws {
            try ResultsLog.writeFileAtomically(try JSONCoding.encoder(pretty: true).encode(file), path: path)
        }
    }

    /// Every session of the directory, all shards included, by start time.
    public static func read(directory: String) -> [Session] {
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter {
            $0 == "sessions.json" || ($0.hasPrefix("sessions.shard-") && $0.hasSuffix(".json"))
        }
        return ordered(names.flatMap { name -> [Session] in
            let path = (directory as NSString).appendingPathComponent(name)
            return ResultsDirectory.smallFile(path).flatMap { try? JSONCoding.decoder().decode(SearchSessions.self, from: $0) }?
                .sessions ?? []
        })
    }

    /// Sessions in the order `read` gives them: by start time.
    static func ordered(_ sessions: [Session]) -> [Session] { sessions.sorted { $0.started < $1.started } }

    /// Now, as `Session.started` writes it: ISO 8601 in UTC to the second, `2026-12-02T06:21:02Z` (what
    /// `ISO8601DateFormatter` with `.withInternetDateTime` writes: the time rounded to the millisecond as
    /// CoreFoundation hands it to ICU, then the milliseconds dropped). Formatted here rather than by that
    /// formatter: creating one loads ICU's calendar and time-zone data, about 1 ms, and every search made two (its
    /// session and its report's "made" line).
    public static func timestamp(_ date: Date = Date()) -> String {
        // CoreFoundation's conversion: (seconds since 2001 + 978307200) * 1000 + 0.5, which ICU truncates.
        let milliseconds = ((date.timeIntervalSinceReferenceDate + 978_307_200) * 1000 + 0.5).rounded(.down)
        var seconds = time_t((milliseconds / 1000).rounded(.down))
        var utc = tm()
        gmtime_r(&seconds, &utc)
        func padded(_ value: Int32, _ width: Int) -> String {
            let digits = String(value)
            return String(repeating: "0", count: max(0, width - digits.count)) + digits
        }
        return "\(padded(utc.tm_year + 1900, 4))-\(padded(utc.tm_mon + 1, 2))-\(padded(utc.tm_mday, 2))"
            + "T\(padded(utc.tm_hour, 2)):\(padded(utc.tm_min, 2)):\(padded(utc.tm_sec, 2))Z"
    }
}
