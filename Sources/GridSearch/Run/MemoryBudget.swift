import Foundation
import DataFiles
import SearchSpace

/// How much memory a search's trials may use together, and where that figure comes from.
///
/// The default is three quarters of the memory this process may use: the cgroup limit when there is one (v2
/// `memory.max`, or v1 `memory.limit_in_bytes`: pods and Slurm tasks have one) and physical memory otherwise. The
/// other quarter is left for the data, the runtime and whatever else runs beside `aegrid`. `--max-memory` sets it.
public struct MemoryBudget: Sendable, Equatable, CustomStringConvertible {
    /// The budget in bytes.
    public var bytes: Int
    /// Where the figure came from, for messages: "--max-memory 4G", "3/4 of the cgroup limit of 8.0 GB", …
    public var origin: String

    public init(bytes: Int, origin: String) {
        self.bytes = bytes
        self.origin = origin
    }

    /// `4.0 GB (--max-memory 4G)`.
    public var description: String { "\(Self.format(bytes)) (\(origin))" }

    /// The share of the limit (or of physical memory) the default budget takes.
    public static let defaultShare = (numerator: 3, denominator: 4)

    /// The default budget: `defaultShare` of the cgroup limit, or of physical memory when there is no limit.
    public static func detect(cgroupRoot: String = "/sys/fs/cgroup", procSelfCgroup: String = "/proc/self/cgroup",
                              physicalMemory: Int = Int(clamping: ProcessInfo.processInfo.physicalMemory)) -> MemoryBudget {
        let share = { (bytes: Int) in bytes / defaultShare.denominator * defaultShare.numerator }
        if let limit = cgroupLimit(root: cgroupRoot, procSelfCgroup: procSelfCgroup), limit < physicalMemory {
            return MemoryBudget(bytes: share(limit), origin: "3/4 of the cgroup memory limit of \(format(limit))")
        }
        return MemoryBudget(bytes: share(physicalMemory), origin: "3/4 of the \(format(physicalMemory)) of physical memory")
    }

    /// A `--max-memory` value: bytes, or a number with a unit K, M, G, T (powers of 1024; `KB`, `KiB`, … alike),
    /// e.g. `512M`, `1.5G`, `2000000000`. Nil for anything else, zero, or a size past `Int`'s range.
    public static func parseSize(_ text: String) -> Int? {
        guard let bytes = sizeInBytes(text), bytes >= 1, bytes < 9.2e18 else { return nil }
        return Int(bytes)
    }

    /// The usage error for a `--max-memory` value `parseSize` refused: what a size looks like, or, for one too
    /// large to count, that.
    public static func sizeRefusal(_ text: String) -> String {
        if let bytes = sizeInBytes(text), bytes >= 9.2e18 {
            return "--max-memory \(text) is more than a 64-bit byte count holds (8 EiB); give a smaller size, or leave "
                + "--max-memory out for the default (3/4 of the memory limit)"
        }
        return "--max-memory must be a size such as 8G, 512M or 2000000000 (got '\(text)')"
    }

    /// A size as written, in bytes (any magnitude), or nil when it is not a positive number with a known unit.
    private static func sizeInBytes(_ text: String) -> Double? {
        let trimmed = text.trimmingCharacters(in: .whitespaces).uppercased()
        let number = trimmed.prefix { $0.isNumber || $0 == "." }
        var unit = trimmed.dropFirst(number.count).trimmingCharacters(in: .whitespaces)
        for suffix in ["IB", "B"] where unit.hasSuffix(suffix) && unit.count > suffix.count - 1 {
            unit.removeLast(suffix.count)
            break
        }
        let exponents = ["": 0, "K": 1, "M": 2, "G": 3, "T": 4]
        guard let value = Double(number), value > 0, let exponent = exponents[unit] else { return nil }
        return value * pow(1024, Double(exponent))
    }

    /// `1.5 GB`, `512.0 MB`, `800 bytes` (powers of 1024, as `parseSize` reads them).
    public static func format(_ bytes: Int) -> String { ByteCount.format(bytes) }

    /// The memory limit of this process's cgroup (the smallest along its path), or nil when there is none.
    static func cgroupLimit(root: String, procSelfCgroup: String) -> Int? {
        guard let membership = smallFile(procSelfCgroup) else { return nil }
        var limits: [Int] = []
        for line in membership.split(separator: "\n") {
            let fields = line.split(separator: ":", maxSplits: 2, omittingEmptySubsequences: false)
            guard fields.count == 3 else { continue }
            let path = String(fields[2])
            if fields[0] == "0" && fields[1].isEmpty {
                // cgroup v2: memory.max of the group and of every ancestor ("max" means none).
                limits += ancestors(of: path).compactMap { readLimit(root + $0 + "/memory.max") }
            } else if fields[1].split(separator: ",").contains("memory") {
                // cgroup v1: an unlimited group reports a huge number (PAGE_COUNTER_MAX pages).
                limits += ancestors(of: path).compactMap { readLimit(root + "/memory" + $0 + "/memory.limit_in_bytes") }
            }
        }
        return limits.filter { $0 > 0 && $0 < 1 << 60 }.min()
    }

    private static func ancestors(of path: String) -> [String] {
        var result: [String] = []
        var components = path.split(separator: "/").map(String.init)
        while true {
            result.append(components.isEmpty ? "" : "/" + components.joined(separator: "/"))
            if components.isEmpty { return result }
            components.removeLast()
        }
    }

    private static func readLimit(_ path: String) -> Int? {
        smallFile(path).flatMap { Int(trimmingWhitespace($0)) }
    }

    /// A small text file (a cgroup or proc file), or nil when it cannot be read. Through `FileManager.contents`
    /// rather than `String(contentsOfFile:)`, whose first use costs every process a fraction of a millisecond.
    private static func smallFile(_ path: String) -> String? {
        FileManager.default.contents(atPath: path).map { String(decoding: $0, as: UTF8.self) }
    }
}
