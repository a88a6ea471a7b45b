// libFuzzer target: a grid as JSON text (inline `--grid '{…}'` or a .json file): parse, validate, resolve points.
@testable import GridSearch

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGridJSON(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    GridFuzzing.run(data, size, source: "fuzz.json")
    return 0
}
