import Foundation
@testable import NeuralNet
import XCTest
import LinearAlgebra

/// safetensors round trip and the validation of bad files, each with its pinned error.
final class ModelFileTests: XCTestCase {
    var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "aegrid-modelfile-\(getpid())-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    let architecture = Architecture(inputSize: 10, encoderUnits: [4])

    func savedBytes() throws -> [UInt8] {
        try ModelFile.encode(Autoencoder(architecture: architecture, seed: 3), metadata: ["k": "v"])
    }

    /// Splits a file into its header JSON object and data bytes.
    func split(_ bytes: [UInt8]) throws -> (header: [String: Any], data: [UInt8]) {
        let n = Int(bytes[0 ..< 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
        let header = try JSONSerialization.jsonObject(with: Data(bytes[8 ..< 8 + n])) as! [String: Any]
        return (header, Array(bytes[(8 + n)...]))
    }

    /// A file from a header (serialised as is, padded) and data bytes.
    func assemble(headerJSON: [UInt8], data: [UInt8]) -> [UInt8] {
        var json = headerJSON
        while json.count % 8 != 0 { json.append(0x20) }
        var out: [UInt8] = []
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { out.append(contentsOf: $0) }
        return out + json + data
    }

    func assemble(header: [String: Any], data: [UInt8]) throws -> [UInt8] {
        assemble(headerJSON: [UInt8](try JSONSerialization.data(withJSONObject: header, options: [.sortedKeys])), data: data)
    }

    /// Loads `bytes` from a file and returns the error's description (or "loaded").
    func loadError(_ bytes: [UInt8], name: String = "bad.safetensors") -> String {
        let path = directory + "/" + name
        XCTAssertTrue(FileManager.default.createFile(atPath: path, contents: Data(bytes)))
        do { _ = try ModelFile.load(from: path); return "loaded" } catch {
            return "\(error)".replacingOccurrences(of: directory + "/", with: "")
        }
    }

    func testRoundTripIsBitwiseAndKeepsMetadata() throws {
        let model = Autoencoder(architecture: Architecture(inputSize: 7, encoderUnits: [5, 2], hiddenActivation: .gelu,
                                                           outputActivation: .linear, hiddenActivations: [.gelu, .elu, .tanh]),
                                seed: 42)
        // Train a little so the weights are not just the initialiser's.
        let c = TrainingConfiguration(optimizer: .adam(learningRate: 0.01), epochs: 2, seed: 1)
        let trainer = try Trainer(model: model, configuration: c, training: TrainerTests.data(rows: 20, columns: 7, seed: 1))
        _ = trainer.fit()
        let metadata = ["scaler": "{\"kind\":\"minmax\"}", "test_mse": "0.0123", "unicode": "é ✓ \"quoted\"\n"]
        let path = directory + "/model.safetensors"
        try ModelFile.save(trainer.model, metadata: metadata, to: path)
        let (loaded, loadedMetadata) = try ModelFile.load(from: path)
        XCTAssertEqual(loaded.architecture, trainer.model.architecture)
        XCTAssertEqual(loaded.parameters.map(\.bitPattern), trainer.model.parameters.map(\.bitPattern))
        XCTAssertEqual(loadedMetadata, metadata)
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual((bytes.count - 8 - trainer.model.parameterCount * 4) % 8, 0, "header padded to a multiple of 8")
        let (header, data) = try split(bytes)
        XCTAssertEqual(data.count, trainer.model.parameterCount * 4)
        let meta = header["__metadata__"] as! [String: String]
        XCTAssertEqual(meta["aegrid.format"], "aegrid-autoencoder/1")
        XCTAssertEqual(meta["aegrid.activations"], "[\"gelu\",\"elu\",\"tanh\",\"linear\"]")
    }

    /// The hand-written header is what Foundation's `JSONSerialization` wrote for the same object with sorted keys
    /// (slashes unescaped), byte for byte, where the two orders agree: compact, tensors in layer order (twelve
    /// layers, so `dense_9` comes before `dense_10`), lower-case metadata keys. Metadata keys are sorted by UTF-8
    /// bytes, so an upper-case one comes first, where `JSONSerialization` ignored case; the object is the same.
    func testHeaderIsCompactJSONInLayerOrder() throws {
        let model = Autoencoder(architecture: Architecture(inputSize: 7, encoderUnits: [6, 6, 5, 5, 4, 3]), seed: 1)
        XCTAssertEqual(model.layers.count, 12)
        func expected(_ metadata: [String: String]) throws -> Data {
            var object: [String: Any] = ["__metadata__": metadata]
            for layer in model.layers {
                let kernelStart = layer.kernelOffset * 4, biasStart = layer.biasOffset * 4
                object[layer.name + ".kernel"] = ["dtype": "F32", "shape": [layer.inputs, layer.outputs],
                                                  "data_offsets": [kernelStart, biasStart]]
                object[layer.name + ".bias"] = ["dtype": "F32", "shape": [layer.outputs],
                                                "data_offsets": [biasStart, biasStart + layer.outputs * 4]]
            }
            return try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
        }
        let metadata = ["zeta": "x/y", "alpha": "é ✓ \"quoted\" back\\slash", "aegrid.format": "f", "empty": ""]
        XCTAssertEqual(String(decoding: ModelFile.header(model, metadata: metadata), as: UTF8.self),
                       String(decoding: try expected(metadata), as: UTF8.self))
        let mixed = metadata.merging(["Upper": "u"]) { a, _ in a }
        let written = ModelFile.header(model, metadata: mixed)
        XCTAssertTrue(String(decoding: written, as: UTF8.self).hasPrefix(#"{"__metadata__":{"Upper":"u","aegrid.format""#))
        XCTAssertEqual(try JSONSerialization.jsonObject(with: Data(written)) as? NSDictionary,
                       try JSONSerialization.jsonObject(with: try expected(mixed)) as? NSDictionary)
    }

    func testReservedMetadataKeysAreRefused() {
        let path = directory + "/m.safetensors"
        XCTAssertThrowsError(try ModelFile.save(Autoencoder(architecture: architecture, seed: 1),
                                                metadata: ["aegrid.architecture": "x"], to: path)) { error in
            XCTAssertEqual(error as? ModelFileError, .reservedMetadataKey(path: path, key: "aegrid.architecture"))
        }
    }

    func testUnwritablePath() {
        let path = directory + "/no/such/dir/m.safetensors"
        XCTAssertThrowsError(try ModelFile.save(Autoencoder(architecture: architecture, seed: 1), metadata: [:], to: path)) {
            XCTAssertEqual("\($0)".replacingOccurrences(of: self.directory + "/", with: ""),
                           "no/such/dir/m.safetensors: cannot write the model file (the directory no/such/dir does not exist)")
        }
    }

    func testMissingFile() {
        XCTAssertEqual(loadErrorOfMissing(), "nowhere.safetensors: cannot open the model file (no such file)")
        // A directory opens, and reading it looked like a truncated file.
        XCTAssertThrowsError(try ModelFile.load(from: directory)) {
            XCTAssertEqual("\($0)", "\(self.directory!): cannot open the model file (it is a directory; give the model "
                           + "file in it, such as the best.safetensors aegrid search writes)")
        }
        // A device or a pipe cannot be sized by seeking: /dev/zero read as a file of 0 bytes, a pipe as "Illegal seek".
        var pipe: [Int32] = [0, 0]
        XCTAssertEqual(Glibc.pipe(&pipe), 0)
        defer { close(pipe[0]); close(pipe[1]) }
        for path in ["/dev/zero", "/dev/fd/\(pipe[0])"] {
            XCTAssertThrowsError(try ModelFile.load(from: path)) {
                XCTAssertEqual("\($0)", "\(path): cannot open the model file (it is not a regular file (a pipe or a "
                               + "device); give the model file itself, such as the best.safetensors aegrid search writes)")
            }
        }
    }

    func loadErrorOfMissing() -> String {
        do { _ = try ModelFile.load(from: directory + "/nowhere.safetensors"); return "loaded" } catch {
            return "\(error)".replacingOccurrences(of: directory + "/", with: "")
        }
    }

    func testTruncatedFiles() throws {
        let bytes = try savedBytes()
        XCTAssertEqual(loadError(Array(bytes.prefix(5))),
                       "bad.safetensors: truncated safetensors file: the file has 5 bytes, fewer than the 8-byte header length")
        XCTAssertEqual(loadError(Array(bytes.prefix(40))),
                       "bad.safetensors: truncated safetensors file: the header length says \(headerLength(bytes)) bytes but only 32 follow")
        XCTAssertEqual(loadError(Array(bytes.dropLast(4))),
                       "bad.safetensors: truncated safetensors file: the tensors need 376 data bytes but the file holds 372")
        XCTAssertEqual(loadError(bytes), "loaded")
    }

    func headerLength(_ bytes: [UInt8]) -> Int {
        Int(bytes[0 ..< 8].enumerated().reduce(UInt64(0)) { $0 | UInt64($1.element) << (8 * UInt64($1.offset)) })
    }

    func testOversizedHeaderIsRefusedBeforeReading() {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += Array("{}      ".utf8)
        XCTAssertEqual(loadError(bytes),
                       "bad.safetensors: the safetensors header claims 1099511627776 bytes, more than the 100000000-byte limit (not a model file, or corrupt)")
    }

    func testOverlappingOffsets() throws {
        var (header, data) = try split(try savedBytes())
        var bias = header["dense_0.bias"] as! [String: Any]
        bias["data_offsets"] = [156, 172]  // the kernel ends at 160
        header["dense_0.bias"] = bias
        XCTAssertEqual(loadError(try assemble(header: header, data: data)),
                       "bad.safetensors: tensor data_offsets must be contiguous from 0 to the end of the file: tensor \"dense_0.bias\" at [156, 172] overlaps the previous tensor, which ends at 160")
        bias["data_offsets"] = [164, 180]
        header["dense_0.bias"] = bias
        data += [0, 0, 0, 0]
        XCTAssertEqual(loadError(try assemble(header: header, data: data)),
                       "bad.safetensors: tensor data_offsets must be contiguous from 0 to the end of the file: gap before tensor \"dense_0.bias\": it starts at 164, the previous data ends at 160")
    }

    func testWrongShape() throws {
        var (header, data) = try split(try savedBytes())
        var kernel = header["dense_0.kernel"] as! [String: Any]
        kernel["shape"] = [4, 10]  // same byte count, transposed
        header["dense_0.kernel"] = kernel
        XCTAssertEqual(loadError(try assemble(header: header, data: data)),
                       "bad.safetensors: tensor \"dense_0.kernel\": shape [4, 10], the architecture needs [10, 4]")
        kernel["shape"] = [10, 5]  // byte count no longer matches the offsets
        header["dense_0.kernel"] = kernel
        XCTAssertEqual(loadError(try assemble(header: header, data: data)),
                       "bad.safetensors: tensor \"dense_0.kernel\": shape [10, 5] of F32 needs 200 bytes but data_offsets [0, 160] span 160")
        (header, data) = try split(try savedBytes())
        header["dense_1.bias"] = nil
        data.removeLast(40)
        XCTAssertEqual(loadError(try assemble(header: header, data: data)),
                       "bad.safetensors: tensor \"dense_1.bias\": missing from the file")
    }

    func testWrongDType() throws {
        var (header, data) = try split(try savedBytes())
        var kernel = header["dense_1.kernel"] as! [String: Any]
        kernel["dtype"] = "F16"
        header["dense_1.kernel"] = kernel
        XCTAssertEqual(loadError(try assemble(header: header, data: data)),
                       "bad.safetensors: tensor \"dense_1.kernel\" has dtype F16; AEGrid models are F32 only")
        _ = data
    }

    func testBadJSON() throws {
        let bytes = try savedBytes()
        let data = Array(bytes[(8 + headerLength(bytes))...])
        XCTAssertTrue(loadError(assemble(headerJSON: Array("{\"dense_0.kernel\": {".utf8), data: data))
                        .hasPrefix("bad.safetensors: the safetensors header is not valid JSON: "))
        XCTAssertEqual(loadError(assemble(headerJSON: Array("[1, 2]".utf8), data: data)),
                       "bad.safetensors: the safetensors header is not valid JSON: the header is not a JSON object")
        XCTAssertEqual(loadError(assemble(headerJSON: Array("{\"__metadata__\": {\"a\": 1}}".utf8), data: [])),
                       "bad.safetensors: invalid safetensors header: __metadata__[\"a\"] is not a string")
    }

    func testAFileWithoutArchitectureIsNotAnAutoencoder() throws {
        var (header, data) = try split(try savedBytes())
        var meta = header["__metadata__"] as! [String: String]
        meta["aegrid.architecture"] = nil
        header["__metadata__"] = meta
        XCTAssertEqual(loadError(try assemble(header: header, data: data)),
                       "bad.safetensors: not an AEGrid autoencoder file: __metadata__ has no \"aegrid.architecture\"")
        _ = data
    }

    /// Writes a trained model and a few rows with AEGrid's reconstruction for `scripts/check_safetensors.py` (run by
    /// `make test-python`, which sets `AEGRID_PYTHON_CHECK_DIR`); here it checks the files reload to the same output.
    func testExportForPythonCheck() throws {
        let target = ProcessInfo.processInfo.environment["AEGRID_PYTHON_CHECK_DIR"] ?? directory!
        try FileManager.default.createDirectory(atPath: target, withIntermediateDirectories: true)
        let architecture = Architecture(inputSize: 8, encoderUnits: [7, 5, 3], hiddenActivation: .relu,
                                        outputActivation: .sigmoid,
                                        hiddenActivations: [.elu, .gelu, .leakyRelu, .tanh, .relu])
        let train = TrainerTests.data(rows: 64, columns: 8, seed: 17)
        let c = TrainingConfiguration(optimizer: .adam(learningRate: 0.01), batchSize: 16, epochs: 3, seed: 4)
        let trainer = try Trainer(model: Autoencoder(architecture: architecture, seed: 4), configuration: c, training: train)
        _ = trainer.fit()
        let rows = TrainerTests.data(rows: 5, columns: 8, seed: 18)
        let reconstruction = trainer.model.reconstruct(rows)
        let modelPath = target + "/model.safetensors"
        try ModelFile.save(trainer.model, metadata: ["purpose": "check_safetensors.py"], to: modelPath)
        func nested(_ m: Matrix) -> [[Double]] { (0 ..< m.rows).map { r in m.row(r).map(Double.init) } }
        let json = try JSONSerialization.data(withJSONObject: ["input": nested(rows), "reconstruction": nested(reconstruction)],
                                              options: [.sortedKeys])
        try json.write(to: URL(fileURLWithPath: target + "/rows.json"))
        let (loaded, metadata) = try ModelFile.load(from: modelPath)
        XCTAssertEqual(metadata, ["purpose": "check_safetensors.py"])
        XCTAssertEqual(loaded.reconstruct(rows).elements.map(\.bitPattern), reconstruction.elements.map(\.bitPattern))
    }
}
