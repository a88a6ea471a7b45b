import Foundation
import XCTest
@testable import GridSearch
import TestSupport
import SearchSpace

/// The writer queue: every submitted record reaches the log once and at once, is fsynced within the sync interval
/// (or by `finish`), and is reported only once it is fsynced.
final class RecordWriterTests: XCTestCase {
    private func openLog() throws -> ResultsLog {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("aegrid-writer-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        addTeardownBlock { try? FileManager.default.removeItem(atPath: directory) }
        let grid = try ParameterGrid.load(argument: #"{"latent_dim": [2], "epochs": [1]}"#)
        return try ResultsLog.open(directory: directory,
                                   manifest: ResultsManifest(grid: grid, dataFingerprint: "0", dataShape: [1, 1]))
    }

    private static func record(_ id: String, _ index: Int = 0) -> TrialRecord {
        TrialRecord(trialID: id, index: index, parameters: [:], status: .ok, epochsRun: 1, fitSeconds: 0, seed: 0)
    }

    func testConcurrentSubmissionsAreWrittenOnceEach() throws {
        let log = try openLog()
        let batches = Locked<[Int]>([])
        let writer = RecordWriter(log: log, onWritten: { records in batches.withLock { $0.append(records.count) } },
                                  onFailure: { XCTFail("write failed") })
        DispatchQueue.concurrentPerform(iterations: 4) { thread in
            for i in 0 ..< 50 {
                let id = "t\(thread)-\(i)"
                writer.submit(Self.record(id, thread * 50 + i))
                if i == 10 { writer.submit(Self.record(id)) }  // a duplicate
            }
        }
        try writer.finish()
        XCTAssertEqual(batches.value.reduce(0, +), 200, "each record reported once, the duplicates dropped")
        XCTAssertLessThanOrEqual(log.syncCount, batches.value.count, "one fsync per reported batch at most")
        XCTAssertFalse(log.hasUnsyncedRecords)
        let contents = try ResultsLog.read(path: log.path)
        XCTAssertEqual(contents.records.count, 200)
        XCTAssertEqual(Set(contents.records.map(\.trialID)).count, 200)
        XCTAssertFalse(contents.tornTail)
    }

    /// Within the interval, records are in the file at once but not reported; `finish` fsyncs them without waiting
    /// for the interval, with one fsync for all of them.
    func testRecordsAreInTheFileAtOnceAndSyncedTogether() throws {
        let log = try openLog()
        let reported = Locked<[String]>([])
        let writer = RecordWriter(log: log, syncInterval: 3600,
                                  onWritten: { records in reported.withLock { $0 += records.map(\.trialID) } },
                                  onFailure: { XCTFail("write failed") })
        writer.submit(Self.record("first"))
        // The first record finds no recent fsync: it is synced at once.
        let firstSynced = expectation(description: "the first record is fsynced at once")
        DispatchQueue.global().async {
            while log.syncCount < 1 { usleep(1000) }
            firstSynced.fulfill()
        }
        wait(for: [firstSynced], timeout: 30)
        for i in 0 ..< 5 { writer.submit(Self.record("burst-\(i)", i + 1)) }
        let inFile = expectation(description: "the burst is in the file")
        DispatchQueue.global().async {
            while ((try? ResultsLog.read(path: log.path).records.count) ?? 0) < 6 { usleep(1000) }
            inFile.fulfill()
        }
        wait(for: [inFile], timeout: 30)
        XCTAssertEqual(log.syncCount, 1, "the burst waits for the interval")
        XCTAssertTrue(log.hasUnsyncedRecords)
        try writer.finish()
        XCTAssertEqual(log.syncCount, 2, "finish fsyncs the burst with one fsync")
        XCTAssertEqual(reported.value, ["first"] + (0 ..< 5).map { "burst-\($0)" })
        XCTAssertFalse(log.hasUnsyncedRecords)
    }

    /// A written record is fsynced and reported when the interval has passed, without `finish`.
    func testAWaitingRecordIsSyncedWhenTheIntervalEnds() throws {
        let log = try openLog()
        let done = expectation(description: "both records reported")
        let reported = Locked<[String]>([])
        let writer = RecordWriter(log: log, syncInterval: 0.05, onWritten: { records in
            let all = reported.withLock { $0 += records.map(\.trialID); return $0.count }
            if all == 2 { done.fulfill() }
        }, onFailure: { XCTFail("write failed") })
        writer.submit(Self.record("a"))
        writer.submit(Self.record("b", 1))
        wait(for: [done], timeout: 30)
        XCTAssertEqual(reported.value, ["a", "b"])
        XCTAssertFalse(log.hasUnsyncedRecords)
        try writer.finish()
    }

    /// A write that fails (here: the log is closed) stops the writer and is rethrown by `finish`; what was
    /// already written and synced stays.
    func testAFailedWriteIsReported() throws {
        let log = try openLog()
        let failures = Locked(0)
        let writer = RecordWriter(log: log, syncInterval: 0, onWritten: { _ in },
                                  onFailure: { failures.withLock { $0 += 1 } })
        writer.submit(Self.record("kept"))
        try writer.finish()
        try log.close()
        writer.submit(Self.record("lost", 1))
        XCTAssertThrowsError(try writer.finish())
        XCTAssertEqual(failures.value, 1)
        XCTAssertEqual(try ResultsLog.read(path: log.path).records.map(\.trialID), ["kept"])
    }
}
