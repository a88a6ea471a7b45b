// libFuzzer target: NumPy `.npy` files (header, shape, element conversion).
@testable import DataFiles

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzNPY(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var source = ByteSource(bytes: Array(UnsafeBufferPointer(start: data, count: size)), path: "fuzz.npy")
    if let table = try? NPYReader.read(&source) {
        precondition(table.elements.count == table.rows * table.columns, "npy: shape and values disagree")
        precondition(table.elements.count <= size, "npy: more values than bytes")
    }
    return 0
}
