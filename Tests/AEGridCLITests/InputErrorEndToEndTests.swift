import Foundation
import XCTest

/// Every user mistake in a grid or a data file ends with one line, `aegrid: error: …`, naming the file, the place and
/// the rule, a non-zero status, and no training (no results directory is created).
final class InputErrorEndToEndTests: XCTestCase {
    let train = AEGridProcess.example("seed/X_train.npy")
    let test = AEGridProcess.example("seed/X_test.npy")
    let grid = #"{"latent_dim": [2], "epochs": [1]}"#

    /// Runs a search that must fail before training and returns its one error line.
    func failure(train: String? = nil, test: String? = AEGridProcess.example("seed/X_test.npy"), grid: String? = nil, extra: [String] = [],
                 status: Int32 = 1, file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let out = try temporaryDirectory().appendingPathComponent("out")
        var arguments = ["search", "--train", train ?? self.train, "--grid", grid ?? self.grid, "--out", out.path]
        if let test { arguments += ["--test", test] }
        let result = try AEGridProcess.run(arguments + extra)
        XCTAssertEqual(result.status, status, result.stderr, file: file, line: line)
        XCTAssertEqual(result.stdout, "", file: file, line: line)
        let lines = result.stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line: \(result.stderr)", file: file, line: line)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out.appendingPathComponent("results.jsonl").path),
                       "nothing trained", file: file, line: line)
        return String(lines.first ?? "")
    }

    func csv(_ text: String, _ name: String = "data.csv") throws -> String {
        try writeFile(try temporaryDirectory(), name, text)
    }

    // MARK: Grids

    func testUnknownKeyNamesTheNearestValidKey() throws {
        XCTAssertEqual(try failure(grid: #"{"latent_dims": [2], "epochs": [1]}"#), GRID_UNKNOWN_KEY)
    }

    func testWrongTypeNamesTheKeyAndValue() throws {
        XCTAssertEqual(try failure(grid: #"{"latent_dim": ["two"], "epochs": [1]}"#), GRID_WRONG_TYPE)
    }

    func testOutOfRangeValuesAreRefused() throws {
        XCTAssertEqual(try failure(grid: #"{"latent_dim": [2], "learning_rate": [0], "epochs": [1]}"#), GRID_LEARNING_RATE)
        XCTAssertEqual(try failure(grid: #"{"latent_dim": [2], "dropout": [1.0], "epochs": [1]}"#), GRID_DROPOUT)
        XCTAssertEqual(try failure(grid: #"{"latent_dim": [0], "epochs": [1]}"#), GRID_LATENT_ZERO)
    }

    // MARK: Results directory

    func testAnUncreatableResultsDirectoryIsNamed() throws {
        let blocker = try writeFile(try temporaryDirectory(), "blocker", "a file, not a directory\n")
        let out = blocker + "/out"
        let result = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid", grid, "--out", out])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stderr, "aegrid: error: \(out): cannot create the directory (at \(blocker)): it exists and is "
                       + "not a directory\n")
        // A component that cannot be made gives the system's reason, not Foundation's "could not be completed".
        let missing = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid", grid,
                                             "--out", "/proc/aegrid-no-such/out"])
        XCTAssertEqual(missing.status, 1, missing.stderr)
        XCTAssertEqual(missing.stderr, "aegrid: error: /proc/aegrid-no-such/out: cannot create the directory (at "
                       + "/proc/aegrid-no-such): No such file or directory\n")
    }

    /// A file the results commands write beside a directory that does not exist: the path, then what failed.
    func testAnUnwritableOutputFileIsNamed() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let search = try AEGridProcess.run(["search", "--train", train, "--test", test, "--grid", grid, "--out", out.path,
                                            "--refit", "none"])
        XCTAssertEqual(search.status, 0, search.stderr)
        let result = try AEGridProcess.run(["results", out.path, "--csv", "/proc/aegrid-no-such/results.csv"])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertEqual(result.stderr, "aegrid: error: /proc/aegrid-no-such/results.csv: cannot create a temporary file "
                       + "in its directory: No such file or directory\n")
    }

    // MARK: Data

    func testRaggedRowNamesFileAndLine() throws {
        let path = try csv("a,b,c\n1,2,3\n4,5\n")
        XCTAssertEqual(try failure(train: path, test: nil, extra: ["--test-fraction", "0.5"]),
                       DATA_RAGGED.replacingOccurrences(of: "$FILE", with: path))
    }

    func testNonNumericCellNamesLineAndColumn() throws {
        let path = try csv("1,2,3\n4,x5,6\n")
        XCTAssertEqual(try failure(train: path, test: nil, extra: ["--test-fraction", "0.5"]),
                       DATA_NON_NUMERIC.replacingOccurrences(of: "$FILE", with: path))
    }

    func testNaNIsRefused() throws {
        let path = try csv("1,2,3\n4,nan,6\n")
        XCTAssertEqual(try failure(train: path, test: nil, extra: ["--test-fraction", "0.5"]),
                       DATA_NAN.replacingOccurrences(of: "$FILE", with: path))
    }

    func testEmptyFileIsRefused() throws {
        let path = try csv("")
        XCTAssertEqual(try failure(train: path, test: nil),
                       DATA_EMPTY.replacingOccurrences(of: "$FILE", with: path))
    }

    func testTrainAndTestWidthsMustMatch() throws {
        let narrow = try csv("1,2,3\n4,5,6\n7,8,9\n", "narrow.csv")
        XCTAssertEqual(try failure(test: narrow),
                       "aegrid: error: \(narrow) has 3 columns but the training data \(train) has 10; both must have the same columns")
    }

    func testFortranOrderNpyIsRefused() throws {
        var header = "{'descr': '<f8', 'fortran_order': True, 'shape': (2, 2), }"
        header += String(repeating: " ", count: (64 - (10 + header.utf8.count + 1) % 64) % 64) + "\n"
        var bytes = Data([0x93] + Array("NUMPY".utf8) + [1, 0, UInt8(header.utf8.count), 0] + Array(header.utf8))
        for value in [1.0, 2.0, 3.0, 4.0] { withUnsafeBytes(of: value.bitPattern.littleEndian) { bytes.append(contentsOf: $0) } }
        let path = try temporaryDirectory().appendingPathComponent("fortran.npy")
        try bytes.write(to: path)
        XCTAssertEqual(try failure(train: path.path, test: nil),
                       DATA_FORTRAN.replacingOccurrences(of: "$FILE", with: path.path))
    }

    // MARK: Flags

    func testUsageErrorsAreOneLineWithExitStatus64() throws {
        let result = try AEGridProcess.run(["search", "--train", train, "--grid", grid])
        XCTAssertEqual(result.status, 64)
        XCTAssertEqual(result.stderr, "aegrid: error: missing expected argument '--out <dir>' (see 'aegrid search --help')\n")
        let fraction = try AEGridProcess.run(["search", "--train", train, "--grid", grid, "--out", "/tmp/x",
                                              "--test-fraction", "1.5"])
        XCTAssertEqual(fraction.status, 64)
        XCTAssertEqual(fraction.stderr,
                       "aegrid: error: --test-fraction must lie strictly between 0 and 1 (got 1.5) (see 'aegrid search --help')\n")
        let scale = try AEGridProcess.run(["search", "--train", train, "--grid", grid, "--out", "/tmp/x",
                                           "--scale", "zscore"])
        XCTAssertEqual(scale.status, 64)
        XCTAssertEqual(scale.stderr, "aegrid: error: the value 'zscore' is invalid for '--scale <scale>'. Please provide one of 'none', 'minmax' or 'standard'. (see 'aegrid search --help')\n")
    }

    /// A negative number given to a numeric option reaches the option's own check, which names the value and the
    /// range, instead of ArgumentParser's "missing value" (it takes `-1` for an option unless told otherwise).
    func testNegativeNumbersReachTheOptionsOwnCheck() throws {
        let search = ["search", "--train", train, "--grid", grid, "--out", "/tmp/x"]
        let cases: [([String], String)] = [
            (search + ["--jobs", "-2"], "--jobs must be at least 1 (got -2) (see 'aegrid search --help')"),
            (search + ["--top", "-1"], "--top must be at least 1 (got -1) (see 'aegrid search --help')"),
            (search + ["--test-fraction", "-0.5"],
             "--test-fraction must lie strictly between 0 and 1 (got -0.5) (see 'aegrid search --help')"),
            (search + ["--cv", "-3"], "--cv needs at least 2 folds (got -3) (see 'aegrid search --help')"),
            (search + ["--shards", "-2"], "--shards must be at least 1 (got -2) (see 'aegrid search --help')"),
            (search + ["--halving", "--factor", "-3"], "--factor must be at least 2 (got -3) (see 'aegrid search --help')"),
            (search + ["--n-iter", "-4"], "--n-iter must be at least 1 (got -4) (see 'aegrid search --help')"),
            (search + ["--seed", "-1"], "the value '-1' is invalid for '--seed <s>' (see 'aegrid search --help')"),
            (["results", "/tmp/x", "--top", "-1"], "--top must be at least 1 (got -1) (see 'aegrid results --help')"),
            (["merge", "/tmp/x", "--top", "-1"], "--top must be at least 1 (got -1) (see 'aegrid merge --help')"),
            (["pca", "--train", train, "--components", "-1"],
             "--components: '-1' is not a count of components (0, 1, 2, …) (see 'aegrid pca --help')"),
        ]
        for (arguments, message) in cases {
            let result = try AEGridProcess.run(arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertEqual(result.stderr, "aegrid: error: \(message)\n", "\(arguments)")
        }
    }

    func testEveryCommandHasHelpWithAnExample() throws {
        for command in ["search", "results", "score", "encode", "reconstruct", "pca"] {
            let result = try AEGridProcess.run([command, "--help"])
            XCTAssertEqual(result.status, 0, command)
            XCTAssertTrue(result.stdout.contains("Example"), "\(command) --help has an example")
            XCTAssertTrue(result.stdout.contains("aegrid \(command)"), command)
        }
    }

    /// `aegrid search …` is parsed as the search command alone when that succeeds (it starts faster); its help and
    /// every usage error still come from the whole command tree, naming `aegrid search`.
    func testSearchHelpAndUsageErrorsComeFromTheWholeCommandTree() throws {
        let help = try AEGridProcess.run(["search", "--help"])
        XCTAssertEqual(help.status, 0)
        XCTAssertTrue(help.stdout.contains("USAGE: aegrid search [<options>] --train <file>"), help.stdout)
        let unknown = try AEGridProcess.run(["search", "--train", "x", "--grid", "{}", "--out", "o", "--bogus"])
        XCTAssertEqual(unknown.status, 64)
        XCTAssertEqual(unknown.stderr, "aegrid: error: unknown option '--bogus'. Did you mean '--out'? "
                       + "(see 'aegrid search --help')\n")
    }

    func testMissingFileIsOneLine() throws {
        let line = try failure(train: "/nonexistent/data.csv", test: nil)
        XCTAssertTrue(line.hasPrefix("aegrid: error: "), line)
        XCTAssertTrue(line.contains("/nonexistent/data.csv"), line)
    }
    func testEnvironmentVariablesWithValuesTheyCannotTakeAreRefused() throws {
        let out = try temporaryDirectory().appendingPathComponent("out")
        let arguments = ["search", "--train", train, "--test", test, "--grid", grid, "--out", out.path]
        let cases: [(String, String, String)] = [
            ("AEGRID_CLAIM_HEARTBEAT", "soon", "aegrid: error: AEGRID_CLAIM_HEARTBEAT=soon is not valid; expected seconds "
             + "between writer heartbeats, above 0 and at most 3600 (e.g. 10)\n"),
            ("AEGRID_CLAIM_HEARTBEAT", "0", "aegrid: error: AEGRID_CLAIM_HEARTBEAT=0 is not valid; expected seconds "
             + "between writer heartbeats, above 0 and at most 3600 (e.g. 10)\n"),
            ("AEGRID_GEMM", "openblas", "aegrid: error: AEGRID_GEMM=openblas is not valid; expected "
             + "\(availableBackends)\n"),
        ]
        for (variable, value, message) in cases {
            let result = try AEGridProcess.run(arguments, environment: [variable: value])
            XCTAssertEqual(result.status, 1, "\(variable)=\(value): \(result.stderr)")
            XCTAssertEqual(result.stderr, message)
            XCTAssertFalse(FileManager.default.fileExists(atPath: out.path), "nothing written")
        }
    }

    /// `AEGRID_GEMM`'s names in this build.
    var availableBackends: String {
        #if BLAS
        return "blas|swift|naive"
        #else
        return "swift|naive"
        #endif
    }
}

// The pinned error lines ($FILE: the file's path).
private let GRID_UNKNOWN_KEY = "aegrid: error: inline grid line 1: unknown grid key 'latent_dims'; did you mean 'latent_dim'?"
private let GRID_WRONG_TYPE = #"aegrid: error: inline grid line 1: 'latent_dim' value "two" must be an integer (found a string)"#
private let GRID_LEARNING_RATE = "aegrid: error: inline grid line 1: 'learning_rate' value 0 is out of range: must be greater than 0"
private let GRID_DROPOUT = "aegrid: error: inline grid line 1: 'dropout' value 1.0 is out of range: must be in [0, 1)"
private let GRID_LATENT_ZERO = "aegrid: error: inline grid line 1: 'latent_dim' value 0 is out of range: must be at least 1"
private let DATA_RAGGED = "aegrid: error: $FILE line 3: expected 3 values (one per header name), found 2"
private let DATA_NON_NUMERIC = #"aegrid: error: $FILE line 2, column 2: "x5" is not a number"#
private let DATA_NAN = #"aegrid: error: $FILE line 2, column 2: "nan" is not finite (NaN and infinity are not allowed)"#
private let DATA_EMPTY = "aegrid: error: $FILE: the file is empty (no data rows)"
private let DATA_FORTRAN = "aegrid: error: $FILE: unsupported NumPy .npy file: Fortran-order (column-major) arrays are not supported; save with numpy.ascontiguousarray(x) first"
