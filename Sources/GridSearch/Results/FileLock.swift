import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DurableFiles

/// An exclusive advisory lock (`flock`) on a lock file, holding the owner's pid as text for error messages.
///
/// `flock` belongs to the open file description: a second `open` + `flock` of the same file fails even in the same
/// process, and the kernel drops the lock when the process dies (so a SIGKILLed run never leaves a stale lock; the
/// stale pid text is harmless because the lock, not the file, decides).
final class FileLock {
    let path: String
    private var descriptor: Int32

    private init(path: String, descriptor: Int32) {
        self.path = path
        self.descriptor = descriptor
    }

    /// Takes the lock or throws `ResultsError.locked` naming the holder's pid (when it wrote one).
    static func acquire(path: String, directory: String) throws -> FileLock {
        let fd: Int32
        do { fd = try DurableFile.open(path, O_RDWR | O_CREAT) } catch let error as DurableFileError {
            throw ResultsError.io(path: path, reason: "cannot create lock file: \(error.reason)")
        }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK || code == EAGAIN {
                throw ResultsError.locked(directory: directory, lockFile: path, pid: readPID(path: path))
            }
            throw ResultsError.io(path: path, reason: "cannot lock: \(ResultsError.errnoText(code))")
        }
        let text = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = text.withUnsafeBytes { pwrite(fd, $0.baseAddress, $0.count, 0) }
        return FileLock(path: path, descriptor: fd)
    }

    /// The pid written in a lock file, if it holds one.
    static func readPID(path: String) -> Int32? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        return Int32(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    func release() {
        guard descriptor >= 0 else { return }
        _ = ftruncate(descriptor, 0)
        _ = flock(descriptor, LOCK_UN)
        close(descriptor)
        descriptor = -1
    }

    deinit { release() }
}
