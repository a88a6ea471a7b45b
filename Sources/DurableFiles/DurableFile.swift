#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Synchronization

/// The one home of AEGrid's file writes: every file it creates goes through here, so every writer gets the same
/// rules (SQLite's and LMDB's): descriptors opened with `O_CLOEXEC`, short writes retried, `fsync` and `close` errors
/// reported rather than dropped, and whole-file replacement that a reader (or a process killed at any instant) sees
/// as the old file or the new one, never as an empty or half-written one.
///
/// Atomic replacement (`replace(_:with:)`): write a uniquely named temporary file in the target's directory (created
/// with `O_EXCL` under a random name, so two processes — two pods that are both pid 1, say — never share one), `fsync`
/// it, `rename` it over the target, `fsync` the directory. A file rebuilt from others (a report) may skip both fsyncs
/// (`Guarantee.atomic`): still whole or absent for a killed process, not for a crashed machine. Exclusive creation (`create(_:with:)`): the same, but
/// `link` instead of `rename`, which fails when the name exists, so of two concurrent creators exactly one wins.
public enum DurableFile {
    /// Opens `path` with `flags | O_CLOEXEC` (and `mode` for a created file); throws `DurableFileError` naming the
    /// path and the system's reason.
    public static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o644) throws -> Int32 {
        while true {
            let fd = systemOpen(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            throw DurableFileError(path: path, operation: .open, code: errno)
        }
    }

    /// Closes `descriptor`; a failed close (a delayed write error on NFS, say) is reported, not dropped.
    /// The descriptor is released whatever the outcome (Linux frees it even when close fails, so no retry).
    public static func close(_ descriptor: Int32, path: String) throws {
        if systemClose(descriptor) != 0 && errno != EINTR {
            throw DurableFileError(path: path, operation: .close, code: errno)
        }
    }

    /// Writes all of `bytes` at `offset` (or at the file position when `offset` is nil), retrying short writes and
    /// interrupted calls. A write that makes no progress is reported as a full disk.
    public static func writeAll(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: off_t? = nil,
                                path: String) throws {
        var written = 0
        while written < bytes.count {
            let base = bytes.baseAddress! + written, remaining = bytes.count - written
            let result = offset.map { pwrite(descriptor, base, remaining, $0 + off_t(written)) }
                ?? write(descriptor, base, remaining)
            if result < 0 {
                if errno == EINTR { continue }
                throw DurableFileError(path: path, operation: .write, code: errno)
            }
            if result == 0 { throw DurableFileError(path: path, operation: .write, code: ENOSPC) }
            written += result
        }
    }

    /// `writeAll` for an array of bytes.
    public static func writeAll(_ descriptor: Int32, _ bytes: [UInt8], at offset: off_t? = nil, path: String) throws {
        try bytes.withUnsafeBytes { try writeAll(descriptor, $0, at: offset, path: path) }
    }

    /// Makes what was written to `descriptor` durable.
    public static func sync(_ descriptor: Int32, path: String) throws {
        syncs.add(1, ordering: .relaxed)
        while fsync(descriptor) != 0 {
            if errno == EINTR { continue }
            throw DurableFileError(path: path, operation: .sync, code: errno)
        }
    }

    /// Makes the directory entries of `directory` (a created, renamed or removed file) durable. File systems that
    /// cannot fsync a directory (EINVAL) need no such step and are not an error.
    public static func syncDirectory(_ directory: String) throws {
        let path = directory.isEmpty ? "." : directory
        let fd = try open(path, O_RDONLY | O_DIRECTORY)
        defer { _ = systemClose(fd) }
        syncs.add(1, ordering: .relaxed)
        while fsync(fd) != 0 {
            if errno == EINTR { continue }
            if errno == EINVAL || errno == EROFS { return }
            throw DurableFileError(path: path, operation: .sync, code: errno)
        }
    }

    /// The directory holding `path` (`.` for a bare name).
    public static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }

    /// What a write promises once it returns. Both are atomic: a reader, or a process killed at any instant, sees
    /// the old file or the new one, never a half-written one.
    public enum Guarantee: Sendable {
        /// Also survives a machine crash or power loss: the temporary file is fsynced before the rename and the
        /// directory after it (two fsyncs, each a journal commit that waits on the disk).
        case durable
        /// Survives the process being killed, not the machine crashing: nothing is fsynced, so after a crash or
        /// power loss the file may be the old one, the new one, missing, or empty. For files that are derived from
        /// durable ones and rebuilt from them (a report of a results log), where two fsyncs per file would cost more
        /// than the file is worth.
        case atomic
    }

    /// When the directory entry that `create` links is made durable.
    public enum DirectorySync: Sendable {
        /// Before `create` returns.
        case now
        /// By the caller, with one `syncDirectory` of the target's directory, before anything relies on the file
        /// being durable: several entries created in one directory then share one fsync of it.
        case deferred
    }

    /// Replaces `path` with `bytes` atomically: temporary file, rename. `.durable` (the default) adds an fsync of the
    /// temporary file before the rename and of the directory after it; `.atomic` skips both (see `Guarantee`).
    /// On any failure the target is untouched and the temporary file is removed.
    public static func replace(_ path: String, with bytes: [UInt8], mode: mode_t = 0o644,
                               guarantee: Guarantee = .durable) throws {
        let temporary = try writeTemporary(beside: path, bytes: bytes, mode: mode, sync: guarantee == .durable)
        guard rename(temporary, path) == 0 else {
            let code = errno
            unlink(temporary)
            throw DurableFileError(path: path, operation: .rename, code: code)
        }
        if guarantee == .durable { try syncDirectory(directory(of: path)) }
    }

    /// `replace` for text (UTF-8).
    public static func replace(_ path: String, with text: String, mode: mode_t = 0o644,
                               guarantee: Guarantee = .durable) throws {
        try replace(path, with: Array(text.utf8), mode: mode, guarantee: guarantee)
    }

    /// Creates `path` with `bytes`, complete and durable, unless a file of that name exists: returns false then and
    /// changes nothing. Of several processes creating the same name at once, exactly one gets true, and the others
    /// find the winner's whole file, never a partial one. The file's bytes are always fsynced before it gets its
    /// name (a crash never leaves an empty `path`); with `directorySync: .deferred` the name itself is durable only
    /// after the caller's `syncDirectory`.
    public static func create(_ path: String, with bytes: [UInt8], mode: mode_t = 0o644,
                              directorySync: DirectorySync = .now) throws -> Bool {
        let temporary = try writeTemporary(beside: path, bytes: bytes, mode: mode, sync: true)
        defer { unlink(temporary) }
        if link(temporary, path) != 0 {
            if errno == EEXIST { return false }
            throw DurableFileError(path: path, operation: .create, code: errno)
        }
        if directorySync == .now { try syncDirectory(directory(of: path)) }
        return true
    }

    /// fsyncs made by this process through `sync` and `syncDirectory` (tests count them to check what a write
    /// promises).
    static var syncCount: Int { syncs.load(ordering: .relaxed) }
    private static let syncs = Atomic<Int>(0)

    /// Writes `bytes` to a new, uniquely named file in `path`'s directory (`.NAME.tmp-` and 16 random hex digits,
    /// created with `O_EXCL`, so no other process, pid 1 in another pod included, can be handed the same file) and,
    /// with `sync`, fsyncs it; returns its path. Hidden by its leading dot, and removed again on failure.
    static func writeTemporary(beside path: String, bytes: [UInt8], mode: mode_t, sync: Bool = true) throws -> String {
        let directory = directory(of: path)
        let name = path.split(separator: "/").last.map(String.init) ?? path
        var generator = SystemRandomNumberGenerator()
        var attempt = 0
        var temporary: String, fd: Int32
        repeat {
            let suffix = String(generator.next(), radix: 16)
            temporary = "\(directory)/.\(name).tmp-\(String(repeating: "0", count: 16 - suffix.count))\(suffix)"
            fd = systemOpen(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, mode)
            attempt += 1
        } while fd < 0 && (errno == EEXIST || errno == EINTR) && attempt < 100
        guard fd >= 0 else { throw DurableFileError(path: path, operation: .createTemporary, code: errno) }
        do {
            try writeAll(fd, bytes, path: temporary)
            if sync { try self.sync(fd, path: temporary) }
            try close(fd, path: temporary)
        } catch {
            _ = systemClose(fd)
            unlink(temporary)
            throw error
        }
        return temporary
    }
}

/// A file operation that failed: which file, which operation, and the system's reason (`strerror`).
public struct DurableFileError: Error, CustomStringConvertible, Equatable {
    public enum Operation: String, Sendable {
        case open, write, sync = "fsync", close, rename, create, createTemporary = "create a temporary file for"
    }

    public var path: String
    public var operation: Operation
    public var code: Int32

    public init(path: String, operation: Operation, code: Int32) {
        self.path = path
        self.operation = operation
        self.code = code
    }

    /// Whether the failure happened while writing data out (write, fsync, close, rename): the disk may be full.
    public var isWriteFailure: Bool { [.write, .sync, .close, .rename].contains(operation) }

    /// The system's reason, e.g. "No space left on device".
    public var reason: String { String(cString: strerror(code)) }

    public var description: String { "cannot \(operation.rawValue) \(path): \(reason)" }

    /// The operation for a message that names the path first: "`path`: cannot `action`: `reason`".
    public var action: String {
        operation == .createTemporary ? "create a temporary file in its directory" : operation.rawValue
    }
}

// Free functions so the C calls are not shadowed by `DurableFile.open` / `close`.
#if canImport(Glibc)
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Glibc.open(path, flags, mode) }
private func systemClose(_ descriptor: Int32) -> Int32 { Glibc.close(descriptor) }
#else
private func systemOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 { Darwin.open(path, flags, mode) }
private func systemClose(_ descriptor: Int32) -> Int32 { Darwin.close(descriptor) }
#endif
