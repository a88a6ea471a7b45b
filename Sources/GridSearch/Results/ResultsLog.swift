import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DataFiles
import DurableFiles
import Synchronization

/// The append-only, crash-safe results log of one search (or one shard) in `--out DIR`.
///
/// Layout of DIR: `manifest.json` (what the directory was made from, see `ResultsManifest`), `results.jsonl` for a
/// single run or `results.shard-K-of-N.jsonl` per shard, and a lock file per writer (`.lock`, `.lock.shard-K-of-N`).
///
/// Guarantees:
/// - `append` writes one JSON line and `fsync`s it before returning: a record returned from is on disk. `write`
///   puts lines in the file without an fsync (they survive the process being killed, not the machine crashing) and
///   `sync` makes everything written so far durable; `RecordWriter` uses the pair to bound how often a search
///   fsyncs. The directory is `fsync`ed when the log file or the manifest is created.
/// - Opening reads the log back: a torn (unterminated or undecodable) LAST line — a process killed mid-write — is
///   cut off before anything is appended; a complete last line without its newline gets one; an undecodable line
///   elsewhere is an error (`corruptLine`); a second line for a trial id already present is ignored, unless the
///   first says `failed` (a trial retried on resume, `retry`): then the later line replaces it.
/// - One live writer per log: a second `open` while the first holds the lock throws `ResultsError.locked`. Where
///   `flock` does not reach across machines, the lock file's `WriterClaim` does the same job: a writer on another
///   host that still beats is refused (`claimedElsewhere`), and a writer whose claim another has replaced, or whose
///   file grew under it, stops before its next write (`writerReplaced`) instead of interleaving lines.
/// - A failed write (disk full) throws `writeFailed` and removes the partial line: earlier lines stay intact.
/// Thread-safe: the runner may call `append` from several threads.
public final class ResultsLog: Sendable {
    public let directory: String
    /// Path of this writer's `.jsonl` file.
    public let path: String
    public let shard: ShardID?
    /// The directory's `manifest.json` as it is on disk: the one this writer created, or the one it was checked
    /// against (which may differ from the caller's in what `ResultsManifest.mismatch` allows, such as data paths).
    public let manifest: ResultsManifest
    /// Whether opening dropped a torn last line.
    public let droppedTornLine: Bool
    /// Lines ignored on open because their trial id was already present.
    public let ignoredDuplicates: Int

    /// The writer's state, one thread at a time.
    private struct State {
        /// The log file, -1 once closed.
        var descriptor: Int32
        var lock: FileLock?
        var ids: Set<String>
        var size: off_t
        /// The length known to be on disk, and the ids written after it (not yet fsynced).
        var syncedSize: off_t
        var unsyncedIDs: [String] = []
        var syncs = 0
    }
    private let state: Mutex<State>

    /// Throws `ResultsError.invalidEnvironment` when a variable that sets how results are written
    /// (`AEGRID_CLAIM_HEARTBEAT`) holds a value it cannot take.
    public static func validateEnvironment() throws { try WriterClaim.validateEnvironment() }

    /// The manifest file of a results directory.
    public static func manifestPath(directory: String) -> String { (directory as NSString).appendingPathComponent("manifest.json") }

    /// Opens (creating if needed) the log of `directory` for writing, checking `manifest` against the directory's.
    /// `manifest.shards` is set from `shard`. Throws `ResultsError`.
    /// `notice` hears why opening waits, when another host's claim must be watched first (see `WriterClaim`).
    ///
    /// A new directory takes five fsyncs (its parent's, the lock file's claim, the manifest's bytes, and the
    /// directory's for the manifest's name and the log's), each a journal commit that waits on the disk. They are
    /// made in two rounds, with the same guarantees when `open` returns: the parent's, the claim's and the
    /// manifest's bytes side by side (none depends on another, and nothing is written to the log before all have
    /// ended), then one fsync of the directory for both new names. The manifest's bytes are still durable before
    /// its name exists, so a crash never leaves an empty `manifest.json`.
    public static func open(directory: String, manifest: ResultsManifest, shard: ShardID? = nil,
                            notice: @Sendable (String) -> Void = { _ in }) throws -> ResultsLog {
        let createdDirectory = try createDirectory(directory)
        let lockPath = (directory as NSString).appendingPathComponent(shard?.lockFileName ?? ".lock")
        let lock = try FileLock.acquire(path: lockPath, directory: directory, syncClaim: false, notice: notice)
        var manifest = manifest
        manifest.shards = shard?.count
        let manifestToEstablish = manifest
        let syncClaim = lock.claimSync
        let established = Mutex<ResultsManifest?>(nil)
        var firstRound: [@Sendable () throws -> Bool] = [
            {
                let (created, onDisk) = try establishManifest(manifestToEstablish, directory: directory,
                                                              directorySync: .deferred)
                established.withLock { $0 = onDisk }
                return created
            },
            { try syncClaim(); return false },
        ]
        if createdDirectory {
            firstRound.append {
                try ResultsError.reporting { try DurableFile.syncDirectory(parentDirectory(of: directory)) }
                return false
            }
        }
        // On an error the lock is released as it goes out of scope.
        let createdManifest = try SideBySide.run(firstRound)[0]
        let path = (directory as NSString).appendingPathComponent(shard?.resultsFileName ?? "results.jsonl")
        return try ResultsLog(directory: directory, path: path, shard: shard, manifest: established.withLock { $0! },
                              lock: lock, directoryNeedsSync: createdManifest)
    }

    /// `directoryNeedsSync`: a name was created in `directory` whose fsync was deferred to here (the manifest's).
    private init(directory: String, path: String, shard: ShardID?, manifest: ResultsManifest, lock: sending FileLock,
                 directoryNeedsSync: Bool) throws {
        self.directory = directory
        self.path = path
        self.shard = shard
        self.manifest = manifest
        let existed = FileManager.default.fileExists(atPath: path)
        let fd = try ResultsError.reporting { try DurableFile.open(path, O_RDWR | O_CREAT) }
        do {
            // One fsync makes both the log's name and the manifest's durable.
            if !existed || directoryNeedsSync {
                try ResultsError.reporting { try DurableFile.syncDirectory(directory) }
            }
            let contents = try ResultsLog.scan(path: path, histories: false)
            droppedTornLine = contents.tornTail
            ignoredDuplicates = contents.duplicates
            var size = off_t(contents.goodLength)
            if contents.tornTail || contents.missingFinalNewline {
                guard ftruncate(fd, size) == 0 else {
                    throw ResultsError.writeFailed(path: path, reason: "cannot cut the torn last line: \(ResultsError.errnoText())")
                }
                if contents.missingFinalNewline {
                    try ResultsError.reporting { try DurableFile.writeAll(fd, [UInt8(ascii: "\n")], at: size, path: path) }
                    size += 1
                }
                try ResultsError.reporting { try DurableFile.sync(fd, path: path) }
            }
            state = Mutex(State(descriptor: fd, lock: lock, ids: Set(contents.records.map(\.trialID)), size: size,
                                syncedSize: size))
        } catch {
            try? DurableFile.close(fd, path: path)
            throw error
        }
    }

    deinit { try? close() }

    /// Trial ids already recorded (finished trials a resumed run skips).
    public var completedIDs: Set<String> { state.withLock { $0.ids } }

    public func contains(_ trialID: String) -> Bool { state.withLock { $0.ids.contains(trialID) } }

    /// Treats the `failed` records of `trialIDs` as not done: the search trains them again, and the new record,
    /// appended later, replaces the old one for every reader (`read` keeps a failed record's last line).
    func retry(_ trialIDs: Set<String>) {
        state.withLock { $0.ids.subtract(trialIDs) }
    }

    /// Appends `record` as one line and fsyncs. Returns false (writing nothing) when its trial id is already present.
    @discardableResult
    public func append(_ record: TrialRecord) throws -> Bool {
        try !append(contentsOf: [record]).isEmpty
    }

    /// Appends the records whose trial ids are not present yet (nor earlier in `records`) with ONE write and ONE
    /// fsync: a group commit, for a runner that finishes trials faster than the disk syncs. All or nothing: on a
    /// failed write the partial bytes are cut off and nothing counts as written. Returns the records written.
    @discardableResult
    public func append(contentsOf records: [TrialRecord]) throws -> [TrialRecord] {
        let written = try write(contentsOf: records)
        try sync()
        return written
    }

    /// Writes the records whose trial ids are not present yet (nor earlier in `records`) with ONE write and no
    /// fsync: they are in the file at once, for readers and for a resume after the process is killed, and on disk
    /// after the next `sync`. On a failed write the partial bytes are cut off, records written before stay, and
    /// nothing of this call counts as written. Returns the records written.
    @discardableResult
    public func write(contentsOf records: [TrialRecord]) throws -> [TrialRecord] {
        var lines: [(record: TrialRecord, line: Data)] = []
        for record in records {
            do {
                lines.append((record, try record.jsonLine() + Data([UInt8(ascii: "\n")])))
            } catch {
                throw ResultsError.writeFailed(path: path, reason: "cannot encode the record of trial \(record.trialID): \(error)")
            }
        }
        let path = self.path
        return try state.withLock { state in
            guard state.descriptor >= 0 else { throw ResultsError.io(path: path, reason: "the results log is closed") }
            try state.lock?.verify(log: path, reread: false)
            try Self.checkSize(state.descriptor, expected: state.size, path: path, lockFile: state.lock?.path ?? "")
            var batchIDs = Set<String>()
            let fresh = lines.filter { !state.ids.contains($0.record.trialID) && batchIDs.insert($0.record.trialID).inserted }
            guard !fresh.isEmpty else { return [] }
            var bytes: [UInt8] = []
            for entry in fresh { bytes.append(contentsOf: entry.line) }
            do {
                let (fd, end) = (state.descriptor, state.size)
                try ResultsError.reporting { try DurableFile.writeAll(fd, bytes, at: end, path: path) }
            } catch {
                _ = ftruncate(state.descriptor, state.size)
                throw error
            }
            state.size += off_t(bytes.count)
            state.ids.formUnion(batchIDs)
            state.unsyncedIDs += fresh.map(\.record.trialID)
            return fresh.map(\.record)
        }
    }

    /// Throws `writerReplaced` when the file is not `expected` bytes long: another process wrote to it since this
    /// writer last did (two writers where `flock` does not reach across machines).
    private static func checkSize(_ fd: Int32, expected: off_t, path: String, lockFile: String) throws {
        var status = stat()
        guard fstat(fd, &status) == 0 else { return }
        if status.st_size != expected {
            throw ResultsError.writerReplaced(
                path: path, lockFile: lockFile,
                other: "another process (the file is \(status.st_size) bytes long where this run wrote \(expected))")
        }
    }

    /// fsyncs of the log file by `sync` so far (tests count them; the writer queue increments it concurrently).
    var syncCount: Int { state.withLock { $0.syncs } }

    /// Whether records were written since the last `sync` (for tests, like `syncCount`).
    var hasUnsyncedRecords: Bool { state.withLock { $0.size != $0.syncedSize } }

    /// fsyncs what `write` put in the file since the last sync (nothing to do when that is nothing). When the fsync
    /// fails, those records are cut off the file and no longer count as written (a resumed run trains them again),
    /// so the log never claims a record the disk may not hold; earlier records stay.
    public func sync() throws {
        let path = self.path
        try state.withLock { state in
            guard state.size != state.syncedSize else { return }
            guard state.descriptor >= 0 else { throw ResultsError.io(path: path, reason: "the results log is closed") }
            state.syncs += 1
            // Another writer took over: stop here and touch nothing, the file's end may be theirs now.
            try state.lock?.verify(log: path)
            do {
                let fd = state.descriptor
                try ResultsError.reporting { try DurableFile.sync(fd, path: path) }
            } catch {
                _ = ftruncate(state.descriptor, state.syncedSize)
                state.size = state.syncedSize
                state.ids.subtract(state.unsyncedIDs)
                state.unsyncedIDs.removeAll()
                throw error
            }
            state.syncedSize = state.size
            state.unsyncedIDs.removeAll()
        }
    }

    /// Releases the file and the lock (also done, ignoring errors, on deinit). Records written but not yet synced
    /// are fsynced first; a failed fsync or close is reported (`writeFailed`): those records may not be on disk.
    public func close() throws {
        let path = self.path
        try state.withLock { state in
            defer {
                state.lock?.release()
                state.lock = nil
            }
            guard state.descriptor >= 0 else { return }
            let fd = state.descriptor
            state.descriptor = -1
            var failure: Error?
            if state.size != state.syncedSize {
                do { try ResultsError.reporting { try DurableFile.sync(fd, path: path) } } catch { failure = error }
            }
            do { try ResultsError.reporting { try DurableFile.close(fd, path: path) } } catch { failure = failure ?? error }
            if let failure { throw failure }
        }
    }

    // MARK: - Reading without writing (status, merge, `aegrid results` while a search runs)

    /// What a log file holds.
    public struct Contents {
        /// Records in file order, one per trial id: its first line, or the last when the first says `failed`.
        public var records: [TrialRecord]
        /// The last line had no newline and did not decode: a torn write, dropped.
        public var tornTail: Bool
        /// Lines dropped because their trial id came earlier (not counting failed records replaced).
        public var duplicates: Int
        /// Byte length of the whole lines kept (including a complete last line without newline).
        var goodLength: Int
        /// The last kept line lacks its newline.
        var missingFinalNewline: Bool
    }

    /// Reads a `.jsonl` log (a missing file reads as empty). Streams the file: memory is the records, not the text.
    /// With `histories: false` every line is checked as strictly, but the records come without their per-epoch
    /// history, which is most of a record (a 100-epoch record is ~7 KB on disk): reports, counts and status need only
    /// the rest, so reading a million-trial log for them does not hold gigabytes of histories.
    public static func read(path: String, histories: Bool = true) throws -> Contents {
        try scan(path: path, histories: histories)
    }

    /// The manifest of `directory`, or nil when it has none.
    public static func readManifest(directory: String) throws -> ResultsManifest? {
        let path = manifestPath(directory: directory)
        guard FileManager.default.fileExists(atPath: path) else { return nil }
        let bytes: [UInt8]?
        do { bytes = try ByteSource.readWhole(path, limit: ResultsDirectory.smallFileLimit) } catch {
            let reason = if case DataError.unreadable(_, let reason) = error { reason } else { "\(error)" }
            throw ResultsError.io(path: path, reason: "cannot read: \(reason)")
        }
        guard let bytes else {
            throw ResultsError.io(path: path, reason: "it holds more than \(ResultsDirectory.smallFileLimit >> 20) MB, "
                                  + "and a manifest takes a few KB (the grid and the data's description): it is damaged, "
                                  + "or not the file AEGrid wrote")
        }
        return try ResultsManifest.decode(Data(bytes), path: path)
    }

    /// The longest line `scan` reads before it refuses the file: far beyond any record (one holds about 70 bytes an
    /// epoch of history), so that a file that is not a log, or damage with no newline in it, costs at most this
    /// much memory rather than all of it.
    static let maximumLineBytes = 1 << 30

    static func scan(path: String, histories: Bool, maximumLineBytes: Int = maximumLineBytes) throws -> Contents {
        var contents = Contents(records: [], tornTail: false, duplicates: 0, goodLength: 0, missingFinalNewline: false)
        guard let handle = FileHandle(forReadingAtPath: path) else {
            if FileManager.default.fileExists(atPath: path) {
                throw ResultsError.io(path: path, reason: "cannot read: permission denied")
            }
            return contents
        }
        defer { try? handle.close() }
        var list = LogRecords()
        var pending: [UInt8] = []
        var offset = 0
        var lineNumber = 0
        // A line without its newline can only be the last one, and is a torn write when it does not decode. A
        // line with its newline was written whole (each record goes out in one write, newline included), so
        // one that does not decode is damage, wherever it is: refused, never cut off.
        var failure: (line: Int, problem: String)?

        func take(_ line: Data, terminated: Bool) throws {
            lineNumber += 1
            if let failure { throw ResultsError.corruptLine(path: path, line: failure.line, problem: failure.problem) }
            if line.isEmpty && terminated {
                throw ResultsError.corruptLine(path: path, line: lineNumber, problem: "empty line")
            }
            do {
                if list.add(try TrialRecord.decode(line: line, histories: histories)) == false { contents.duplicates += 1 }
                contents.goodLength = offset + line.count + (terminated ? 1 : 0)
                contents.missingFinalNewline = !terminated
            } catch {
                // The decoder's message says which key and byte; the file and line number come with corruptLine.
                if terminated {
                    throw ResultsError.corruptLine(path: path, line: lineNumber, problem: "undecodable JSON: \(error)")
                }
                failure = (lineNumber, "incomplete")
            }
            offset += line.count + (terminated ? 1 : 0)
        }

        // How to keep the lines before a damaged one: they decoded, and their bytes end at `bytes`.
        func intactBefore(lines: Int, bytes: Int) -> String {
            lines == 0 ? "" : "; the \(lines == 1 ? "line" : "\(lines) lines") before it decoded, and "
                + "`truncate -s \(bytes) \(path)` keeps only \(lines == 1 ? "it" : "them")"
        }

        while true {
            let chunk: Data
            do {
                chunk = try handle.read(upToCount: 1 << 20) ?? Data()
            } catch {
                throw ResultsError.io(path: path, reason: "cannot read: \(error.localizedDescription)")
            }
            if chunk.isEmpty { break }
            // Lines are found in an array of bytes: searching a `Data` byte by byte costs about ten times as much.
            // The search resumes where the previous chunk's stopped: starting again from the beginning of
            // `pending` would make one huge line cost time quadratic in its length.
            var searched = pending.count
            pending.append(contentsOf: chunk)
            // JSON escapes every control character, so no record holds a NUL byte; zero-filled blocks (what a file
            // system can leave of unsynced writes after a power loss) or a file that is not a log do. The lines
            // before the first one are read as usual, and the refusal says how to keep them.
            let nul = firstNUL(in: pending, from: searched)
            var start = 0
            while let newline = pending[searched...].firstIndex(of: UInt8(ascii: "\n")), newline < nul ?? .max {
                try take(Data(pending[start..<newline]), terminated: true)
                start = newline + 1
                searched = start
            }
            if let nul {
                throw ResultsError.corruptLine(
                    path: path, line: lineNumber + 1,
                    problem: "a NUL byte at byte \(nul - start + 1) of the line, which no JSON record holds: zero-filled "
                        + "blocks, or not a results log" + intactBefore(lines: lineNumber, bytes: offset))
            }
            pending.removeFirst(start)
            if pending.count > maximumLineBytes {
                throw ResultsError.corruptLine(
                    path: path, line: lineNumber + 1,
                    problem: "over \(maximumLineBytes >> 20) MiB without a newline, far longer than any record (about 70 "
                        + "bytes an epoch)" + intactBefore(lines: lineNumber, bytes: offset))
            }
        }
        if !pending.isEmpty { try take(Data(pending), terminated: false) }
        if failure != nil { contents.tornTail = true }
        contents.records = list.records
        return contents
    }

    /// The index of the first NUL byte in `bytes` at or after `from`, found with `memchr` (a log is read at the speed
    /// of the disk, and a byte-by-byte search would cost more than the decoding).
    private static func firstNUL(in bytes: [UInt8], from: Int) -> Int? {
        bytes.withUnsafeBufferPointer { buffer in
            guard from < buffer.count, let base = buffer.baseAddress,
                  let found = memchr(base + from, 0, buffer.count - from) else { return nil }
            return base.distance(to: found.assumingMemoryBound(to: UInt8.self))
        }
    }

    // MARK: - Files and directories

    /// Creates `directory` (and missing parents) unless it exists; returns whether it did, in which case its name
    /// is durable only after an fsync of its parent (`parentDirectory(of:)`), which the caller makes.
    static func createDirectory(_ directory: String) throws -> Bool {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: directory, isDirectory: &isDirectory) {
            guard isDirectory.boolValue else { throw ResultsError.io(path: directory, reason: "exists and is not a directory") }
            return false
        }
        // mkdir -p by hand: Foundation's error for a failed component reads "The operation could not be
        // completed"; the system's reason (permission denied, read-only file system, …) is what helps.
        var current = directory.hasPrefix("/") ? "/" : ""
        for part in directory.split(separator: "/") {
            current += (current.isEmpty || current.hasSuffix("/") ? "" : "/") + part
            if mkdir(current, 0o777) == 0 { continue }
            let code = errno
            var componentIsDirectory: ObjCBool = false
            if code == EEXIST, FileManager.default.fileExists(atPath: current, isDirectory: &componentIsDirectory),
               componentIsDirectory.boolValue {
                continue
            }
            let at = current == directory ? "" : " (at \(current))"
            let why = code == EEXIST ? "it exists and is not a directory" : ResultsError.errnoText(code)
            throw ResultsError.io(path: directory, reason: "cannot create the directory\(at): \(why)")
        }
        return true
    }

    /// The directory holding `directory`'s name.
    static func parentDirectory(of directory: String) -> String {
        // Not NSString.deletingLastPathComponent: Foundation traps on a path without a slash (`--out results`).
        var trimmed = directory
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed.removeLast() }
        return DurableFile.directory(of: trimmed)
    }

    /// Writes `manifest` as DIR/manifest.json unless one exists; an existing one must match. Returns whether it
    /// created the file, and the manifest the directory holds; with `directorySync: .deferred` a created file's name
    /// is durable only after the caller's fsync of `directory` (its bytes are durable before it has a name either
    /// way). Atomic against a concurrent shard doing the same (`DurableFile.create`: whoever links first wins, and
    /// the others compare with the winner's complete file).
    static func establishManifest(_ manifest: ResultsManifest, directory: String,
                                  directorySync: DurableFile.DirectorySync = .now) throws
        -> (created: Bool, onDisk: ResultsManifest) {
        let path = manifestPath(directory: directory)
        if let existing = try readManifest(directory: directory) {
            if let detail = manifest.mismatch(with: existing) {
                throw ResultsError.manifestMismatch(directory: directory, detail: detail)
            }
            return (false, existing)
        }
        let data: Data
        do {
            data = try JSONCoding.encoder(pretty: true).encode(manifest)
        } catch {
            throw ResultsError.writeFailed(path: path, reason: "cannot encode the manifest: \(error)")
        }
        let created = try ResultsError.reporting {
            try DurableFile.create(path, with: [UInt8](data) + [UInt8(ascii: "\n")], directorySync: directorySync)
        }
        // Another writer created it between our check and our create: theirs must match ours.
        if !created {
            return (false, try establishManifest(manifest, directory: directory, directorySync: directorySync).onDisk)
        }
        return (true, manifest)
    }

    /// Replaces `path` with `data` atomically (`DurableFile.replace`): readers see the old file or the new one,
    /// never a half-written one. `.durable` (the default) also survives a machine crash; `.atomic`, for a file
    /// rebuilt from durable ones, skips the two fsyncs (see `DurableFile.Guarantee`).
    public static func writeFileAtomically(_ data: Data, path: String,
                                           guarantee: DurableFile.Guarantee = .durable) throws {
        try ResultsError.reporting { try DurableFile.replace(path, with: [UInt8](data), guarantee: guarantee) }
    }
}

