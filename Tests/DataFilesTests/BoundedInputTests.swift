import Foundation
import XCTest
@testable import DataFiles
import LinearAlgebra
import TestSupport
#if canImport(Glibc)
import Glibc
#endif

/// Every size a file declares meets the bytes really there before it meets an allocation (issue 13, item 1).
final class BoundedInputTests: DataTestCase {
    // MARK: gzip

    func testDecompressionStopsAtTheLimit() throws {
        let content = [UInt8](repeating: UInt8(ascii: "7"), count: 200_000)
        let compressed = try gzip(["-c"], try write("sevens", content))
        let bounded = try Gzip.decompress(compressed, path: "sevens.gz", limit: 1000)
        XCTAssertFalse(bounded.complete)
        XCTAssertLessThanOrEqual(bounded.bytes.count, 1000)
        XCTAssertEqual(bounded.bytes, Array(content.prefix(bounded.bytes.count)))
        let exact = try Gzip.decompress(compressed, path: "sevens.gz", limit: content.count)
        XCTAssertTrue(exact.complete)
        XCTAssertEqual(exact.bytes, content)
    }

    func testGzippedNpyWithTrailingDataIsRefusedAndAnExactOneLoads() throws {
        let npy = npyFile(descr: "<f4", shape: "(2, 2)", payload: [Float](repeating: 1, count: 4).flatMap { littleEndianBytes($0.bitPattern) })
        let exact = try write("exact.npy.gz", try gzip(["-c"], try write("exact.npy", npy)))
        XCTAssertEqual(try Dataset.load(path: exact).matrix.elements, [1, 1, 1, 1])
        let trailing = try write("trailing.npy.gz", try gzip(["-c"], try write("trailing.npy", npy + [0])))
        XCTAssertThrowsError(try Dataset.load(path: trailing)) {
            XCTAssertEqual("\($0)", "\(trailing): not a valid gzip file: it inflates to more than the \(npy.count) bytes "
                           + "its NumPy .npy header declares (2×2 float32 little-endian values and a \(npy.count - 16)-byte "
                           + "header); decompression stopped there: the header is wrong or the stream has trailing data")
        }
    }

    // MARK: npy headers

    func testNpyHeaderLengthIsCappedAndCheckedAgainstTheFile() throws {
        for (major, field) in [(UInt8(2), [UInt8](repeating: 0xFF, count: 4)), (3, [0xFF, 0xFF, 0xFF, 0x7F])] {
            let path = try write("huge.npy", NPYReader.magic + [major, 0] + field)
            XCTAssertThrowsError(try Dataset.load(path: path)) {
                XCTAssertTrue("\($0)".contains("header claims \(field.reversed().reduce(0) { $0 << 8 | Int($1) }) bytes, over the 1048576-byte limit"), "\($0)")
            }
        }
        let short = try write("short.npy", NPYReader.magic + [1, 0, 0x00, 0x10] + Array("{'descr'".utf8))
        XCTAssertThrowsError(try Dataset.load(path: short)) {
            XCTAssertEqual("\($0)", "\(short): not a valid NumPy .npy file: the header claims 4096 bytes but only 8 follow: "
                           + "the file is truncated or damaged")
        }
    }

    /// Found by fuzz-npy in 7 runs on the reader before issue 13 (kept as Fuzz/corpus/npy/found-v2-header-1GB.npy):
    /// this 85-byte file made it allocate 1.1 GB for a header.
    func testFuzzerFindingVersion2HeaderOf1GBIsRefused() throws {
        let bytes = NPYReader.magic + [2, 0, 0x74, 0x00, 0x42, 0x42] + [UInt8](repeating: 0x42, count: 29)
            + NPYReader.magic + [UInt8](repeating: 0x74, count: 38)
        XCTAssertEqual(bytes, Array(try Data(contentsOf: URL(fileURLWithPath: repositoryDirectory() + "/Fuzz/corpus/npy/found-v2-header-1GB.npy"))))
        var source = ByteSource(bytes: bytes, path: "found.npy")
        XCTAssertThrowsError(try NPYReader.read(&source)) {
            XCTAssertEqual("\($0)", "found.npy: not a valid NumPy .npy file: the version 2.0 header claims 1111621748 bytes, "
                           + "over the 1048576-byte limit (NumPy writes at most a few KB): the file is damaged")
        }
    }

    // MARK: Pipes

    func testAFIFOIsReadOnceAndItsPromisedSizeIsNotAllocated() throws {
        // A header promising 10^9 rows, then 8 bytes: through a FIFO the size is unknown, so the reader must collect
        // what arrives instead of allocating what the header promises.
        let npy = npyFile(descr: "<f4", shape: "(1000000000, 1000)", payload: [0, 0, 128, 63, 0, 0, 0, 64])
        let fifo = directory + "/pipe.npy"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        signal(SIGPIPE, SIG_IGN)  // a reader that stops early must fail the test, not kill it
        let writer = Thread {
            let fd = open(fifo, O_WRONLY)
            npy.withUnsafeBytes { _ = Glibc.write(fd, $0.baseAddress, $0.count) }
            close(fd)
        }
        writer.start()
        XCTAssertThrowsError(try Dataset.load(path: fifo)) {
            XCTAssertEqual("\($0)", "\(fifo): truncated NumPy .npy file: the header promises 4000000000000 bytes of data, found 8")
        }
    }

    func testPeekedBytesAreReadAgain() throws {
        var source = ByteSource(bytes: Array(0 ..< 20), path: "m")
        XCTAssertEqual(try source.peek(4), [0, 1, 2, 3])
        XCTAssertEqual(try source.peek(6), [0, 1, 2, 3, 4, 5])
        XCTAssertEqual(try source.readBytes(3), [0, 1, 2])
        XCTAssertEqual(try source.readAll(), Array(3 ..< 20))
        var file = try ByteSource.open(try write("f", Array(0 ..< 50)))
        defer { file.close() }
        XCTAssertEqual(try file.peek(8), Array(0 ..< 8))
        XCTAssertEqual(file.remainingHint, 50)
        XCTAssertEqual(try file.readBytes(1 << 40), Array(0 ..< 50), "a huge count costs only what is there")
    }

    // MARK: CSV

    func testOneLineLongerThanManyChunks() throws {
        // 600,000 columns in one 1.2 MB line, read across two 1 MiB chunks, then a second row.
        let columns = 600_000
        let row = Array(repeating: "1", count: columns).joined(separator: ",")
        let path = try write("long.csv", text: row + "\n" + row.replacingOccurrences(of: "1", with: "2") + "\n")
        let data = try Dataset.load(path: path)
        XCTAssertEqual(data.rows, 2)
        XCTAssertEqual(data.columns, columns)
        XCTAssertEqual(data.matrix.elements[columns - 1], 1)
        XCTAssertEqual(data.matrix.elements[columns], 2)
    }
}
