import XCTest
@testable import DataFiles
import TestSupport
import LinearAlgebra

final class CSVReaderTests: DataTestCase {
    func testDelimitersHeadersAndQuotes() throws {
        let cases: [(name: String, text: String, names: [String]?, delimiter: CSVDelimiter)] = [
            ("comma.csv", "a,b,c\n1,2,3\n4,5,6\n", ["a", "b", "c"], .character(UInt8(ascii: ","))),
            ("semicolon.csv", "a;b;c\n1;2;3\n4;5;6\n", ["a", "b", "c"], .character(UInt8(ascii: ";"))),
            ("tab.tsv", "a\tb\tc\n1\t2\t3\n4\t5\t6\n", ["a", "b", "c"], .character(UInt8(ascii: "\t"))),
            ("space.txt", "  1  2 3\n4\t5   6  \n", nil, .whitespace),
            ("noheader.csv", "1,2,3\n4,5,6", nil, .character(UInt8(ascii: ","))),
            ("crlf.csv", "\u{FEFF}a,b,c\r\n1,2,3\r\n\r\n4,5,6\r\n\r\n", ["a", "b", "c"], .character(UInt8(ascii: ","))),
            ("quoted.csv", "\"mean radius\",\"x, y\",\"say \"\"hi\"\"\"\n\"1\", 2 ,3\n4,5,6\n",
             ["mean radius", "x, y", "say \"hi\""], .character(UInt8(ascii: ","))),
            ("spaces.csv", "a , b , c\n 1 , 2 , 3 \n4,5,6\n", ["a", "b", "c"], .character(UInt8(ascii: ","))),
        ]
        for c in cases {
            let data = try Dataset.load(path: try write(c.name, text: c.text))
            XCTAssertEqual(data.matrix, Matrix([[1, 2, 3], [4, 5, 6]]), c.name)
            XCTAssertEqual(data.columnNames, c.names, c.name)
            XCTAssertEqual(data.format, .csv(delimiter: c.delimiter, header: c.names != nil), c.name)
        }
    }

    func testNumberSyntaxAndRounding() throws {
        let data = try Dataset.load(path: try write("n.csv", text: "x,y\n-1.5e-3,+7\n.25,1E2\n0.1,16777217\n"))
        XCTAssertEqual(data.matrix.elements, [-1.5e-3, 7, 0.25, 100, 0.1, 16777216])
        // A header of numbers cannot be told from data: it is read as the first row.
        let numericHeader = try Dataset.load(path: try write("h.csv", text: "0,1\n5,6\n"))
        XCTAssertEqual(numericHeader.matrix, Matrix([[0, 1], [5, 6]]))
        XCTAssertNil(numericHeader.columnNames)
        // A text file named like IDX data is still text.
        XCTAssertEqual(try Dataset.load(path: try write("idx3.csv", text: "1,2\n")).matrix, Matrix([[1, 2]]))
        let one = try Dataset.load(path: try write("one.csv", text: "value\n3\n4\n"))
        XCTAssertEqual(one.matrix, Matrix([[3], [4]]))
        XCTAssertEqual(one.columnNames, ["value"])
    }

    func testLargerThanOneChunkStreams() throws {
        // Lines straddle the 1 MiB chunk boundary many times.
        var text = "a,b,c,d\n"
        var expected: [Float] = []
        for r in 0 ..< 40_000 {
            let row = (0 ..< 4).map { Float(r * 4 + $0) * 0.5 }
            expected += row
            text += row.map { "\($0)" }.joined(separator: ",") + "\n"
        }
        XCTAssertGreaterThan(text.utf8.count, CSVReader.chunkSize)
        let data = try Dataset.load(path: try write("big.csv", text: text))
        XCTAssertEqual(data.rows, 40_000)
        XCTAssertEqual(data.matrix.elements, expected)
    }

    func testShippedDigitsAndBreastCancerFiles() throws {
        let data = try Dataset.load(path: exampleDataPath("digits", "digits_X.csv"))
        XCTAssertEqual(data.rows, 1797)
        XCTAssertEqual(data.columns, 64)
        XCTAssertEqual(data.columnNames?.first, "pixel_0")
        XCTAssertEqual(data.columnNames?.last, "pixel_63")
        let mean = data.matrix.elements.reduce(0.0) { $0 + Double($1) } / Double(data.matrix.count)
        XCTAssertEqual(mean, 0.30526, accuracy: 1e-5)  // shared/data/README.md: "Min 0, max 1, mean 0.30526"
        let cancer = try Dataset.load(path: exampleDataPath("breast_cancer", "breast_cancer_X.csv"))
        XCTAssertEqual(cancer.columns, 30)
        XCTAssertEqual(cancer.columnNames?[3], "mean area")
    }

    func testErrorsNameFileLineAndColumn() throws {
        let cases: [(String, String, String)] = [
            ("ragged.csv", "a,b,c\n1,2,3\n4,5\n", "ragged.csv line 3: expected 3 values (one per header name), found 2"),
            ("ragged2.csv", "1,2,3\n\n4,5,6,7\n", "ragged2.csv line 3: expected 3 values, found 4"),
            ("text.csv", "a,b\n1,2\n3,abc\n", "text.csv line 3, column 2 (\"b\"): \"abc\" is not a number"),
            ("text2.csv", "1,2\n3,4x\n", "text2.csv line 2, column 2: \"4x\" is not a number"),
            ("hex.csv", "1,2\n0x10,4\n", "hex.csv line 2, column 1: \"0x10\" is not a number"),
            ("nan.csv", "a,b\n1,nan\n", "nan.csv line 2, column 2 (\"b\"): \"nan\" is not finite (NaN and infinity are not allowed)"),
            ("inf.csv", "1,2\n-inf,2\n", "inf.csv line 2, column 1: \"-inf\" is not finite (NaN and infinity are not allowed)"),
            ("huge.csv", "1,2\n1e39,2\n", "huge.csv line 2, column 1: \"1e39\" is too large for a 32-bit float, which AEGrid "
             + "reads data as (at most ±3.4028235e38): rescale that column"),
            ("missing.csv", "a,b\n1,\n", "missing.csv line 2, column 2 (\"b\"): empty cell (missing values are not supported)"),
            ("empty.csv", "", "empty.csv: the file is empty (no data rows)"),
            ("blank.csv", "\n  \n\n", "blank.csv: the file is empty (no data rows)"),
            ("header.csv", "a,b,c\n", "header.csv: the file has a header line but no data rows"),
            ("quote.csv", "a,b\n\"1,2\n", "quote.csv line 2: a quoted field has no closing quote (fields cannot span lines)"),
        ]
        for (name, text, message) in cases {
            let path = try write(name, text: text)
            XCTAssertThrowsError(try Dataset.load(path: path), name) { error in
                XCTAssertEqual("\(error)", message.replacingOccurrences(of: name, with: path))
            }
        }
        XCTAssertThrowsError(try Dataset.load(path: directory + "/absent.csv")) {
            XCTAssertEqual("\($0)", "\(self.directory)/absent.csv: cannot read the file: No such file or directory")
        }
        XCTAssertThrowsError(try Dataset.load(path: directory)) {
            XCTAssertEqual("\($0)", "\(self.directory): cannot read the file: it is a directory")
        }
    }

    func testWidthMismatchAndFingerprint() throws {
        let train = try Dataset.load(path: try write("train.csv", text: "1,2,3\n4,5,6\n"))
        let test = try Dataset.load(path: try write("test.csv", text: "1,2\n"))
        XCTAssertThrowsError(try Dataset.checkCompatible(train: train, test: test)) {
            XCTAssertEqual("\($0)", "\(test.path) has 2 columns but the training data \(train.path) has 3; both must have the same columns")
        }
        XCTAssertNoThrow(try Dataset.checkCompatible(train: train, test: train))

        // Same values in another format give the same fingerprint; any change in shape or value changes it.
        let same = try Dataset.load(path: try write("same.tsv", text: "x\ty\tz\n1\t2\t3\n4\t5\t6\n"))
        XCTAssertEqual(train.fingerprint, same.fingerprint)
        XCTAssertEqual(train.fingerprint.count, 16)
        // FNV-1a 64 of an empty 0×0 table: 16 zero bytes hashed from the offset basis.
        XCTAssertEqual(Dataset(matrix: Matrix(rows: 0, columns: 0), path: "-").fingerprint, "88201fb960ff6465")
        var changed = train
        changed.matrix[1, 2] = 6.000001
        XCTAssertNotEqual(train.fingerprint, changed.fingerprint)
        let reshaped = Dataset(matrix: Matrix(rows: 3, columns: 2, elements: train.matrix.elements), path: "-")
        XCTAssertNotEqual(train.fingerprint, reshaped.fingerprint)
    }
}
