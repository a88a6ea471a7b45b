import Foundation
import XCTest
@testable import DataFiles
import LinearAlgebra

final class GzipTests: DataTestCase {
    func testInflateMatchesGzipOnEveryBlockType() throws {
        // Random bytes compress to stored blocks, text to dynamic Huffman blocks, a few bytes to the fixed code;
        // two concatenated members decode to both contents.
        var rng = SeededGenerator(seed: 4)
        let random = (0 ..< 200_000).map { _ in UInt8(truncatingIfNeeded: rng.next()) }
        var text = ""
        for i in 0 ..< 20_000 { text += "row \(i % 97), value \(rng.next() % 1000);\n" }
        let inputs: [(String, [UInt8])] = [("random", random), ("text", Array(text.utf8)), ("tiny", Array("hello hello".utf8)),
                                          ("empty", []), ("runs", [UInt8](repeating: 7, count: 100_000))]
        for (name, content) in inputs {
            let path = try write(name, content)
            for level in ["-1", "-6", "-9"] {
                let compressed = try gzip(["-c", level], path)
                XCTAssertEqual(try Gzip.decompress(compressed, path: name), content, "\(name) \(level)")
            }
        }
        let a = try gzip(["-c"], try write("a", Array("first\n".utf8)))
        let b = try gzip(["-c"], try write("b", Array("second\n".utf8)))
        XCTAssertEqual(try Gzip.decompress(a + b + [0, 0, 0], path: "ab"), Array("first\nsecond\n".utf8))
        XCTAssertThrowsError(try Gzip.decompress(a + [1, 2, 3], path: "ab")) {
            XCTAssertEqual("\($0)", "ab: not a valid gzip file: unexpected bytes after the compressed data at offset \(a.count)")
        }
    }

    func testOptionalHeaderFields() throws {
        // FEXTRA, FNAME, FCOMMENT and FHCRC (the header CRC is skipped, the data CRC still checked).
        let plain = try gzip(["-c", "-n"], try write("x", Array("optional fields\n".utf8)))
        let extra: [UInt8] = [4, 0, 0xAA, 0xBB, 0xCC, 0xDD]
        let name = Array("x.txt".utf8) + [0], comment = Array("made by hand".utf8) + [0]
        var withFields = Array(plain[0 ..< 10])
        withFields[3] = 0x04 | 0x08 | 0x10 | 0x02
        withFields += extra + name + comment + [0x12, 0x34] + plain[10...]
        XCTAssertEqual(try Gzip.decompress(withFields, path: "f"), Array("optional fields\n".utf8))
    }
}
