// libFuzzer target: gzip/DEFLATE, unbounded (with a 16 MiB cap) and bounded by a gzipped npy/IDX header.
@testable import DataFiles

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzGzip(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let limit = 1 << 24
    if let inflated = try? Gzip.decompress(bytes, path: "fuzz.gz", limit: limit) {
        precondition(inflated.bytes.count <= limit, "gzip: output past the limit")
    }
    _ = try? Dataset.decompressBounded(bytes, path: "fuzz-idx3-ubyte.gz")
    return 0
}
