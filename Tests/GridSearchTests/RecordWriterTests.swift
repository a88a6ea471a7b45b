import Foundation
import XCTest
@testable import GridSearch

/// The writer queue: every submitted record reaches the log once, each with its own fsync, and `finish` waits for all of them.
final class RecordWriterTests: XCTestCase {
    func testConcurrentSubmissionsAreWrittenOnceEach() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aegrid-writer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let grid = try ParameterGrid.load(argument: #"{"latent_dim": [2], "epochs": [1]}"#)
        let log = try ResultsLog.open(directory: directory,
                                      manifest: ResultsManifest(grid: grid, dataFingerprint: "0", dataShape: [1, 1]))
        var batches: [Int] = []
        let writer = RecordWriter(log: log, onWritten: { batches.append($0.count) }, onFailure: { XCTFail("write failed") })
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for i in 0 ..< 50 {
                let id = "t\(thread)-\(i)"
                writer.submit(TrialRecord(trialID: id, index: thread * 50 + i, parameters: [:], status: .ok,
                                          epochsRun: 1, fitSeconds: 0, seed: 0))
                if i == 10 { writer.submit(TrialRecord(trialID: id, index: 0, parameters: [:], status: .ok,
                                                       epochsRun: 1, fitSeconds: 0, seed: 0)) }  // a duplicate
            }
        }
        try writer.finish()
        XCTAssertEqual(batches.reduce(0, +), 200, "each record once, the duplicates dropped")
        XCTAssertEqual(Set(batches), [1], "one record per write and fsync, never a batch")
        let contents = try ResultsLog.read(path: log.path)
        XCTAssertEqual(contents.records.count, 200)
        XCTAssertEqual(Set(contents.records.map(\.trialID)).count, 200)
        XCTAssertFalse(contents.tornTail)
    }
}
