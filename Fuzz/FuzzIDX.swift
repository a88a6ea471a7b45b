// libFuzzer target: IDX files (MNIST), header and values.
@testable import DataFiles

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIDX(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    var source = ByteSource(bytes: Array(UnsafeBufferPointer(start: data, count: size)), path: "fuzz-idx3-ubyte")
    if let table = try? IDXReader.read(&source) {
        precondition(table.elements.count == table.rows * table.columns, "IDX: shape and values disagree")
        precondition(table.elements.count <= size, "IDX: more values than bytes")
    }
    return 0
}
