import Foundation
import XCTest

/// A fresh temporary directory per test case, removed afterwards.
class DataTestCase: XCTestCase {
    var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "aegrid-data-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// Writes `bytes` to `name` in the temporary directory and returns its path.
    @discardableResult
    func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    @discardableResult
    func write(_ name: String, text: String) throws -> String { try write(name, Array(text.utf8)) }

    /// Runs `gzip` with `arguments` on `path` and returns its standard output.
    func gzip(_ arguments: [String], _ path: String) throws -> [UInt8] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["gzip"] + arguments + [path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        XCTAssertEqual(process.terminationStatus, 0, "gzip \(arguments) \(path)")
        return Array(data)
    }
}

/// Little-endian bytes of a fixed-width integer.
func littleEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.littleEndian) { Array($0) }
}

/// Big-endian bytes of a fixed-width integer.
func bigEndianBytes<T: FixedWidthInteger>(_ value: T) -> [UInt8] {
    withUnsafeBytes(of: value.bigEndian) { Array($0) }
}

/// A `.npy` file: magic, version, padded header, then `payload`.
/// `descr` is quoted as a string; `descrLiteral` is written verbatim instead (e.g. a structured dtype's list).
func npyFile(descr: String, descrLiteral: String? = nil, fortran: Bool = false, shape: String, payload: [UInt8],
             major: UInt8 = 1) -> [UInt8] {
    var header = "{'descr': \(descrLiteral ?? "'\(descr)'"), 'fortran_order': \(fortran ? "True" : "False"), 'shape': \(shape), }"
    let lengthBytes = major == 1 ? 2 : 4
    let prefix = 6 + 2 + lengthBytes
    while (prefix + header.utf8.count + 1) % 64 != 0 { header += " " }
    header += "\n"
    var bytes: [UInt8] = [0x93] + Array("NUMPY".utf8) + [major, 0]
    bytes += major == 1 ? littleEndianBytes(UInt16(header.utf8.count)) : littleEndianBytes(UInt32(header.utf8.count))
    return bytes + Array(header.utf8) + payload
}
