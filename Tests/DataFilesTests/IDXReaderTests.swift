import Foundation
import XCTest
@testable import DataFiles
import LinearAlgebra

final class IDXReaderTests: DataTestCase {
    private func idxFile(type: UInt8, shape: [UInt32], payload: [UInt8]) -> [UInt8] {
        [0, 0, type, UInt8(shape.count)] + shape.flatMap { bigEndianBytes($0) } + payload
    }

    func testIDXTypesPlainAndGzipped() throws {
        let pixels: [UInt8] = (0 ..< 2 * 3 * 2).map { UInt8($0 * 20) }
        let images = idxFile(type: 0x08, shape: [2, 3, 2], payload: pixels)
        let expected = Matrix(rows: 2, columns: 6, elements: pixels.map(Float.init))
        let plain = try write("train-images-idx3-ubyte", images)
        XCTAssertEqual(try Dataset.load(path: plain).matrix, expected)
        XCTAssertEqual(try Dataset.load(path: plain).format, .idx)
        // The same through `gzip`, at two levels, also with a name stored in the header (FNAME).
        for level in ["-1", "-9"] {
            let gz = try write("images-\(level).idx3-ubyte.gz", try gzip(["-c", "-n", level], plain))
            let named = try write("named.idx.gz", try gzip(["-c", level], plain))
            for path in [gz, named] {
                let data = try Dataset.load(path: path)
                XCTAssertEqual(data.matrix, expected, path)
                XCTAssertTrue(data.compressed)
                XCTAssertEqual(data.format, .idx)
            }
        }
        let others: [(UInt8, [UInt8], [Float])] = [
            (0x09, [0xFF, 0x02], [-1, 2]),
            (0x0B, bigEndianBytes(Int16(-300)) + bigEndianBytes(Int16(7)), [-300, 7]),
            (0x0C, bigEndianBytes(Int32(-70000)) + bigEndianBytes(Int32(5)), [-70000, 5]),
            (0x0D, bigEndianBytes(Float(1.5).bitPattern) + bigEndianBytes(Float(-2).bitPattern), [1.5, -2]),
            (0x0E, bigEndianBytes(Double(0.25).bitPattern) + bigEndianBytes(Double(3).bitPattern), [0.25, 3]),
        ]
        for (type, payload, values) in others {
            let labels = try Dataset.load(path: try write("l.idx1", idxFile(type: type, shape: [2], payload: payload)))
            XCTAssertEqual(labels.matrix, Matrix(rows: 2, columns: 1, elements: values), "type \(type)")
        }
        // CSV and .npy inside gzip work too.
        let csv = try write("d.csv", text: "a,b\n1,2\n")
        XCTAssertEqual(try Dataset.load(path: try write("d.csv.gz", try gzip(["-c"], csv))).matrix, Matrix([[1, 2]]))
    }

    func testIDXAndGzipErrors() throws {
        let short = try write("short-idx3-ubyte", idxFile(type: 0x08, shape: [2, 2, 2], payload: [1, 2, 3]))
        XCTAssertThrowsError(try Dataset.load(path: short)) {
            XCTAssertEqual("\($0)", "\(short): truncated IDX file: the header promises 8 bytes of data, found 3")
        }
        // A header promising far more data than the file holds is refused before anything is allocated, and a
        // shape whose size overflows is malformed.
        let huge = try write("huge-idx3-ubyte", idxFile(type: 0x0E, shape: [4_000_000, 4_000_000, 2], payload: [1, 2]))
        XCTAssertThrowsError(try Dataset.load(path: huge)) {
            XCTAssertEqual("\($0)", "\(huge): truncated IDX file: the header promises 256000000000000 bytes of data, found 2")
        }
        let overflow = try write("overflow.idx", idxFile(type: 0x08, shape: [0xFFFF_FFFF, 0xFFFF_FFFF, 0xFFFF_FFFF], payload: []))
        XCTAssertThrowsError(try Dataset.load(path: overflow)) {
            XCTAssertEqual("\($0)", "\(overflow): not a valid IDX file: the dimensions [4294967295, 4294967295, 4294967295] hold more values than can be counted (the product overflows a 64-bit integer)")
        }
        let badType = try write("bad.idx", [0, 0, 0x0A, 1, 0, 0, 0, 1, 0])
        XCTAssertThrowsError(try Dataset.load(path: badType)) {
            XCTAssertEqual("\($0)", "\(badType): unsupported IDX file: type code 0xa (known: 0x08, 0x09, 0x0b, 0x0c, 0x0d, 0x0e)")
        }
        let nan = try write("nan.idx", idxFile(type: 0x0D, shape: [1, 2], payload: bigEndianBytes(Float(1).bitPattern) + bigEndianBytes(Float.nan.bitPattern)))
        XCTAssertThrowsError(try Dataset.load(path: nan)) {
            XCTAssertEqual("\($0)", "\(nan): row 1, column 2 is nan (NaN and infinity are not allowed)")
        }

        // A gzip file cut short, or with a flipped payload byte, is refused (never silently short data).
        var rng = SeededGenerator(seed: 9)
        let payload = (0 ..< 5000).map { _ in UInt8(rng.next() % 7) }
        let plain = try write("p-idx1-ubyte", idxFile(type: 0x08, shape: [5000], payload: payload))
        let gz = try gzip(["-c", "-n"], plain)
        let cut = try write("cut.idx.gz", Array(gz.dropLast(30)))
        XCTAssertThrowsError(try Dataset.load(path: cut)) {
            XCTAssertEqual("\($0)", "\(cut): not a valid gzip file: the compressed data ends early: the file is truncated")
        }
        let noTrailer = try write("trailer.idx.gz", Array(gz.dropLast(5)))
        XCTAssertThrowsError(try Dataset.load(path: noTrailer)) {
            XCTAssertEqual("\($0)", "\(noTrailer): not a valid gzip file: the file ends inside the trailer: it is truncated")
        }
        var corrupt = gz
        corrupt[corrupt.count - 8] ^= 0xFF  // the stored CRC's low byte
        let crc = gz[(gz.count - 8)...].prefix(4).reversed().reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        func hex8(_ v: UInt32) -> String { let h = String(v, radix: 16); return String(repeating: "0", count: 8 - h.count) + h }
        let bad = try write("crc.idx.gz", corrupt)
        XCTAssertThrowsError(try Dataset.load(path: bad)) {
            XCTAssertEqual("\($0)", "\(bad): not a valid gzip file: CRC-32 mismatch (stored \(hex8(crc ^ 0xFF)), computed \(hex8(crc))): the file is corrupt")
        }
        var longer = gz
        longer[longer.count - 4] ^= 0x01  // the stored length
        let length = try write("length.idx.gz", longer)
        XCTAssertThrowsError(try Dataset.load(path: length)) {
            XCTAssertEqual("\($0)", "\(length): not a valid gzip file: length mismatch (stored \((5000 + 8) ^ 1), decompressed \(5000 + 8))")
        }
        let headerCases: [(String, [UInt8], String)] = [
            ("method.gz", [0x1F, 0x8B, 7, 0, 0, 0, 0, 0, 0, 3, 1, 2], "unsupported gzip file: compression method 7 (only 8, deflate, exists)"),
            ("flags.gz", [0x1F, 0x8B, 8, 0x20, 0, 0, 0, 0, 0, 3, 1, 2], "not a valid gzip file: reserved header flags are set"),
            ("head.gz", [0x1F, 0x8B, 8, 0], "not a valid gzip file: the header is incomplete"),
            ("block.gz", [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0x07, 0, 0, 0, 0, 0, 0, 0, 0, 0], "not a valid gzip file: invalid block type 3"),
            ("zero-dims.idx", [0, 0, 8, 0], "not a valid IDX file: it declares 0 dimensions"),
            ("dims-idx3-ubyte", [0, 0, 8, 3, 0, 0, 0, 1], "not a valid IDX file: the header declares 3 dimensions but ends after 1"),
            ("text-idx3-ubyte", Array("1,2,3\n".utf8), "not a valid IDX file: it does not start with the IDX magic number (two zero bytes, type, dimensions)"),
            ("nokey.npy", npyFile(descr: "<f4", shape: "(1,)", payload: [0, 0, 0, 0]).map { $0 == UInt8(ascii: "h") ? UInt8(ascii: "H") : $0 },
             "not a valid NumPy .npy file: the header has no 'shape' entry: {'descr': '<f4', 'fortran_order': False, 'sHape': (1,), }"),
            ("cut.npy", Array(npyFile(descr: "<f4", shape: "(1,)", payload: []).prefix(20)), "not a valid NumPy .npy file: the header claims 118 bytes but only 10 follow: the file is truncated or damaged"),
        ]
        for (name, bytes, message) in headerCases {
            let path = try write(name, bytes)
            XCTAssertThrowsError(try Dataset.load(path: path), name) { XCTAssertEqual("\($0)", "\(path): \(message)") }
        }
        // MNIST-style names, not text extensions, make a file without IDX magic an IDX error.
        XCTAssertTrue(IDXReader.hasIDXName("train-images-idx3-ubyte"))
        XCTAssertTrue(IDXReader.hasIDXName("labels.idx1"))
        XCTAssertFalse(IDXReader.hasIDXName("idx3.csv"))
        XCTAssertFalse(IDXReader.hasIDXName("index.bin"))
        XCTAssertTrue(IDXReader.hasIDXName("x.idx"))
    }

    func testFashionMNISTWhenInstalled() throws {
        // Debian's dataset-fashion-mnist (scripts/bootstrap.sh dataset-fashion-mnist); the 10000-image test set
        // keeps this quick. Compared byte for byte with `gzip -dc`.
        let images = "/usr/share/datasets/fashion-mnist/t10k-images-idx3-ubyte.gz"
        try XCTSkipUnless(FileManager.default.fileExists(atPath: images), "Fashion-MNIST is not installed")
        let data = try Dataset.load(path: images)
        XCTAssertEqual(data.rows, 10_000)
        XCTAssertEqual(data.columns, 784)
        let raw = try gzip(["-dc"], images)
        XCTAssertEqual(raw.count, 16 + 10_000 * 784)
        XCTAssertEqual(data.matrix.elements, raw.dropFirst(16).map(Float.init))
        let labels = try Dataset.load(path: "/usr/share/datasets/fashion-mnist/t10k-labels-idx1-ubyte.gz")
        XCTAssertEqual(labels.matrix.shape.columns, 1)
        XCTAssertEqual(Set(labels.matrix.elements), Set((0 ..< 10).map(Float.init)))
    }
}
