// libFuzzer target: one line of results.jsonl, as `ResultsLog` reads it on resume (the JSONLines scanner and the
// record decoder); a record that decodes must encode and decode to itself.
import Foundation
@testable import GridSearch

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSONLine(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let line = Data(bytes: data, count: size)
    guard let record = try? TrialRecord.decode(line: line) else { return 0 }
    if let again = try? TrialRecord.decode(line: record.jsonLine()) {
        precondition(again.trialID == record.trialID && again.index == record.index, "JSON line: round trip changed the record")
    }
    return 0
}
