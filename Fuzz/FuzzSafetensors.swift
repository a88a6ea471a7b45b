// libFuzzer target: a `.safetensors` model file, checked as `ModelFile.load` checks it.
import Foundation
@testable import NeuralNet

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSafetensors(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    _ = try? ModelFile.load(bytes: bytes, path: "fuzz.safetensors")
    return 0
}
