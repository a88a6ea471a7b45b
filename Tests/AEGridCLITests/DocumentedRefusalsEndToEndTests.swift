import Foundation
import XCTest

/// Every refusal docs/data.md and docs/grids.md list, run through the built binary: one line, naming the file (and
/// line, column, key, value where there is one), exit status 1, nothing trained. The files are made here.
final class DocumentedRefusalsEndToEndTests: XCTestCase {
    let train = AEGridProcess.example("seed/X_train.npy")

    /// Runs a search that must be refused and returns its one line with the file's path replaced by `$FILE`.
    func refusal(train: String? = nil, grid: String = #"{"latent_dim": [1], "epochs": [1]}"#, named path: String,
                 file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let result = try AEGridProcess.run(["search", "--train", train ?? self.train, "--test-fraction", "0.5",
                                            "--grid", grid, "--out", out.path])
        XCTAssertFalse(result.signalled, result.stderr, file: file, line: line)
        XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line: \(result.stderr)", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("results.jsonl").path),
                       "nothing trained", file: file, line: line)
        return String(lines.first ?? "").replacingOccurrences(of: path, with: "$FILE")
    }

    func data(_ name: String, _ bytes: [UInt8]) throws -> String {
        let url = try temporaryDirectory().appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return url.path
    }

    func dataRefusal(_ name: String, _ text: String) throws -> String {
        let path = try data(name, Array(text.utf8))
        return try refusal(train: path, named: path)
    }

    func gridRefusal(_ yaml: String) throws -> String {
        let path = try data("grid.yaml", Array(yaml.utf8))
        return try refusal(grid: path, named: path)
    }

    // MARK: docs/data.md

    func testCSVRefusals() throws {
        XCTAssertEqual(try dataRefusal("ragged.csv", "1,2,3\n4,5\n"), "aegrid: error: $FILE line 2: expected 3 values, found 2")
        XCTAssertEqual(try dataRefusal("cell.csv", "a,b\n1,\n"),
                       #"aegrid: error: $FILE line 2, column 2 ("b"): empty cell (missing values are not supported)"#)
        XCTAssertEqual(try dataRefusal("quote.csv", "a,b\n\"1,2\n"),
                       "aegrid: error: $FILE line 2: a quoted field has no closing quote (fields cannot span lines)")
        XCTAssertEqual(try dataRefusal("header.csv", "a,b\n"), "aegrid: error: $FILE: the file has a header line but no data rows")
        XCTAssertEqual(try dataRefusal("hex.csv", "1,2\n3,0x10\n"), #"aegrid: error: $FILE line 2, column 2: "0x10" is not a number"#)
        XCTAssertEqual(try dataRefusal("comma.csv", "1;2,5;3\n4;5,5;6\n"),
                       #"aegrid: error: $FILE line 2, column 2 ("2,5"): "5,5" is not a number"#)
        XCTAssertEqual(try dataRefusal("inf.csv", "1,inf\n2,3\n"),
                       #"aegrid: error: $FILE line 1, column 2: "inf" is not finite (NaN and infinity are not allowed)"#)
        XCTAssertEqual(try dataRefusal("big.csv", "1,1e39\n2,3\n"),
                       #"aegrid: error: $FILE line 1, column 2: "1e39" is too large for a 32-bit float, which AEGrid "#
                       + "reads data as (at most ±3.4028235e38): rescale that column")
    }

    func testNpyRefusals() throws {
        let unsupported = "unsupported NumPy .npy file: "
        let cases: [(descr: String, shape: String, payload: [UInt8], message: String)] = [
            ("'<f4'", "(2, 2)", [0, 0, 128, 63, 0, 0, 0, 64, 0, 0, 64, 64, 0, 0, 192, 127], "row 2, column 2 is nan (NaN and infinity are not allowed)"),
            ("'|O'", "(1,)", [UInt8](repeating: 0, count: 8), unsupported + "object arrays (dtype 'O') are not supported: they hold Python objects, not numbers"),
            ("[('a', '<f4')]", "(1,)", [0, 0, 0, 0], unsupported + "structured arrays (a dtype with fields) are not supported; save a plain numeric 2-D array"),
            ("'<c8'", "(1,)", [UInt8](repeating: 0, count: 8), unsupported + "dtype '<c8' is not supported (use float32, float64, int8…int64, uint8…uint64 or bool)"),
            ("'<f2'", "(1,)", [0, 0], unsupported + "dtype '<f2' is not supported (use float32, float64, int8…int64, uint8…uint64 or bool)"),
            ("'<U3'", "(1,)", [UInt8](repeating: 0, count: 12), unsupported + "dtype '<U3' is not supported (use float32, float64, int8…int64, uint8…uint64 or bool)"),
            ("'<f4'", "()", [0, 0, 0, 0], unsupported + "a 0-dimensional array (a single scalar) is not a table"),
        ]
        for c in cases {
            var header = "{'descr': \(c.descr), 'fortran_order': False, 'shape': \(c.shape), }"
            header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
            let path = try data("x.npy", [0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8) + c.payload)
            XCTAssertEqual(try refusal(train: path, named: path), "aegrid: error: $FILE: " + c.message, c.descr)
        }
    }

    func testCorruptGzipIsRefusedWithBothChecksums() throws {
        // One stored DEFLATE block holding "1,2\n3,4\n", with its CRC-32 off by one bit.
        let content = Array("1,2\n3,4\n".utf8)
        let crc = Self.crc32(content)
        var bytes: [UInt8] = [0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 0xFF, 0x01, UInt8(content.count), 0, ~UInt8(content.count), 0xFF]
        bytes += content
        for value in [crc ^ 1, UInt32(content.count)] { withUnsafeBytes(of: value.littleEndian) { bytes += $0 } }
        let path = try data("x.csv.gz", bytes)
        func hex(_ v: UInt32) -> String { let d = String(v, radix: 16); return String(repeating: "0", count: 8 - d.count) + d }
        XCTAssertEqual(try refusal(train: path, named: path),
                       "aegrid: error: $FILE: not a valid gzip file: CRC-32 mismatch (stored \(hex(crc ^ 1)), computed \(hex(crc))): the file is corrupt")
    }

    static func crc32(_ bytes: [UInt8]) -> UInt32 {
        var crc: UInt32 = 0xFFFF_FFFF
        for byte in bytes {
            crc ^= UInt32(byte)
            for _ in 0 ..< 8 { crc = crc & 1 != 0 ? 0xEDB8_8320 ^ (crc >> 1) : crc >> 1 }
        }
        return crc ^ 0xFFFF_FFFF
    }

    // MARK: docs/grids.md

    func testGridRefusals() throws {
        let cases: [(String, String)] = [
            ("latent_dim: [2]\nlearning_rat: [0.1]\nepochs: [1]\n", "$FILE line 2: unknown grid key 'learning_rat'; did you mean 'learning_rate'?"),
            ("latent_dim: [2]\nepochs: 50\n", "$FILE line 2: 'epochs' must be a list of values (scikit-learn param_grid), found the single value 50; write [50]"),
            ("latent_dim: []\nepochs: [1]\n", "$FILE line 1: 'latent_dim' has an empty list of values; give at least one value"),
            ("latent_dim: [2]\nepochs: [1]\nlearning_rate: [0]\n", "$FILE line 3: 'learning_rate' value 0 is out of range: must be greater than 0"),
            ("latent_dim: [2]\nepochs: [1]\ndropout: [1]\n", "$FILE line 3: 'dropout' value 1 is out of range: must be in [0, 1)"),
            ("epochs: [\"50\"]\nlatent_dim: [2]\n", #"$FILE line 1: 'epochs' value "50" must be an integer (found a string)"#),
            ("latent_dim: [2]\nepochs: [1]\nactivation: [relux]\n", "$FILE line 3: 'activation' value 'relux' is not one of: linear, relu, sigmoid, tanh, elu, leaky_relu, gelu"),
            ("- latent_dim: [2]\n  epochs: [1]\n- latent_dim: [3]\n", "$FILE line 3: sub-grid 2: no 'epochs': give a list of epoch counts, e.g. epochs: [50, 100]"),
            ("momentum: [0.9]\nlatent_dim: [2]\nepochs: [1]\n", "$FILE line 1: 'momentum' only affects the sgd and rmsprop optimizers, and this grid uses adam"),
            ("latent_dim: [2]\nepochs: [1]\nnesterov: [true]\noptimizer: [rmsprop]\n", "$FILE line 1: 'nesterov' only affects the sgd optimizer, and this grid uses rmsprop"),
            ("encoder_units: [[4]]\nencoder_layer1_size: [3]\nepochs: [1]\n", "$FILE line 1: give the hidden layers either as encoder_units or as encoder_layerK_size keys, not both"),
            ("encoder_layer2_size: [3]\nepochs: [1]\n", "$FILE line 1: encoder_layer2_size is given but encoder_layer1_size is not; layer keys must run 1, 2, … without gaps"),
            ("latent_dim: [2]\nepochs: [1]\nmin_delta: [0.1]\n", "$FILE line 1: 'min_delta' only matters with early stopping; add 'patience'"),
            ("latent_dim: [2]\nepochs: [1]\nl1: [0.1]\nl1_reg: [0.2]\n", "$FILE line 1: 'l1_reg' and 'l1' are the same setting; keep one of them"),
            ("latent_dim: [2]\nepochs: [1]\nlearning_rate: [null]\n", "$FILE line 3: 'learning_rate' value null must be a value (found null)"),
            ("latent_dim: [2]\nepochs: [1]\nlearning_rate: [.nan]\n", "$FILE line 3: 'learning_rate' value .nan is out of range: must be a finite number"),
            ("latent_dim: [2]\nepochs: [1]\nlearning_rate: [{a: 1}]\n", "$FILE line 3: 'learning_rate' value {a: 1} must be a number, a string, a boolean or a list of integers (found a mapping)"),
            ("latent_dim: [1000000000000000000]\nepochs: [1]\n", "$FILE line 1: 'latent_dim' value 1000000000000000000 is out of range: a layer can have at most 2147483647 units (the largest dimension a matrix product takes), and one that wide needs terabytes"),
            ("encoder_units: [[2000000000, 2000000000, 2000000000]]\nlatent_dim: [2000000000]\nepochs: [1]\n", "$FILE: 'encoder_units' value [2000000000,2000000000,2000000000] is out of range: a network 10→2000000000→2000000000→2000000000→2000000000→… on 10 input columns has more weights than a 64-bit integer counts"),
            ("latent_dim: [2\n", "$FILE line 2, column 1: not valid JSON or YAML: while parsing a flow sequence did not find expected ',' or ']'"),
            ("[]\n", "$FILE line 1: the grid is an empty list; give at least one mapping of key to list of values"),
        ]
        for (yaml, expected) in cases {
            XCTAssertEqual(try gridRefusal(yaml), "aegrid: error: " + expected, yaml)
        }
    }

    // MARK: Paths

    func testARelativeResultsDirectoryWithoutASlashIsCreated() throws {
        // Foundation's NSString.deletingLastPathComponent traps on "out"; `--out out` must work.
        let directory = try temporaryDirectory()
        let process = AEGridProcess(["search", "--train", train, "--test-fraction", "0.5", "--grid",
                                     #"{"latent_dim": [1], "epochs": [1]}"#, "--out", "out", "--refit", "none"])
        process.process.currentDirectoryURL = directory
        try process.start()
        let result = process.wait()
        XCTAssertFalse(result.signalled, result.stderr)
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory.appendingPathComponent("out/results.jsonl").path))
    }
}
