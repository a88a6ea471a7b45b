import Foundation
import XCTest
@testable import NeuralNet
import LinearAlgebra

/// Saved models load back bit for bit over generated architectures and metadata (issue 13, item 6), and headers
/// with many entries are read in linear time and memory (item 1).
final class ModelFilePropertyTests: XCTestCase {
    func testSafetensorsRoundTrip() throws {
        var generator = SeededGenerator(seed: 7)
        let activations = Activation.allCases
        for trial in 0 ..< 100 {
            let encoder = (0 ..< Int.random(in: 1 ... 3, using: &generator)).map { _ in Int.random(in: 1 ... 9, using: &generator) }
            let architecture = Architecture(inputSize: Int.random(in: 1 ... 12, using: &generator), encoderUnits: encoder,
                                            hiddenActivation: activations.randomElement(using: &generator)!,
                                            outputActivation: activations.randomElement(using: &generator)!)
            let model = Autoencoder(architecture: architecture, seed: UInt64(trial))
            var metadata: [String: String] = [:]
            for k in 0 ..< Int.random(in: 0 ... 4, using: &generator) {
                metadata["key \(k) \"é\"\n"] = String(repeating: "∑\\\u{1}", count: Int.random(in: 0 ... 5, using: &generator))
            }
            let bytes = try ModelFile.encode(model, metadata: metadata)
            let (loaded, readMetadata) = try ModelFile.load(bytes: bytes, path: "case \(trial)")
            XCTAssertEqual(loaded.architecture, model.architecture, "case \(trial)")
            XCTAssertEqual(readMetadata, metadata, "case \(trial)")
            XCTAssertEqual(Array(UnsafeBufferPointer(start: loaded.storage, count: loaded.parameterCount)).map(\.bitPattern),
                           Array(UnsafeBufferPointer(start: model.storage, count: model.parameterCount)).map(\.bitPattern),
                           "case \(trial)")
        }
    }

    func testManyTensorsWithOneMissingIsNamed() throws {
        // 100,000 layers, every kernel present and every bias missing: the check is a set lookup per name.
        let layers = 100_000
        let units = Array(repeating: "1", count: layers / 2)
        let architecture = #"{"input_size":1,"encoder_units":[\#(units.joined(separator: ","))],"decoder_units":[\#(units.dropLast().joined(separator: ","))],"hidden_activation":"relu","output_activation":"sigmoid"}"#
        var header = #"{"__metadata__":{"aegrid.format":"aegrid-autoencoder/1","aegrid.architecture":"#
            + String(decoding: try JSONEncoder().encode(architecture), as: UTF8.self) + "}"
        for l in 0 ..< layers {
            header += #","dense_\#(l).kernel":{"dtype":"F32","shape":[1,1],"data_offsets":[\#(4 * l),\#(4 * l + 4)]}"#
        }
        header += "}"
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        bytes += Array(header.utf8) + [UInt8](repeating: 0, count: 4 * layers)
        XCTAssertThrowsError(try ModelFile.load(bytes: bytes, path: "many")) {
            XCTAssertEqual("\($0)", "many: tensor \"dense_0.bias\": missing from the file")
        }
    }

    func testDuplicateTensorNamesAreRefused() throws {
        let header = #"{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}"#
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes.append(contentsOf: $0) }
        XCTAssertThrowsError(try ModelFile.load(bytes: bytes + Array(header.utf8) + [UInt8](repeating: 0, count: 8), path: "dup")) {
            XCTAssertEqual("\($0)", "dup: invalid safetensors header: \"a\" appears twice")
        }
    }
}
