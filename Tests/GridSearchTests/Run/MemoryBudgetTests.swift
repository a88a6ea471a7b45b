import Foundation
import XCTest
@testable import GridSearch
import TestSupport

final class MemoryBudgetTests: XCTestCase {
    func testSizes() {
        XCTAssertEqual(MemoryBudget.parseSize("512M"), 512 << 20)
        XCTAssertEqual(MemoryBudget.parseSize("8G"), 8 << 30)
        XCTAssertEqual(MemoryBudget.parseSize("1.5GiB"), 3 << 29)
        XCTAssertEqual(MemoryBudget.parseSize("2000000000"), 2_000_000_000)
        XCTAssertEqual(MemoryBudget.parseSize("64kb"), 64 << 10)
        for bad in ["", "lots", "-1G", "0", "1X", "1e30", "99999999T"] {
            XCTAssertNil(MemoryBudget.parseSize(bad), bad)
        }
        XCTAssertEqual(MemoryBudget.sizeRefusal("lots"), "--max-memory must be a size such as 8G, 512M or 2000000000 (got 'lots')")
        XCTAssertEqual(MemoryBudget.sizeRefusal("99999999T"), "--max-memory 99999999T is more than a 64-bit byte count "
                       + "holds (8 EiB); give a smaller size, or leave --max-memory out for the default (3/4 of the memory limit)")
        XCTAssertEqual(MemoryBudget.format(1536 << 20), "1.5 GB")
        XCTAssertEqual(MemoryBudget.format(800), "800 bytes")
    }

    func testTheCgroupLimitWinsOverPhysicalMemory() throws {
        let root = makeTemporaryDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        func file(_ path: String, _ text: String) throws {
            let full = root + path
            try FileManager.default.createDirectory(atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try text.write(toFile: full, atomically: true, encoding: .utf8)
        }
        // cgroup v2: the tightest limit along the path counts; "max" is none.
        try file("/proc-v2", "0::/kubepods/pod1/c1\n")
        try file("/cg/kubepods/memory.max", "max\n")
        try file("/cg/kubepods/pod1/memory.max", "4294967296\n")
        try file("/cg/kubepods/pod1/c1/memory.max", "max\n")
        let v2 = MemoryBudget.detect(cgroupRoot: root + "/cg", procSelfCgroup: root + "/proc-v2", physicalMemory: 64 << 30)
        XCTAssertEqual(v2, MemoryBudget(bytes: 3 << 30, origin: "3/4 of the cgroup memory limit of 4.0 GB"))
        // cgroup v1 (Slurm's task/cgroup plugin): memory.limit_in_bytes; the "unlimited" value is ignored.
        try file("/proc-v1", "12:cpu,cpuacct:/slurm\n4:memory:/slurm/uid_0/job_7\n")
        try file("/cg/memory/slurm/uid_0/job_7/memory.limit_in_bytes", "2147483648\n")
        try file("/cg/memory/memory.limit_in_bytes", "9223372036854771712\n")
        let v1 = MemoryBudget.detect(cgroupRoot: root + "/cg", procSelfCgroup: root + "/proc-v1", physicalMemory: 64 << 30)
        XCTAssertEqual(v1.bytes, 3 << 29)
        let none = MemoryBudget.detect(cgroupRoot: root + "/none", procSelfCgroup: root + "/missing", physicalMemory: 16 << 30)
        XCTAssertEqual(none, MemoryBudget(bytes: 12 << 30, origin: "3/4 of the 16.0 GB of physical memory"))
    }
}
