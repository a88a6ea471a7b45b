import Foundation
import XCTest
@testable import DataFiles
import LinearAlgebra

final class NPYReaderTests: DataTestCase {
    func testNPYEveryElementTypeAndByteOrder() throws {
        let values: [Int] = [0, 1, 2, 3, 4, 5]
        var cases: [(String, [UInt8])] = [
            ("<f4", values.flatMap { littleEndianBytes(Float($0).bitPattern) }),
            (">f4", values.flatMap { bigEndianBytes(Float($0).bitPattern) }),
            ("<f8", values.flatMap { littleEndianBytes(Double($0).bitPattern) }),
            (">f8", values.flatMap { bigEndianBytes(Double($0).bitPattern) }),
            ("|u1", values.map { UInt8($0) }),
            ("|i1", values.map { UInt8($0) }),
            ("|b1", values.map { UInt8($0 == 0 ? 0 : 1) }),
        ]
        for (code, size) in [("i", 2), ("u", 2), ("i", 4), ("u", 4), ("i", 8), ("u", 8)] {
            for bigEndian in [false, true] {
                let bytes = values.flatMap { v -> [UInt8] in
                    let le = littleEndianBytes(UInt64(v)).prefix(size)
                    return bigEndian ? Array(le.reversed()) : Array(le)
                }
                cases.append(("\(bigEndian ? ">" : "<")\(code)\(size)", bytes))
            }
        }
        for (descr, payload) in cases {
            for major: UInt8 in [1, 2, 3] {
                let path = try write("a.npy", npyFile(descr: descr, shape: "(3, 2)", payload: payload, major: major))
                let data = try Dataset.load(path: path)
                let expected: [Float] = descr == "|b1" ? [0, 1, 1, 1, 1, 1] : values.map(Float.init)
                XCTAssertEqual(data.matrix, Matrix(rows: 3, columns: 2, elements: expected), "\(descr) v\(major)")
                XCTAssertEqual(data.format, .npy)
            }
        }
        // The conversion buffer is sized to the data up to 1 MiB: a file of several buffers (131072 float64 each)
        // ending in a partial one, and a small one, read whole.
        for count in [131_072 * 2 + 5, 7] {
            let doubles = (0 ..< count).map { Double($0) * 0.5 }
            let path = try write("big.npy", npyFile(descr: "<f8", shape: "(\(count),)",
                                                    payload: doubles.flatMap { littleEndianBytes($0.bitPattern) }))
            XCTAssertEqual(try Dataset.load(path: path).matrix.elements, doubles.map(Float.init), "\(count) values")
        }
        // Negative integers keep their sign.
        let negatives = [Int16(-3), 300].flatMap { littleEndianBytes($0) }
        let path = try write("neg.npy", npyFile(descr: "<i2", shape: "(2,)", payload: negatives))
        XCTAssertEqual(try Dataset.load(path: path).matrix, Matrix([[-3], [300]]))
    }

    func testNPYShapes() throws {
        let payload = (0 ..< 12).flatMap { littleEndianBytes(Float($0).bitPattern) }
        // 1-D: one column. 3-D: each sample flattened in C order.
        let column = try Dataset.load(path: try write("c.npy", npyFile(descr: "<f4", shape: "(12,)", payload: payload)))
        XCTAssertEqual(column.matrix.shape.rows, 12)
        XCTAssertEqual(column.matrix.shape.columns, 1)
        let cube = try Dataset.load(path: try write("q.npy", npyFile(descr: "<f4", shape: "(2, 3, 2)", payload: payload)))
        XCTAssertEqual(cube.matrix, Matrix(rows: 2, columns: 6, elements: (0 ..< 12).map(Float.init)))
        // Extra bytes after the data are ignored (numpy would not write them, but they do no harm).
        let padded = try Dataset.load(path: try write("p.npy", npyFile(descr: "<f4", shape: "(3, 4)", payload: payload + [0, 0])))
        XCTAssertEqual(padded.matrix.elements, (0 ..< 12).map(Float.init))
    }

    func testNPYRefusals() throws {
        let four = (0 ..< 4).flatMap { littleEndianBytes(Float($0).bitPattern) }
        let cases: [(String, [UInt8], String)] = [
            ("fortran.npy", npyFile(descr: "<f4", fortran: true, shape: "(2, 2)", payload: four),
             "unsupported NumPy .npy file: Fortran-order (column-major) arrays are not supported; save with numpy.ascontiguousarray(x) first"),
            ("object.npy", npyFile(descr: "|O", shape: "(2, 2)", payload: four),
             "unsupported NumPy .npy file: object arrays (dtype 'O') are not supported: they hold Python objects, not numbers"),
            ("complex.npy", npyFile(descr: "<c8", shape: "(2,)", payload: four),
             "unsupported NumPy .npy file: dtype '<c8' is not supported (use float32, float64, int8…int64, uint8…uint64 or bool)"),
            ("scalar.npy", npyFile(descr: "<f4", shape: "()", payload: four),
             "unsupported NumPy .npy file: a 0-dimensional array (a single scalar) is not a table"),
            ("short.npy", npyFile(descr: "<f4", shape: "(3, 2)", payload: four),
             "truncated NumPy .npy file: the header promises 24 bytes of data, found 16"),
            ("short8.npy", npyFile(descr: "<f8", shape: "(3, 2)", payload: four + [1, 2, 3]),
             "truncated NumPy .npy file: the header promises 48 bytes of data, found 19"),
            ("nan.npy", npyFile(descr: "<f4", shape: "(2, 2)", payload: four.dropLast(4) + littleEndianBytes(Float.nan.bitPattern)),
             "row 2, column 2 is nan (NaN and infinity are not allowed)"),
            ("big.npy", npyFile(descr: "<f8", shape: "(2, 2)", payload: [1e300, 1, 2, 3].flatMap { littleEndianBytes(Double($0).bitPattern) }),
             "row 1, column 1 is infinite, or beyond the 32-bit floats AEGrid reads data as (at most ±3.4028235e38): "
                + "rescale that column (NaN and infinity are not allowed)"),
            ("inf.npy", npyFile(descr: "<f4", shape: "(2, 2)", payload: four.dropLast(4) + littleEndianBytes((-Float.infinity).bitPattern)),
             "row 2, column 2 is -inf (NaN and infinity are not allowed)"),
            ("zero.npy", npyFile(descr: "<f4", shape: "(0, 3)", payload: []), "the file is empty (no data rows)"),
            ("bad.npy", Array("not numpy".utf8), "not a valid NumPy .npy file: it does not start with the magic string \\x93NUMPY"),
            ("v9.npy", [0x93] + Array("NUMPY".utf8) + [9, 0, 0, 0],
             "unsupported NumPy .npy file: format version 9.0 (1.0, 2.0 and 3.0 are supported)"),
        ]
        for (name, bytes, message) in cases {
            let path = try write(name, bytes)
            XCTAssertThrowsError(try Dataset.load(path: path), name) { XCTAssertEqual("\($0)", "\(path): \(message)") }
        }
        let structured = npyFile(descr: "", descrLiteral: "[('a', '<f4')]", shape: "(2,)", payload: four)
        let path = try write("structured.npy", structured)
        XCTAssertThrowsError(try Dataset.load(path: path)) {
            XCTAssertEqual("\($0)", "\(path): unsupported NumPy .npy file: structured arrays (a dtype with fields) are not supported; save a plain numeric 2-D array")
        }
    }
}
