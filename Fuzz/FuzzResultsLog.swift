// libFuzzer target: a whole results.jsonl as `ResultsLog.scan` reads it (a resume, `aegrid results`, `status`,
// `merge`): the line framing around the record decoder (which has its own target, jsonline), a torn last line, NUL
// bytes and the line-length limit, here 1 KiB so that inputs reach it. What it accepts must account for every byte:
// the good lines, then either nothing or a torn tail.
import Foundation
@testable import GridSearch

private let path = NSTemporaryDirectory() + "aegrid-fuzz-log-\(getpid()).jsonl"
private let removeAtExit: Void = { atexit { unlink(path) } }()

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzResultsLog(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    _ = removeAtExit
    let bytes = Data(bytes: data, count: size)
    guard FileManager.default.createFile(atPath: path, contents: bytes) else { return 0 }
    let lines = bytes.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false).count
    for histories in [true, false] {
        guard let contents = try? ResultsLog.scan(path: path, histories: histories, maximumLineBytes: 1024) else {
            continue
        }
        precondition(contents.goodLength <= size, "results log: good length \(contents.goodLength) past \(size) bytes")
        precondition(contents.tornTail != (contents.goodLength == size),
                     "results log: a torn tail must be exactly the bytes after the good lines")
        precondition(contents.records.count <= lines, "results log: more records than lines")
        precondition(!bytes.prefix(contents.goodLength).contains(0), "results log: a NUL byte in the good lines")
    }
    return 0
}
