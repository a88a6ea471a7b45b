import Foundation
import DurableFiles

/// A problem with a results directory (`--out DIR`): each message names the path and says how to fix it.
public enum ResultsError: Error, Equatable, CustomStringConvertible, LocalizedError {
    /// Another live process holds the directory's (or shard's) lock; `holder` is "pid P on host H" when known.
    case locked(directory: String, lockFile: String, holder: String?)
    /// A writer on another host still beats in the lock file's claim (`WriterClaim`): `flock` may not reach across
    /// nodes on this file system, so this run refused to write beside it.
    case claimedElsewhere(directory: String, lockFile: String, holder: String, window: String)
    /// Another writer's claim replaced this writer's while it ran: it stopped writing `path` rather than interleave.
    case writerReplaced(path: String, lockFile: String, other: String)
    /// The directory was made from other inputs; `detail` says which part differs and how to fix it.
    case manifestMismatch(directory: String, detail: String)
    /// A line other than the last one is not a valid record (the last one may be torn and is dropped instead).
    case corruptLine(path: String, line: Int, problem: String)
    /// Writing failed (disk full, quota, I/O error); lines written before are intact.
    case writeFailed(path: String, reason: String)
    /// Creating, opening or reading a file or directory failed.
    case io(path: String, reason: String)
    /// The directory holds no results of the kind asked for.
    case noResults(directory: String, detail: String)
    /// An environment variable that sets how results are written holds a value it cannot take.
    case invalidEnvironment(variable: String, value: String, expected: String)
    /// Merging a search with missing trials without `--allow-partial`; `detail` lists them by shard.
    case incomplete(directory: String, missing: Int, total: Int, detail: String)

    public var description: String {
        switch self {
        case let .locked(directory, lockFile, holder):
            let who = holder.map { "another aegrid process (\($0))" } ?? "another aegrid process"
            return "\(who) is writing to \(directory) (lock \(lockFile)); wait for it to finish, stop it, "
                + "or use another --out directory"
        case let .claimedElsewhere(directory, lockFile, holder, window):
            return "aegrid \(holder) is still writing to \(directory): its claim in \(lockFile) kept beating for the "
                + "\(window) this run watched it. This file system's locks may not reach across machines, so two "
                + "writers would mix their results; wait for that one to finish, stop it, or use another --out directory"
        case let .writerReplaced(path, lockFile, other):
            return "stopped writing \(path): aegrid \(other) has claimed \(lockFile) since this run started (a second "
                + "writer, on a file system whose locks do not reach across machines). The results written before are "
                + "intact; let one writer run, then rerun the same command to resume"
        case let .manifestMismatch(directory, detail):
            return "\(directory) cannot be resumed by this run: \(detail)"
        case let .corruptLine(path, line, problem):
            return "\(path) line \(line) is not a valid result record (\(problem)); a crash can only leave a last "
                + "line without its newline, so this is damage, not a torn write. Move the file aside or repair that line"
        case let .writeFailed(path, reason):
            return "cannot write to \(path): \(reason); the results written before are intact, "
                + "free space and rerun the same command to resume"
        case let .io(path, reason):
            return "\(path): \(reason)"
        case let .noResults(directory, detail):
            return "\(directory): \(detail)"
        case let .invalidEnvironment(variable, value, expected):
            return "\(variable)=\(value) is not valid; expected \(expected)"
        case let .incomplete(directory, missing, total, detail):
            return "\(directory): the search is incomplete, \(missing) of \(total) trials have no result (\(detail)); "
                + "rerun the missing shards with the same command, or pass --allow-partial to merge what is there"
        }
    }

    public var errorDescription: String? { description }

    static func errnoText(_ code: Int32 = errno) -> String { String(cString: strerror(code)) }
}

extension ResultsError {
    /// Runs `body`, turning a failed file operation into the results directory's error: a failed write, fsync,
    /// close or rename is `writeFailed` (the results written before are intact: free space and resume), anything
    /// else `io`.
    static func reporting<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as DurableFileError {
            throw error.isWriteFailure
                ? ResultsError.writeFailed(path: error.path, reason: error.reason)
                : ResultsError.io(path: error.path, reason: "cannot \(error.action): \(error.reason)")
        }
    }
}
