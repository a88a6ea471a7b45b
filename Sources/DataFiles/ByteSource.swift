#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import DurableFiles

/// Bytes read in order, either from a file (in chunks, so a large file is never held twice) or from memory
/// (a decompressed `.gz`). The loaders read through this so every format works on both.
///
/// A file may be a pipe or FIFO, read once: `peek` keeps what it looked at for the next reads, and no read
/// allocates more than the bytes that really arrived (plus one 1 MiB chunk), whatever size a header declares.
package struct ByteSource {
    private enum Storage {
        case file(descriptor: Int32)
        case memory([UInt8], position: Int)
    }

    private var storage: Storage
    /// Bytes `peek` read from a file and not yet handed out.
    private var lookahead: [UInt8] = []
    /// The path as the user gave it, for messages.
    package let path: String

    /// Opens `path` for reading; throws `DataError.unreadable` with the system's reason.
    package static func open(_ path: String) throws -> ByteSource {
        let fd: Int32
        do { fd = try DurableFile.open(path, O_RDONLY) } catch let error as DurableFileError {
            throw DataError.unreadable(path: path, reason: error.reason)
        }
        var info = stat()
        if fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFDIR {
            _ = Glibc.close(fd)
            throw DataError.unreadable(path: path, reason: "it is a directory")
        }
        return ByteSource(storage: .file(descriptor: fd), path: path)
    }

    /// The whole of a file expected to be small (a grid, a manifest), or nil when it holds more than `limit` bytes.
    /// Whatever the file is (a pipe, `/dev/zero`, a damaged one), no more than `limit` bytes plus one chunk are read;
    /// throws `DataError.unreadable` with the system's reason, or "it is a directory".
    package static func readWhole(_ path: String, limit: Int) throws -> [UInt8]? {
        var source = try open(path)
        defer { source.close() }
        let bytes = try source.readBytes(min(limit + 1, source.remainingHint ?? limit + 1))
        return bytes.count <= limit ? bytes : nil
    }

    /// A source over bytes already in memory; `path` names where they came from.
    package init(bytes: [UInt8], path: String) {
        storage = .memory(bytes, position: 0)
        self.path = path
    }

    private init(storage: Storage, path: String) {
        self.storage = storage
        self.path = path
    }

    /// The total size in bytes if known (a regular file's size, or the memory's), for reserving capacity.
    package var sizeHint: Int? {
        switch storage {
        case .file(let fd):
            var info = stat()
            return fstat(fd, &info) == 0 && (info.st_mode & S_IFMT) == S_IFREG ? Int(info.st_size) : nil
        case .memory(let bytes, _): return bytes.count
        }
    }

    /// The number of bytes left to read, if known (a regular file's size minus the read position, or the rest of
    /// the memory). Lets binary readers reject a header that promises more data than exists before allocating.
    package var remainingHint: Int? {
        switch storage {
        case .file(let fd):
            guard let size = sizeHint else { return nil }
            let offset = lseek(fd, 0, SEEK_CUR)
            return offset >= 0 ? size - Int(offset) + lookahead.count : nil
        case .memory(let bytes, let position): return bytes.count - position
        }
    }

    /// Closes the file, if any. Call once when done.
    package func close() {
        if case .file(let fd) = storage { _ = Glibc.close(fd) }
    }

    /// The first `count` bytes still to be read (fewer only at the end), without consuming them: the next reads
    /// return them again. Works on pipes, which cannot be reopened or rewound.
    package mutating func peek(_ count: Int) throws -> [UInt8] {
        let saved = lookahead
        lookahead = []
        var more = [UInt8](repeating: 0, count: max(0, count - saved.count))
        let n = try more.withUnsafeMutableBytes { try readFully(into: $0) }
        lookahead = saved + more[0 ..< n]
        return Array(lookahead.prefix(count))
    }

    /// Reads up to `buffer.count` bytes; returns the number read, 0 only at the end.
    package mutating func read(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        guard buffer.count > 0 else { return 0 }
        if !lookahead.isEmpty {
            let n = min(buffer.count, lookahead.count)
            lookahead.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress!, byteCount: n) }
            lookahead.removeFirst(n)
            return n
        }
        switch storage {
        case .file(let fd):
            while true {
                let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
                if n >= 0 { return n }
                if errno == EINTR { continue }
                throw DataError.unreadable(path: path, reason: String(cString: strerror(errno)))
            }
        case .memory(let bytes, let position):
            let n = min(buffer.count, bytes.count - position)
            if n > 0 {
                bytes.withUnsafeBytes { all in
                    buffer.baseAddress!.copyMemory(from: all.baseAddress! + position, byteCount: n)
                }
            }
            storage = .memory(bytes, position: position + n)
            return n
        }
    }

    /// Fills `buffer` completely unless the source ends first; returns the number of bytes read.
    package mutating func readFully(into buffer: UnsafeMutableRawBufferPointer) throws -> Int {
        var filled = 0
        while filled < buffer.count {
            let n = try read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            if n == 0 { break }
            filled += n
        }
        return filled
    }

    /// Reads `count` bytes (fewer only at the end of the source). The result grows by at most 1 MiB ahead of the
    /// bytes read, so a `count` taken from a damaged header costs only what the source really holds.
    package mutating func readBytes(_ count: Int) throws -> [UInt8] {
        var bytes: [UInt8] = []
        let chunk = 1 << 20
        while bytes.count < count {
            let wanted = min(chunk, count - bytes.count)
            let start = bytes.count
            bytes.append(contentsOf: repeatElement(0, count: wanted))
            let n = try bytes.withUnsafeMutableBytes {
                try readFully(into: UnsafeMutableRawBufferPointer(rebasing: $0[start...]))
            }
            if n < wanted {
                bytes.removeLast(wanted - n)
                break
            }
        }
        return bytes
    }

    /// Reads everything that is left.
    package mutating func readAll() throws -> [UInt8] {
        if case .memory(let bytes, let position) = storage, lookahead.isEmpty {
            storage = .memory([], position: 0)
            return position == 0 ? bytes : Array(bytes[position...])
        }
        var out: [UInt8] = []
        let chunk = 1 << 20
        while true {
            let start = out.count
            out.append(contentsOf: repeatElement(0, count: chunk))
            let n = try out.withUnsafeMutableBytes {
                try readFully(into: UnsafeMutableRawBufferPointer(rebasing: $0[start...]))
            }
            out.removeLast(chunk - n)
            if n < chunk { return out }
        }
    }
}
