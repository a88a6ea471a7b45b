// libFuzzer target: a grid as YAML text: parse, validate, resolve points.
@testable import GridSearch

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGridYAML(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    GridFuzzing.run(data, size, source: "fuzz.yaml")
    return 0
}
