import XCTest
@testable import GridSearch
import TestSupport
import SearchSpace

/// The lock file's writer claim: what protects a results log where `flock` does not reach across machines. Another
/// host's writer is simulated by writing its claim into the lock file, as it would over a shared file system.
final class WriterClaimTests: XCTestCase {
    var directory = ""
    /// Heartbeat for these tests: 50 ms, so a foreign claim is watched for 150 ms.
    let heartbeat = 0.05

    override func setUp() {
        directory = makeTemporaryDirectory(name)
        setenv("AEGRID_CLAIM_HEARTBEAT", "\(heartbeat)", 1)
    }

    override func tearDown() {
        unsetenv("AEGRID_CLAIM_HEARTBEAT")
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func manifest() throws -> ResultsManifest {
        ResultsManifest(grid: try ParameterGrid.parse("latent_dim: [1, 2, 3]", source: "g.yaml"), dataFingerprint: "d",
                        dataShape: [100, 10], dataDescription: "train.csv", settings: ["seed": "42"])
    }

    private var lockPath: String { directory + "/.lock" }

    private func writeClaim(_ claim: WriterClaim) {
        FileManager.default.createFile(atPath: lockPath, contents: Data(claim.line.utf8))
    }

    private func foreignClaim(beat: Int = 7) -> WriterClaim {
        WriterClaim(host: "node-17", pid: 4242, token: "00c0ffee00c0ffee", beat: beat)
    }

    func testClaimLineRoundTripsAndOldPidOnlyFilesStillName() {
        let claim = foreignClaim(beat: 123)
        XCTAssertEqual(claim.line, "aegrid-writer host=node-17 pid=4242 token=00c0ffee00c0ffee beat=000000000123\n")
        XCTAssertEqual(WriterClaim(parsing: claim.line), claim)
        XCTAssertNil(WriterClaim(parsing: ""))
        XCTAssertNil(WriterClaim(parsing: "4242\n"))
        XCTAssertNil(WriterClaim(parsing: "aegrid-writer host=a pid=x token=t beat=1"))
        FileManager.default.createFile(atPath: lockPath, contents: Data("4242\n".utf8))
        XCTAssertEqual(FileLock.holderDescription(path: lockPath), "pid 4242")
    }

    func testAWriterClaimsBeatsAndReleasesItsLockFile() throws {
        let log = try ResultsLog.open(directory: directory, manifest: manifest())
        let first = try XCTUnwrap(WriterClaim.read(path: lockPath))
        XCTAssertEqual(first.pid, getpid())
        XCTAssertEqual(first.host, WriterClaim.hostName())
        XCTAssertEqual(first.beat, 0)
        // Wait for a beat (a loaded machine may run the timer late; 5 s is far beyond any).
        let deadline = Date().addingTimeInterval(5)
        while WriterClaim.read(path: lockPath)?.beat == 0, Date() < deadline { Thread.sleep(forTimeInterval: heartbeat) }
        let later = try XCTUnwrap(WriterClaim.read(path: lockPath))
        XCTAssertTrue(later.isSameWriter(as: first))
        XCTAssertGreaterThan(later.beat, 0, "the heartbeat should have moved the beat")
        try log.close()
        XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: lockPath)).count, 0, "a released claim is emptied")
    }

    func testALiveWriterOnAnotherHostIsRefused() throws {
        // A window of 1.5 s: the beating thread below gets scheduled within it even on a loaded machine.
        setenv("AEGRID_CLAIM_HEARTBEAT", "0.5", 1)
        writeClaim(foreignClaim())
        // The other host's writer keeps beating while this one watches.
        let stop = Locked(false)
        // In place, as a writer's heartbeat does (pwrite of a same-length line): the file is never empty between
        // beats. `Data.write` would truncate first, and a read in that moment sees no claim at all.
        let beater = Thread { [lockPath, heartbeat, claim = foreignClaim()] in
            var claim = claim
            guard let handle = FileHandle(forWritingAtPath: lockPath) else { return }
            while !stop.value {
                claim.beat += 1
                try? handle.seek(toOffset: 0)
                try? handle.write(contentsOf: Data(claim.line.utf8))
                Thread.sleep(forTimeInterval: heartbeat / 2)
            }
            try? handle.close()
        }
        beater.start()
        defer { stop.withLock { $0 = true } }
        let notices = Locked<[String]>([])
        XCTAssertThrowsError(try ResultsLog.open(directory: directory, manifest: manifest(),
                                                 notice: { message in notices.withLock { $0.append(message) } })) {
            XCTAssertEqual("\($0)", "aegrid pid 4242 on host node-17 is still writing to \(self.directory): its claim in "
                           + "\(self.lockPath) kept beating for the 1.5 s this run watched it. This file system's locks "
                           + "may not reach across machines, so two writers would mix their results; wait for that one "
                           + "to finish, stop it, or use another --out directory")
        }
        XCTAssertEqual(notices.value, [
            "\(lockPath) is claimed by aegrid pid 4242 on host node-17, and a lock taken here may not reach that host; "
            + "waiting up to 1.5 s to see whether that writer is still alive"])
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/results.jsonl"), "nothing was written")
    }

    func testAStaleClaimFromAnotherHostIsTakenOverAfterWatchingIt() throws {
        writeClaim(foreignClaim())
        let log = try ResultsLog.open(directory: directory, manifest: manifest())
        let claim = try XCTUnwrap(WriterClaim.read(path: lockPath))
        XCTAssertEqual(claim.pid, getpid())
        try log.append(sampleRecord("a"))
        try log.close()
    }

    func testAClaimFromThisHostIsTakenOverAtOnceOnceTheLockIsFree() throws {
        // A killed writer on this machine: the kernel dropped its flock, its claim text stayed.
        writeClaim(WriterClaim(host: WriterClaim.hostName(), pid: 999_999, token: "dead", beat: 3))
        let notices = Locked<[String]>([])
        let log = try ResultsLog.open(directory: directory, manifest: manifest(),
                                      notice: { message in notices.withLock { $0.append(message) } })
        XCTAssertEqual(notices.value, [])
        try log.close()
    }

    func testAWriterWhoseClaimIsReplacedStopsAndKeepsWhatItWrote() throws {
        let log = try ResultsLog.open(directory: directory, manifest: manifest())
        try log.append(sampleRecord("a", index: 0))
        // A writer on another node, whose flock this one cannot see, claims the file.
        writeClaim(foreignClaim())
        try log.write(contentsOf: [sampleRecord("b", index: 1)])
        XCTAssertThrowsError(try log.sync()) {
            XCTAssertEqual("\($0)", "stopped writing \(self.directory)/results.jsonl: aegrid pid 4242 on host node-17 has "
                           + "claimed \(self.lockPath) since this run started (a second writer, on a file system whose "
                           + "locks do not reach across machines). The results written before are intact; let one writer "
                           + "run, then rerun the same command to resume")
        }
        // The heartbeat notices too, and further writes are refused without reading the file again.
        XCTAssertThrowsError(try log.write(contentsOf: [sampleRecord("c", index: 2)]))
        try log.close()
        XCTAssertEqual(WriterClaim.read(path: lockPath), foreignClaim(), "the other writer's claim is left alone")
        XCTAssertEqual(try ResultsLog.read(path: directory + "/results.jsonl").records.map(\.trialID), ["a", "b"])
    }

    func testAWriterWhoseFileGrewUnderItStopsBeforeWriting() throws {
        let log = try ResultsLog.open(directory: directory, manifest: manifest())
        try log.append(sampleRecord("a", index: 0))
        // Another node appends a line of its own to the same file.
        let other = try FileHandle(forWritingTo: URL(fileURLWithPath: directory + "/results.jsonl"))
        try other.seekToEnd()
        try other.write(contentsOf: sampleRecord("z", index: 2).jsonLine() + Data([UInt8(ascii: "\n")]))
        try other.close()
        XCTAssertThrowsError(try log.append(sampleRecord("b", index: 1))) {
            XCTAssertTrue("\($0)".hasPrefix("stopped writing \(self.directory)/results.jsonl: aegrid another process "
                                            + "(the file is "), "\($0)")
        }
        try log.close()
        XCTAssertEqual(try ResultsLog.read(path: directory + "/results.jsonl").records.map(\.trialID), ["a", "z"])
    }
}
