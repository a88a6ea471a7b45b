// libFuzzer target: a results directory's manifest.json, as a resume, `aegrid status` or `aegrid merge` reads it:
// decoded, its grid parsed, and a sharded one's shard plan built (status and merge visit every shard it records).
import Foundation
@testable import GridSearch

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzManifest(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    guard let manifest = try? ResultsManifest.decode(Data(bytes: data, count: size), path: "fuzz/manifest.json"),
          let grid = try? manifest.parsedGrid(source: "fuzz/manifest.json") else { return 0 }
    if let shards = manifest.shards,
       let plan = try? ShardPlan(grid: grid, inputSize: max(1, manifest.inputSize),
                                 trainingSamples: manifest.dataShape.first ?? 1, shards: shards) {
        _ = plan.trialIndices(inShard: shards - 1)
    }
    return 0
}
