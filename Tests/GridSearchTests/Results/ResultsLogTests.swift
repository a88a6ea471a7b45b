import XCTest
@testable import GridSearch
@testable import DurableFiles
import TestSupport
import SearchSpace

func sampleRecord(_ id: String, index: Int = 0, score: Double = 0.5, status: TrialRecord.Status = .ok) -> TrialRecord {
    TrialRecord(trialID: id, index: index, parameters: ["latent_dim": .int(index + 1), "learning_rate": .double(0.01)],
                status: status, reason: status == .ok ? nil : "loss became NaN at epoch 3, batch 7",
                trainLoss: status == .ok ? score * 0.9 : .nan, testScore: status == .ok ? score : nil,
                epochsRun: 3, bestEpoch: status == .ok ? 3 : nil,
                history: [TrialRecord.Epoch(epoch: 1, loss: 0.7, validationLoss: 0.8, seconds: 0.01)],
                fitSeconds: 0.125, seed: 0xFFFF_FFFF_FFFF_FFF1)
}

final class ResultsLogTests: XCTestCase {
    var directory = ""

    override func setUp() { directory = makeTemporaryDirectory(name) }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    private func manifest(grid: String = "latent_dim: [1, 2, 3]\nepochs: [5]", data: String = "d1",
                          settings: [String: String] = ["seed": "42", "test_fraction": "0.2"]) throws -> ResultsManifest {
        ResultsManifest(grid: try ParameterGrid.parse(grid, source: "g.yaml"), dataFingerprint: data, dataShape: [100, 10],
                        dataDescription: "train.csv", settings: settings)
    }

    private var logPath: String { directory + "/results.jsonl" }

    func testRecordRoundTripsIncludingNaNAndLargeSeed() throws {
        for record in [sampleRecord("a"), sampleRecord("b", status: .diverged)] {
            let decoded = try TrialRecord.decode(line: record.jsonLine())
            XCTAssertEqual(decoded.trialID, record.trialID)
            XCTAssertEqual(decoded.seed, record.seed)
            XCTAssertEqual(decoded.parameters, record.parameters)
            XCTAssertEqual(decoded.status, record.status)
            XCTAssertEqual(decoded.trainLoss?.isNaN, record.trainLoss?.isNaN)
        }
        let line = String(decoding: try sampleRecord("a").jsonLine(), as: UTF8.self)
        XCTAssertFalse(line.contains("\n"))
        XCTAssertTrue(line.hasPrefix(#"{"best_epoch":3,"epochs_run":3,"fit_seconds":0.125,"history":[{"epoch":1,"loss":0.7,"#), line)
    }

    func testAppendThenResumeSkipsFinishedTrials() throws {
        var log: ResultsLog? = try ResultsLog.open(directory: directory, manifest: manifest())
        XCTAssertTrue(try log!.append(sampleRecord("a", index: 0)))
        XCTAssertTrue(try log!.append(sampleRecord("b", index: 1)))
        XCTAssertFalse(try log!.append(sampleRecord("a", index: 0)), "a second record of one trial is not written")
        log = nil
        let reopened = try ResultsLog.open(directory: directory, manifest: manifest())
        XCTAssertEqual(reopened.completedIDs, ["a", "b"])
        XCTAssertFalse(reopened.droppedTornLine)
        XCTAssertEqual(try ResultsLog.read(path: logPath).records.map(\.trialID), ["a", "b"])
        XCTAssertNotNil(try ResultsLog.readManifest(directory: directory))
    }

    /// `write` puts lines in the file without an fsync; `sync` fsyncs them all at once; a closed log syncs first.
    func testWriteIsInTheFileAtOnceAndSyncMakesItDurable() throws {
        let log = try ResultsLog.open(directory: directory, manifest: manifest())
        XCTAssertEqual(try log.write(contentsOf: [sampleRecord("a"), sampleRecord("b", index: 1)]).map(\.trialID), ["a", "b"])
        XCTAssertEqual(try log.write(contentsOf: [sampleRecord("a"), sampleRecord("c", index: 2)]).map(\.trialID), ["c"])
        XCTAssertEqual(log.syncCount, 0)
        XCTAssertTrue(log.hasUnsyncedRecords)
        XCTAssertEqual(try ResultsLog.read(path: logPath).records.map(\.trialID), ["a", "b", "c"], "readable before the fsync")
        try log.sync()
        try log.sync()
        XCTAssertEqual(log.syncCount, 1, "one fsync for three records; nothing to do the second time")
        XCTAssertFalse(log.hasUnsyncedRecords)
        XCTAssertEqual(try log.append(contentsOf: [sampleRecord("d", index: 3)]).count, 1)
        XCTAssertEqual(log.syncCount, 2, "append writes and fsyncs")
        XCTAssertEqual(log.completedIDs, ["a", "b", "c", "d"])
    }

    func testReadingWithoutHistoriesKeepsTheRecordsAndDropsOnlyTheirHistories() throws {
        let log = try ResultsLog.open(directory: directory, manifest: manifest())
        try log.append(contentsOf: [sampleRecord("a"), sampleRecord("b", index: 1, status: .diverged)])
        let full = try ResultsLog.read(path: logPath).records
        let light = try ResultsLog.read(path: logPath, histories: false).records
        XCTAssertEqual(full.map(\.history.count), [1, 1])
        XCTAssertEqual(light.map(\.history.count), [0, 0])
        XCTAssertEqual(light.map(\.trialID), full.map(\.trialID))
        XCTAssertEqual(light.map(\.status), full.map(\.status))
        XCTAssertEqual(light.map(\.testScore), full.map(\.testScore))
        XCTAssertEqual(try ResultsDirectory.records(directory: directory, histories: false).map(\.history.count), [0, 0])
        XCTAssertEqual(try ResultsDirectory.records(directory: directory, histories: true).map(\.history.count), [1, 1])
    }

    func testLogsLargerThanOneReadChunkReadWhole() throws {
        // ResultsLog reads 1 MiB at a time: lines that straddle chunk boundaries must come back whole.
        var records: [TrialRecord] = []
        var text = Data()
        for i in 0 ..< 400 {
            var record = sampleRecord("t\(i)", index: i, score: Double(i))
            record.history = (1 ... 40 + i % 37).map { TrialRecord.Epoch(epoch: $0, loss: 1 / Double($0 + i), seconds: 0.001) }
            records.append(record)
            text.append(try record.jsonLine())
            text.append(UInt8(ascii: "\n"))
        }
        XCTAssertGreaterThan(text.count, 1 << 20)
        try text.write(to: URL(fileURLWithPath: logPath))
        let read = try ResultsLog.read(path: logPath)
        XCTAssertEqual(read.records, records)
        XCTAssertFalse(read.tornTail)
    }

    func testTornLastLineIsCutBeforeAppending() throws {
        do {
            let log = try ResultsLog.open(directory: directory, manifest: manifest())
            try log.append(sampleRecord("a"))
        }
        let whole = try Data(contentsOf: URL(fileURLWithPath: logPath))
        // A process killed mid-write leaves half a line.
        let torn = try sampleRecord("b").jsonLine().prefix(40)
        try (whole + torn).write(to: URL(fileURLWithPath: logPath))
        let contents = try ResultsLog.read(path: logPath)
        XCTAssertTrue(contents.tornTail)
        XCTAssertEqual(contents.records.map(\.trialID), ["a"])

        let log = try ResultsLog.open(directory: directory, manifest: manifest())
        XCTAssertTrue(log.droppedTornLine)
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: logPath)), whole, "torn tail cut on open")
        try log.append(sampleRecord("b"))
        try log.close()
        XCTAssertEqual(try ResultsLog.read(path: logPath).records.map(\.trialID), ["a", "b"])
    }

    func testCompleteLastLineWithoutNewlineIsKept() throws {
        try (sampleRecord("a").jsonLine()).write(to: URL(fileURLWithPath: logPath))
        let log = try ResultsLog.open(directory: directory, manifest: manifest())
        XCTAssertFalse(log.droppedTornLine)
        try log.append(sampleRecord("b"))
        try log.close()
        let text = try String(contentsOfFile: logPath, encoding: .utf8)
        XCTAssertEqual(text.split(separator: "\n").count, 2)
        XCTAssertTrue(text.hasSuffix("}\n"))
    }

    func testDuplicateLinesAreIgnoredOnRead() throws {
        let line = try sampleRecord("a", score: 0.1).jsonLine()
        let later = try sampleRecord("a", score: 0.9).jsonLine()
        try (line + Data("\n".utf8) + later + Data("\n".utf8)).write(to: URL(fileURLWithPath: logPath))
        let contents = try ResultsLog.read(path: logPath)
        XCTAssertEqual(contents.records.count, 1)
        XCTAssertEqual(contents.records[0].testScore, 0.1, "the first record of a trial wins")
        XCTAssertEqual(contents.duplicates, 1)
    }

    func testALaterLineReplacesAFailedRecordButNotAFinishedOne() throws {
        let log = try ResultsLog.open(directory: directory, manifest: manifest())
        try log.append(sampleRecord("a", index: 0, status: .failed))
        try log.append(sampleRecord("b", index: 1))
        XCTAssertFalse(try log.append(sampleRecord("a", index: 0)), "a recorded id is not written twice")
        log.retry(["a"])
        XCTAssertFalse(log.contains("a"))
        XCTAssertTrue(try log.append(sampleRecord("a", index: 0, score: 0.25)))
        XCTAssertFalse(try log.append(sampleRecord("b", index: 1, status: .failed)))
        try log.close()
        // Another writer's stray line for a finished trial still does not replace it.
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: logPath))
        try handle.seekToEnd()
        try handle.write(contentsOf: sampleRecord("b", index: 1, score: 0.75).jsonLine() + Data([UInt8(ascii: "\n")]))
        try handle.close()
        let contents = try ResultsLog.read(path: logPath)
        XCTAssertEqual(contents.records.map(\.trialID), ["a", "b"])
        XCTAssertEqual(contents.records.map(\.status), [.ok, .ok])
        XCTAssertEqual(contents.records.map(\.testScore), [0.25, 0.5])
        XCTAssertEqual(contents.duplicates, 1)
    }

    func testCorruptLineInTheMiddleIsAnError() throws {
        let good = try sampleRecord("a").jsonLine()
        try (Data("{not json\n".utf8) + good + Data("\n".utf8)).write(to: URL(fileURLWithPath: logPath))
        XCTAssertThrowsError(try ResultsLog.read(path: logPath)) {
            XCTAssertEqual("\($0)", "\(self.logPath) line 1 is not a valid result record (undecodable JSON: "
                           + "at byte 1: expected a key in double quotes, found not); a crash can "
                           + "only leave a last line without its newline, so this is damage, not a torn write. Move the file aside or repair that line")
        }
    }

    /// Zero-filled blocks (or a file that is not a log) hold NUL bytes, which no JSON line does: refused at the first
    /// one, naming its line and the truncation that keeps the lines before it, even as the last line without a
    /// newline (which was taken for a torn write and cut off), and without reading on (a log that is `/dev/zero`).
    func testANULByteIsDamageAndTheRefusalSaysHowToKeepTheLinesBeforeIt() throws {
        let good = try sampleRecord("a").jsonLine() + Data("\n".utf8) + sampleRecord("b").jsonLine() + Data("\n".utf8)
        for tail in [Data(count: 5000), Data("{\"trial_id\":\"c\"\0".utf8), Data("{\"x\":1}\0\n".utf8)] {
            try (good + tail).write(to: URL(fileURLWithPath: logPath))
            XCTAssertThrowsError(try ResultsLog.read(path: logPath)) {
                XCTAssertTrue("\($0)".hasPrefix("\(self.logPath) line 3 is not a valid result record (a NUL byte at byte "),
                              "\($0)")
                XCTAssertTrue("\($0)".contains("which no JSON record holds: zero-filled blocks, or not a results log; the 2 "
                                              + "lines before it decoded, and `truncate -s \(good.count) \(self.logPath)` "
                                              + "keeps only them)"), "\($0)")
            }
            XCTAssertThrowsError(try ResultsLog.open(directory: directory, manifest: manifest()))
        }
        try FileManager.default.removeItem(atPath: logPath)
        try FileManager.default.createSymbolicLink(atPath: logPath, withDestinationPath: "/dev/zero")
        XCTAssertThrowsError(try ResultsLog.read(path: logPath)) {
            XCTAssertTrue("\($0)".hasPrefix("\(self.logPath) line 1 is not a valid result record (a NUL byte at byte 1 "
                                           + "of the line, which no JSON record holds: zero-filled blocks, or not a "
                                           + "results log); a crash"), "\($0)")
        }
    }

    /// A line that goes on past `maximumLineBytes` without a newline is refused once it does, not read to the end.
    func testALineLongerThanTheLimitIsRefusedWithoutReadingOn() throws {
        let good = try sampleRecord("a").jsonLine() + Data("\n".utf8)
        try (good + Data(repeating: UInt8(ascii: "x"), count: 3 << 20)).write(to: URL(fileURLWithPath: logPath))
        XCTAssertEqual(try ResultsLog.scan(path: logPath, histories: true).records.count, 1, "a torn tail under the limit")
        XCTAssertThrowsError(try ResultsLog.scan(path: logPath, histories: true, maximumLineBytes: 1 << 20)) {
            XCTAssertTrue("\($0)".hasPrefix("\(self.logPath) line 2 is not a valid result record (over 1 MiB without a "
                                           + "newline, far longer than any record (about 70 bytes an epoch); the line "
                                           + "before it decoded, and `truncate -s \(good.count) \(self.logPath)` keeps "
                                           + "only it)"), "\($0)")
        }
    }

    /// The small JSON files of a directory are read whole only up to `ResultsDirectory.smallFileLimit`: a manifest
    /// that is `/dev/zero` is refused as damaged instead of filling memory; the optional ones read as absent.
    func testSmallFilesAreReadOnlyUpToTheirLimit() throws {
        let manifestPath = (directory as NSString).appendingPathComponent("manifest.json")
        try FileManager.default.createSymbolicLink(atPath: manifestPath, withDestinationPath: "/dev/zero")
        XCTAssertThrowsError(try ResultsLog.readManifest(directory: directory)) {
            XCTAssertEqual("\($0)", "\(manifestPath): it holds more than 128 MB, and a manifest takes a few KB (the grid "
                           + "and the data's description): it is damaged, or not the file AEGrid wrote")
        }
        for name in ["sessions.json", "pca_baseline.json", "warnings.json"] {
            try FileManager.default.createSymbolicLink(atPath: (directory as NSString).appendingPathComponent(name),
                                                       withDestinationPath: "/dev/zero")
        }
        XCTAssertNil(ResultsDirectory.smallFile((directory as NSString).appendingPathComponent("sessions.json")))
        XCTAssertEqual(SearchSessions.read(directory: directory).count, 0)
        XCTAssertNil(ResultsDirectory.baseline(directory: directory))
        XCTAssertEqual(SearchWarnings.read(directory: directory), [])
    }

    func testSecondWriterIsRefusedWithThePid() throws {
        let first = try ResultsLog.open(directory: directory, manifest: manifest())
        // flock belongs to the open file description: a second open in this process is refused like another process.
        XCTAssertThrowsError(try ResultsLog.open(directory: directory, manifest: manifest())) {
            XCTAssertEqual("\($0)", "another aegrid process (pid \(getpid()) on host \(WriterClaim.hostName())) is writing to \(self.directory) "
                           + "(lock \(self.directory)/.lock); wait for it to finish, stop it, or use another --out directory")
        }
        try first.close()
        XCTAssertNoThrow(try ResultsLog.open(directory: directory, manifest: manifest()).close())
    }

    func testShardsHaveTheirOwnFilesAndLocks() throws {
        var sharded = try manifest()
        sharded.shards = 3
        let zero = try ResultsLog.open(directory: directory, manifest: sharded, shard: ShardID(index: 0, count: 3))
        let one = try ResultsLog.open(directory: directory, manifest: sharded, shard: ShardID(index: 1, count: 3))
        try zero.append(sampleRecord("a"))
        try one.append(sampleRecord("b"))
        XCTAssertEqual(zero.path, directory + "/results.shard-0-of-3.jsonl")
        XCTAssertThrowsError(try ResultsLog.open(directory: directory, manifest: sharded, shard: ShardID(index: 1, count: 3)))
        XCTAssertThrowsError(try ResultsLog.open(directory: directory, manifest: sharded, shard: ShardID(index: 0, count: 4))) {
            XCTAssertEqual("\($0)", "\(self.directory) cannot be resumed by this run: this directory holds a search split into 3 shards; "
                           + "this run uses 4 shards; use the same shard count (or none) as before, or a new --out directory")
        }
        XCTAssertThrowsError(try ResultsLog.open(directory: directory, manifest: sharded)) {
            XCTAssertTrue("\($0)".contains("this directory holds a search split into 3 shards; this run is unsharded"), "\($0)")
        }
    }

    /// `aegrid status` and `merge` visit every shard a manifest records: a count outside 1…`ShardID.maximumCount`
    /// is refused when the manifest is read, so a 300-byte file cannot ask for 2⁶³ − 1 of them.
    func testManifestShardCountOutsideTheLimitIsRefusedWhenRead() throws {
        var sharded = try manifest()
        for count in [1, ShardID.maximumCount] {
            sharded.shards = count
            XCTAssertEqual(try ResultsManifest.decode(JSONCoding.encoder().encode(sharded), path: "m.json").shards, count)
        }
        for count in [0, -1, ShardID.maximumCount + 1, Int.max] {
            sharded.shards = count
            XCTAssertThrowsError(try ResultsManifest.decode(JSONCoding.encoder().encode(sharded), path: "m.json")) {
                XCTAssertEqual("\($0)", "m.json: not a valid AEGrid manifest (\"shards\": \(count) is outside "
                               + "1…\(ShardID.maximumCount))")
            }
        }
    }

    func testManifestMismatchSaysWhatDiffersAndHowToFix() throws {
        try ResultsLog.open(directory: directory, manifest: manifest()).close()
        let fix = "use a new --out directory, or rerun with the same inputs to resume"
        let otherGrid = try manifest(grid: "latent_dim: [1, 2]\nepochs: [5]")
        let original = try manifest()
        XCTAssertThrowsError(try ResultsLog.open(directory: directory, manifest: otherGrid)) {
            XCTAssertEqual("\($0)", "\(self.directory) cannot be resumed by this run: the grid differs from the one this "
                           + "directory was made with (3 points, fingerprint \(original.gridFingerprint); this run: 2 points, "
                           + "fingerprint \(otherGrid.gridFingerprint)); \(fix)")
        }
        XCTAssertThrowsError(try ResultsLog.open(directory: directory, manifest: manifest(data: "d2"))) {
            XCTAssertEqual("\($0)", "\(self.directory) cannot be resumed by this run: the data differs from the data this "
                           + "directory was made with (train.csv 100×10, fingerprint d1; this run: train.csv 100×10, "
                           + "fingerprint d2); \(fix)")
        }
        XCTAssertThrowsError(try ResultsLog.open(directory: directory, manifest: manifest(settings: ["seed": "7", "test_fraction": "0.2"]))) {
            XCTAssertEqual("\($0)", "\(self.directory) cannot be resumed by this run: setting 'seed' differs: this directory "
                           + "was made with 42, this run has 7; \(fix)")
        }
        // The same inputs resume; a moved data file (description only) is fine.
        var moved = try manifest()
        moved.dataDescription = "elsewhere/train.csv"
        XCTAssertNoThrow(try ResultsLog.open(directory: directory, manifest: moved).close())
    }

    func testFullDiskIsAClearErrorAndEarlierLinesStayIntact() throws {
        let fd = open("/dev/full", O_WRONLY)
        try XCTSkipIf(fd < 0, "/dev/full is not available")
        defer { close(fd) }
        XCTAssertThrowsError(try ResultsError.reporting { try DurableFile.writeAll(fd, Array("x\n".utf8), at: 0, path: "/dev/full") }) {
            XCTAssertEqual("\($0)", "cannot write to /dev/full: No space left on device; the results written before are "
                           + "intact, free space and rerun the same command to resume")
        }
    }

    /// A new directory costs four fsyncs, in two rounds (its parent's, the claim's and the manifest's bytes side by
    /// side, then one of the directory for the manifest's name and the log's), where it took five one after the
    /// other; reopening it costs only the claim's. Either way both names are there when `open` returns.
    func testOpeningANewDirectoryFsyncsItsEntriesOnce() throws {
        let nested = directory + "/new"
        var before = DurableFile.syncCount
        try ResultsLog.open(directory: nested, manifest: manifest()).close()
        XCTAssertEqual(DurableFile.syncCount - before, 4, "parent, claim, manifest bytes, the directory once")
        XCTAssertNotNil(try ResultsLog.readManifest(directory: nested))
        XCTAssertTrue(FileManager.default.fileExists(atPath: nested + "/results.jsonl"))
        before = DurableFile.syncCount
        try ResultsLog.open(directory: nested, manifest: manifest()).close()
        XCTAssertEqual(DurableFile.syncCount - before, 1, "only the claim")
        // A mismatching manifest is still refused, and the lock released (a second open succeeds).
        XCTAssertThrowsError(try ResultsLog.open(directory: nested, manifest: manifest(data: "d2")))
        XCTAssertNoThrow(try ResultsLog.open(directory: nested, manifest: manifest()).close())
    }

    func testDirectoryIsCreatedAndAFileInItsPlaceIsRefused() throws {
        let nested = directory + "/a/b"
        try ResultsLog.open(directory: nested, manifest: manifest()).close()
        XCTAssertTrue(FileManager.default.fileExists(atPath: nested + "/manifest.json"))
        let file = directory + "/plain"
        _ = FileManager.default.createFile(atPath: file, contents: Data())
        XCTAssertThrowsError(try ResultsLog.open(directory: file, manifest: manifest())) {
            XCTAssertEqual("\($0)", "\(file): exists and is not a directory")
        }
    }
}
