import XCTest
import Foundation
@testable import SearchSpace

final class ParameterGridTests: XCTestCase {
    private func rendered(_ grid: ParameterGrid) -> [String] {
        (0..<grid.count).map { TrialConfiguration.canonicalJSON(grid.point(at: $0).parameters) }
    }

    /// scikit-learn's documented example: {'a': [1, 2], 'b': [True, False]}, last key fastest.
    func testDictGridFollowsScikitLearnOrder() throws {
        let grid = try ParameterGrid.parse(#"{"b": [true, false], "a": [1, 2]}"#, source: "g.json")
        XCTAssertEqual(grid.count, 4)
        XCTAssertEqual(rendered(grid), [
            #"{"a":1,"b":true}"#, #"{"a":1,"b":false}"#, #"{"a":2,"b":true}"#, #"{"a":2,"b":false}"#,
        ])
    }

    /// scikit-learn's documented list-of-dicts example; "C" sorts before "gamma" and "kernel" (code points).
    func testListOfDictsFollowsScikitLearnOrder() throws {
        let text = """
        - kernel: [linear]
          C: [1, 10]
        - kernel: [rbf]
          C: [1, 10]
          gamma: [0.1, 0.01]
        """
        let grid = try ParameterGrid.parse(text, source: "g.yaml")
        XCTAssertEqual(grid.count, 6)
        XCTAssertEqual(rendered(grid), [
            #"{"C":1,"kernel":"linear"}"#, #"{"C":10,"kernel":"linear"}"#,
            #"{"C":1,"gamma":0.1,"kernel":"rbf"}"#, #"{"C":1,"gamma":0.01,"kernel":"rbf"}"#,
            #"{"C":10,"gamma":0.1,"kernel":"rbf"}"#, #"{"C":10,"gamma":0.01,"kernel":"rbf"}"#,
        ])
        XCTAssertEqual(grid.point(at: 3).subGridIndex, 1)
    }

    /// Three keys: the middle key changes every `len(last)` points, the first every `len(middle)·len(last)`.
    func testThreeKeyProductOrder() throws {
        let grid = try ParameterGrid.parse("{latent_dim: [2, 4], learning_rate: [0.01, 0.001], epochs: [50, 100]}",
                                           source: "g")
        XCTAssertEqual(rendered(grid), [
            #"{"epochs":50,"latent_dim":2,"learning_rate":0.01}"#, #"{"epochs":50,"latent_dim":2,"learning_rate":0.001}"#,
            #"{"epochs":50,"latent_dim":4,"learning_rate":0.01}"#, #"{"epochs":50,"latent_dim":4,"learning_rate":0.001}"#,
            #"{"epochs":100,"latent_dim":2,"learning_rate":0.01}"#, #"{"epochs":100,"latent_dim":2,"learning_rate":0.001}"#,
            #"{"epochs":100,"latent_dim":4,"learning_rate":0.01}"#, #"{"epochs":100,"latent_dim":4,"learning_rate":0.001}"#,
        ])
    }

    func testEmptyMappingIsOnePoint() throws {
        let grid = try ParameterGrid.parse("[{}, {a: [1]}]", source: "g")
        XCTAssertEqual(grid.count, 2)
        XCTAssertEqual(grid.point(at: 0).parameters, [])
        XCTAssertEqual(grid.point(at: 1)["a"], .int(1))
    }

    func testJSONAndYAMLReadTheSameValues() throws {
        let json = try ParameterGrid.parse(
            #"{"latent_dim": [2, 4], "learning_rate": [1e-3, 0.01], "activation": ["relu"], "shuffle": [true], "encoder_units": [[64, 32]], "name": ["010"]}"#,
            source: "g.json")
        let yaml = try ParameterGrid.parse("""
            latent_dim: [2, 4]
            learning_rate:
              - 1e-3
              - 0.01
            activation: [relu]
            shuffle: [true]
            encoder_units: [[64, 32]]
            name: ["010"]
            """, source: "g.yaml")
        XCTAssertEqual(json, yaml)
        XCTAssertEqual(json.fingerprint, yaml.fingerprint)
        XCTAssertEqual(yaml.subGrids[0].values(of: "learning_rate"), [.double(0.001), .double(0.01)])
        XCTAssertEqual(yaml.subGrids[0].values(of: "name"), [.string("010")])
        XCTAssertEqual(yaml.subGrids[0].values(of: "encoder_units"), [.intList([64, 32])])
    }

    func testCanonicalJSONRoundTrips() throws {
        let grid = try ParameterGrid.parse(
            #"[{"latent_dim": [2], "learning_rate": [1e-05, 100.0, 0.5], "activation": ["tanh"]}, {"epochs": [3]}]"#,
            source: "g")
        XCTAssertEqual(grid.canonicalJSON,
                       #"[{"activation":["tanh"],"latent_dim":[2],"learning_rate":[1e-05,100.0,0.5]},{"epochs":[3]}]"#)
        let again = try ParameterGrid.parse(grid.canonicalJSON, source: "manifest.json")
        XCTAssertEqual(again, grid)
        XCTAssertEqual(again.fingerprint, grid.fingerprint)
    }

    func testInlineArgumentAndFile() throws {
        let inline = try ParameterGrid.load(argument: #" {"latent_dim": [2]}"#)
        XCTAssertEqual(inline.source, "inline grid")
        let path = NSTemporaryDirectory() + "aegrid-grid-\(getpid()).yaml"
        try "latent_dim: [2]\n".write(toFile: path, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let file = try ParameterGrid.load(argument: path)
        XCTAssertEqual(file, inline)
        XCTAssertEqual(file.source, path)
        XCTAssertThrowsError(try ParameterGrid.load(argument: "/nonexistent/grid.yaml")) {
            XCTAssertEqual("\($0)", "cannot read grid file '/nonexistent/grid.yaml': No such file or directory")
        }
        XCTAssertThrowsError(try ParameterGrid.load(argument: NSTemporaryDirectory())) {
            XCTAssertEqual("\($0)", "cannot read grid file '\(NSTemporaryDirectory())': it is a directory")
        }
        // A device or pipe that never ends is read up to the limit, then refused.
        XCTAssertThrowsError(try ParameterGrid.load(argument: "/dev/zero")) {
            XCTAssertEqual("\($0)", "cannot read grid file '/dev/zero': it holds more than 16 MB, and a grid is a few "
                           + "lists of values")
        }
    }

    /// `--grid <(make-grid)`: a pipe is read to its end, as a file is (FileManager's read refused it).
    func testGridFromAPipe() throws {
        let path = NSTemporaryDirectory() + "aegrid-grid-fifo-\(getpid())"
        XCTAssertEqual(mkfifo(path, 0o600), 0)
        defer { unlink(path) }
        let writer = Thread {
            let handle = FileHandle(forWritingAtPath: path)
            handle?.write(Data("latent_dim: [2, 4]\nepochs: [1]\n".utf8))
            try? handle?.close()
        }
        writer.start()
        let grid = try ParameterGrid.load(argument: path)
        XCTAssertEqual(grid.count, 2)
        XCTAssertEqual(grid.source, path)
    }

    /// 10^6 points from six short lists: count and any point without building the list.
    func testMillionPointGridIsLazy() throws {
        let ten = (0..<10).map { "\($0 + 1)" }.joined(separator: ", ")
        let text = (1...6).map { "k\($0): [\(ten)]" }.joined(separator: "\n")
        let grid = try ParameterGrid.parse(text, source: "big.yaml")
        XCTAssertEqual(grid.count, 1_000_000)
        // Index 123456: digits 1,2,3,4,5,6 over k1…k6 (k6 fastest) → values digit+1.
        XCTAssertEqual(TrialConfiguration.canonicalJSON(grid.point(at: 123_456).parameters),
                       #"{"k1":2,"k2":3,"k3":4,"k4":5,"k5":6,"k6":7}"#)
        XCTAssertEqual(grid.point(at: 999_999)["k1"], .int(10))
        // The grid holds its 60 values, not 10^6 points.
        XCTAssertEqual(grid.subGrids[0].values.map(\.count), [10, 10, 10, 10, 10, 10])
        // Iterating all points to a checksum stays in constant memory.
        var sum = 0
        for index in stride(from: 0, to: grid.count, by: 997) {
            if case .int(let v)? = grid.point(at: index)["k6"] { sum += v }
        }
        XCTAssertGreaterThan(sum, 0)
    }

    func testOverflowingGridIsRefused() {
        let values = (0..<1000).map(String.init).joined(separator: ",")
        let text = "{" + (1...7).map { "\"k\($0)\": [\(values)]" }.joined(separator: ",") + "}"
        XCTAssertThrowsError(try ParameterGrid.parse(text, source: "huge.json")) {
            XCTAssertEqual("\($0)", "huge.json line 1: the grid has more than \(Int.max) points")
        }
    }

    // MARK: - Errors pinned

    private func error(_ text: String, source: String = "grid.yaml") -> String {
        do {
            _ = try ParameterGrid.parse(text, source: source)
            return "no error"
        } catch {
            return "\(error)"
        }
    }

    func testScalarWhereAListIsExpected() {
        XCTAssertEqual(error("latent_dim: [2, 4]\nepochs: 50\n"),
                       "grid.yaml line 2: 'epochs' must be a list of values (scikit-learn param_grid), "
                       + "found the single value 50; write [50]")
    }

    func testEmptyList() {
        XCTAssertEqual(error("latent_dim: []\n"),
                       "grid.yaml line 1: 'latent_dim' has an empty list of values; give at least one value")
    }

    func testStructureErrors() {
        XCTAssertEqual(error("42"), "grid.yaml line 1: a grid must be a mapping of key to list of values, or a list "
                       + "of such mappings; found the single value 42")
        XCTAssertEqual(error("[]"), "grid.yaml line 1: the grid is an empty list; give at least one mapping of key to list of values")
        XCTAssertEqual(error("- latent_dim: [2]\n- 3\n"),
                       "grid.yaml line 2: sub-grid 2 must be a mapping of key to list of values, found the single value 3")
        XCTAssertEqual(error("latent_dim: {a: 1}"),
                       "grid.yaml line 1: 'latent_dim' must be a list of values, found a mapping")
        XCTAssertEqual(error("latent_dim: [2]\nlatent_dim: [4]\n"), "grid.yaml line 1: key 'latent_dim' appears twice in one mapping")
        XCTAssertEqual(error("latent_dim: [2, null]"), "grid.yaml line 1: 'latent_dim' value null must be a value (found null)")
        XCTAssertEqual(error("learning_rate: [.nan]"), "grid.yaml line 1: 'learning_rate' value .nan is out of range: must be a finite number")
        XCTAssertEqual(error(""), "grid.yaml: the grid is empty; give a mapping of key to list of values, e.g. {\"latent_dim\": [2, 4]}")
    }

    func testSyntaxErrorNamesLineAndColumn() {
        let message = error("{\"latent_dim\": [2, 4}", source: "inline grid")
        XCTAssertTrue(message.hasPrefix("inline grid line 1, column "), message)
        XCTAssertTrue(message.contains("not valid JSON or YAML"), message)
    }
}
