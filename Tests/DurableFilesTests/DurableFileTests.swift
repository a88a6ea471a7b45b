import Foundation
import XCTest
@testable import DurableFiles
import TestSupport

/// `DurableFile`'s contracts: whole-file replacement leaves no temporary file, exclusive creation has one winner,
/// and failures name the file and the system's reason.
final class DurableFileTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "aegrid-durable-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }

    func testReplaceWritesTheWholeFileAndLeavesNoTemporary() throws {
        let path = directory + "/report.csv"
        try DurableFile.replace(path, with: "first\n")
        try DurableFile.replace(path, with: "second, longer\n")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "second, longer\n")
        XCTAssertEqual(try entries(), ["report.csv"])
    }

    /// What each guarantee costs in fsyncs: `.durable` two (the bytes, then the directory), `.atomic` none; both
    /// replace the whole file and leave no temporary file behind.
    func testReplaceFsyncsOnlyWhenDurable() throws {
        let path = directory + "/leaderboard.txt"
        var before = DurableFile.syncCount
        try DurableFile.replace(path, with: "durable\n")
        XCTAssertEqual(DurableFile.syncCount - before, 2, "the temporary file, then the directory")
        before = DurableFile.syncCount
        try DurableFile.replace(path, with: "atomic, and longer\n", guarantee: .atomic)
        XCTAssertEqual(DurableFile.syncCount - before, 0, "an atomic replacement fsyncs nothing")
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "atomic, and longer\n")
        XCTAssertEqual(try entries(), ["leaderboard.txt"])
    }

    /// `create` always fsyncs the bytes before the name exists; `.deferred` leaves the directory's fsync to the
    /// caller, so two names can share one.
    func testCreateCanLeaveTheDirectorysFsyncToTheCaller() throws {
        var before = DurableFile.syncCount
        XCTAssertTrue(try DurableFile.create(directory + "/a.json", with: Array("a\n".utf8)))
        XCTAssertEqual(DurableFile.syncCount - before, 2)
        before = DurableFile.syncCount
        XCTAssertTrue(try DurableFile.create(directory + "/b.json", with: Array("b\n".utf8), directorySync: .deferred))
        XCTAssertEqual(DurableFile.syncCount - before, 1, "only the bytes")
        XCTAssertEqual(try String(contentsOfFile: directory + "/b.json", encoding: .utf8), "b\n")
        XCTAssertEqual(try entries(), ["a.json", "b.json"])
    }

    func testCreateHasExactlyOneWinnerAmongConcurrentCreators() throws {
        let path = directory + "/manifest.json"
        let wins = Locked(0)
        DispatchQueue.concurrentPerform(iterations: 16) { i in
            if (try? DurableFile.create(path, with: Array("writer \(i)\n".utf8))) == true { wins.withLock { $0 += 1 } }
        }
        XCTAssertEqual(wins.value, 1)
        XCTAssertTrue(try String(contentsOfFile: path, encoding: .utf8).hasPrefix("writer "))
        XCTAssertEqual(try entries(), ["manifest.json"], "no temporary file may be left behind")
        XCTAssertFalse(try DurableFile.create(path, with: Array("late\n".utf8)))
    }

    func testTemporaryNamesAreUniqueWithinOneProcess() throws {
        // Names come from random bits, not the pid (every Kubernetes pod is pid 1).
        let a = try DurableFile.writeTemporary(beside: directory + "/x", bytes: [1], mode: 0o644)
        let b = try DurableFile.writeTemporary(beside: directory + "/x", bytes: [2], mode: 0o644)
        XCTAssertNotEqual(a, b)
        XCTAssertFalse(a.contains("\(getpid())"))
        XCTAssertTrue(a.hasPrefix(directory + "/.x.tmp-"))
    }

    func testFailuresNameTheFileAndTheReason() throws {
        let missing = directory + "/no/such/dir/file.json"
        XCTAssertThrowsError(try DurableFile.replace(missing, with: "x")) { error in
            let failure = error as? DurableFileError
            XCTAssertEqual(failure?.operation, .createTemporary)
            XCTAssertEqual(failure?.path, missing)
            XCTAssertEqual("\(error)", "cannot create a temporary file for \(missing): No such file or directory")
        }
        XCTAssertThrowsError(try DurableFile.open(missing, O_RDONLY)) { error in
            XCTAssertEqual("\(error)", "cannot open \(missing): No such file or directory")
        }
    }

    func testAFullDiskIsReportedAsAWriteFailure() throws {
        guard FileManager.default.isWritableFile(atPath: "/dev/full") else { throw XCTSkip("no /dev/full") }
        let fd = try DurableFile.open("/dev/full", O_WRONLY)
        defer { try? DurableFile.close(fd, path: "/dev/full") }
        XCTAssertThrowsError(try DurableFile.writeAll(fd, [UInt8](repeating: 7, count: 100), path: "/dev/full")) { error in
            XCTAssertEqual(error as? DurableFileError, DurableFileError(path: "/dev/full", operation: .write, code: ENOSPC))
            XCTAssertTrue((error as? DurableFileError)?.isWriteFailure == true)
        }
    }

    func testDescriptorsAreClosedOnExec() throws {
        let fd = try DurableFile.open(directory, O_RDONLY | O_DIRECTORY)
        defer { try? DurableFile.close(fd, path: directory) }
        XCTAssertNotEqual(fcntl(fd, F_GETFD) & FD_CLOEXEC, 0)
    }

    func testDirectoryOfAPath() {
        XCTAssertEqual(DurableFile.directory(of: "a/b/c.json"), "a/b")
        XCTAssertEqual(DurableFile.directory(of: "c.json"), ".")
        XCTAssertEqual(DurableFile.directory(of: "/c.json"), "/")
    }
}
