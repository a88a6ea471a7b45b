// libFuzzer target: a results directory's manifest.json, as a resume or `aegrid merge` reads it.
import Foundation
@testable import GridSearch

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = try? ResultsManifest.decode(Data(bytes: data, count: size), path: "fuzz/manifest.json")
    return 0
}
