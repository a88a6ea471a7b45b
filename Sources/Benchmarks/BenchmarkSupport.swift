import Foundation
import LinearAlgebra
import NeuralNet
import Synchronization

// MARK: Records and reports

/// One measured figure. `backend` and `threads` say what ran (for GEMM: `blas`, `swift`, `naive` and the BLAS
/// thread count; for end-to-end sections whatever the section varies, e.g. the build default and `--jobs`).
struct BenchmarkRecord: Codable, Equatable {
    var section: String
    var name: String
    var backend: String
    var threads: Int
    var metric: String
    var value: Double
    var unit: String
}

/// What was measured on: enough to tell two JSON files apart and to judge whether they are comparable.
struct BuildInfo: Codable, Equatable {
    /// "BLAS" or "fallback".
    var label: String
    var blasTrait: Bool
    /// The GEMM backend the build uses when none is named.
    var defaultBackend: String
    var codeGeneration: String
    var blasLibrary: String
    var cpuModel: String
    var cores: Int
    var date: String

    static func current() -> BuildInfo {
        let blas = GEMMBackend.available.contains(.blas)
        #if AEGRID_X86_64_V3
        let base = "-march=x86-64-v3 (AVX2 + FMA)"
        #else
        let base = "portable (AEGRID_PORTABLE=1 or not x86-64): no AVX2/FMA code generation"
        #endif
        // The Swift kernel's AVX-512 tiles are chosen at run time (`GEMMBlocking.usesWideTiles`).
        let wideTiles = "; Swift GEMM with AVX-512 6×32 and 8×32 tiles"
        let codegen = base + (GEMMBlocking.default.usesWideTiles ? wideTiles : "")
        return BuildInfo(
            label: blas ? "BLAS" : "fallback", blasTrait: blas,
            defaultBackend: GEMMBackend.buildDefault.rawValue, codeGeneration: codegen,
            blasLibrary: BLASThreads.libraryDescription, cpuModel: cpuModel(),
            cores: ProcessInfo.processInfo.activeProcessorCount,
            date: ISO8601DateFormatter().string(from: Date()))
    }

    /// Whether `other` describes the same build on the same machine (only the date may differ): what may share a
    /// report.
    func sameBuild(as other: BuildInfo) -> Bool {
        var other = other
        other.date = date
        return self == other
    }

    /// The CPU's model name with its family and model numbers (`AMD EPYC (family 23, model 1)`): virtual machines
    /// often report only a brand, and figures from a Zen 1 and a Zen 3 host, both "AMD EPYC", differ two- to threefold.
    private static func cpuModel() -> String {
        guard let text = try? String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8) else { return "unknown" }
        var fields: [String: String] = [:]  // the first processor's value of each key
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            let key = line[..<colon].trimmingCharacters(in: .whitespaces)
            if fields[key] == nil { fields[key] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces) }
        }
        let name = fields["model name"] ?? "unknown"
        guard let family = fields["cpu family"], let model = fields["model"] else { return name }
        return "\(name) (family \(family), model \(model))"
    }
}

/// The JSON file `aegrid-bench --json PATH` writes and `aegrid-bench compare` reads.
struct BenchmarkReport: Codable {
    var build: BuildInfo
    var records: [BenchmarkRecord]

    func write(to path: String) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try encoder.encode(self).write(to: url)
    }

    static func read(from path: String) throws -> BenchmarkReport {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path)) } catch {
            throw BenchmarkError("cannot read \(path): \(error.localizedDescription)")
        }
        do { return try JSONDecoder().decode(BenchmarkReport.self, from: data) } catch {
            throw BenchmarkError("\(path) is not an aegrid-bench JSON report (\(error))")
        }
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

// MARK: Sections

/// A named group of benchmarks. To add one: a file defining `extension BenchmarkSection { static let x = … }`
/// and one line in `BenchmarkSection.all` (Sections.swift).
struct BenchmarkSection: Sendable {
    var name: String
    /// One line for `aegrid-bench --help`.
    var summary: String
    var run: @Sendable (inout BenchmarkContext) throws -> Void
}

/// What a running section measures with and records into.
struct BenchmarkContext {
    /// Fewer repeats and shorter samples (`--quick`), for a smoke run.
    var quick: Bool
    private(set) var records: [BenchmarkRecord] = []

    init(quick: Bool) { self.quick = quick }

    /// Repeats per measurement (`--repeats N` overrides); the reported figure is their median.
    var repeats: Int { repeatsOverride ?? (quick ? 3 : 7) }
    var repeatsOverride: Int?
    /// True under `--clock thread`: only single-threaded variants can be timed.
    var singleThreadOnly: Bool { Stopwatch.useThreadClock }
    /// Minimum length of one timed sample; short operations are looped until a sample lasts this long.
    var sampleSeconds: Double { quick ? 0.003 : 0.02 }

    mutating func record(_ record: BenchmarkRecord) {
        records.append(record)
    }

    /// Median seconds per call of `body`. `body` runs once untimed (warm-up: caches, lazily grown workspaces),
    /// then `repeats` samples of `iterations` back-to-back calls each, where `iterations` makes a sample last at
    /// least `sampleSeconds`. Set-up belongs outside `body`: only `body` is inside the timed region.
    func secondsPerCall(_ body: @escaping () -> Void) -> Double {
        secondsPerCall(interleaving: [TimedOperation(body)])[0]
    }

    /// Median seconds per call of each body, measured as `secondsPerCall` does but with the samples of the bodies
    /// interleaved (a sample of each, then the next round), so that load from other processes on a shared machine
    /// falls on all of them alike and their ratios stay meaningful.
    func secondsPerCall(interleaving operations: [TimedOperation]) -> [Double] {
        let iterations = operations.map { operation -> Int in
            operation.prepare()
            operation.body()
            let once = Stopwatch.time(operation.body)
            return max(1, Int((sampleSeconds / max(once, 1e-9)).rounded(.up)))
        }
        var samples = Array(repeating: [Double](), count: operations.count)
        for _ in 0 ..< repeats {
            for (index, operation) in operations.enumerated() {
                let count = iterations[index]
                operation.prepare()
                let seconds = Stopwatch.time { for _ in 0 ..< count { operation.body() } }
                samples[index].append(seconds / Double(count))
            }
        }
        return samples.map(median)
    }
}

/// An operation to time: `prepare` runs before each sample, outside the timed region (e.g. setting a thread
/// count); `body` is what is timed.
struct TimedOperation {
    var prepare: () -> Void
    var body: () -> Void

    init(prepare: @escaping () -> Void = {}, _ body: @escaping () -> Void) {
        self.prepare = prepare
        self.body = body
    }
}

func median(_ values: [Double]) -> Double {
    precondition(!values.isEmpty, "median of no values")
    let sorted = values.sorted()
    let middle = sorted.count / 2
    return sorted.count % 2 == 1 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2
}

/// Timing with a monotonic clock: wall time (CLOCK_MONOTONIC, immune to clock adjustments) by default, or with
/// `--clock thread` the calling thread's CPU time (CLOCK_THREAD_CPUTIME_ID), which on a machine shared with other
/// busy processes counts only the time the thread actually ran. Thread time ignores work done by other threads,
/// so sections skip multi-threaded variants under it.
enum Stopwatch {
    /// Set once from `--clock` before any section runs.
    static var useThreadClock: Bool {
        get { threadClock.load(ordering: .relaxed) }
        set { threadClock.store(newValue, ordering: .relaxed) }
    }
    private static let threadClock = Atomic(false)

    static func now() -> Double { useThreadClock ? TrainingClock.threadCPUSeconds() : TrainingClock.now() }

    static func time(_ body: () -> Void) -> Double {
        let start = now()
        body()
        return now() - start
    }
}

// MARK: Tables

/// A plain-text table with right-aligned cells (left-aligned first column), sized to its contents.
struct TextTable {
    var headers: [String]
    var rows: [[String]] = []

    init(headers: [String]) { self.headers = headers }

    mutating func append(_ row: [String]) { rows.append(row) }

    func render() -> String {
        let all = [headers] + rows
        let widths = headers.indices.map { column in all.map { $0.indices.contains(column) ? $0[column].count : 0 }.max() ?? 0 }
        func line(_ cells: [String]) -> String {
            headers.indices.map { column in
                let cell = cells.indices.contains(column) ? cells[column] : ""
                let pad = String(repeating: " ", count: widths[column] - cell.count)
                return column == 0 ? cell + pad : pad + cell
            }.joined(separator: "  ")
        }
        let rule = widths.map { String(repeating: "-", count: $0) }.joined(separator: "  ")
        return ([line(headers), rule] + rows.map(line)).joined(separator: "\n")
    }
}

/// Formats a figure with three significant digits or so: 0.0123, 1.23, 12.3, 123, 1234.
func formatValue(_ value: Double) -> String {
    if value.isNaN { return "n/a" }
    let magnitude = abs(value)
    if magnitude >= 100 { return String(format: "%.0f", value) }
    if magnitude >= 10 { return String(format: "%.1f", value) }
    if magnitude >= 1 { return String(format: "%.2f", value) }
    return String(format: "%.3g", value)
}

/// How a record's variant is labelled in column headers: "blas×1", "swift".
func variantLabel(backend: String, threads: Int, threadCounts: Set<Int>) -> String {
    threadCounts.count > 1 || threads != 1 ? "\(backend)×\(threads)" : backend
}

/// One table per section: a row per (benchmark, metric), a column per (backend, threads) in order of first
/// appearance, and — where a row has both — the ratio of the Swift kernel to single-thread OpenBLAS.
func renderRunTables(_ records: [BenchmarkRecord]) -> String {
    var output: [String] = []
    var sections: [String] = []
    for record in records where !sections.contains(record.section) { sections.append(record.section) }
    for section in sections {
        let inSection = records.filter { $0.section == section }
        var variants: [(backend: String, threads: Int)] = []
        for record in inSection where !variants.contains(where: { $0 == (record.backend, record.threads) }) {
            variants.append((record.backend, record.threads))
        }
        var rowKeys: [(name: String, metric: String, unit: String)] = []
        for record in inSection where !rowKeys.contains(where: { $0.name == record.name && $0.metric == record.metric }) {
            rowKeys.append((record.name, record.metric, record.unit))
        }
        let threadCounts = Set(variants.map(\.threads))
        let hasRatio = variants.contains { $0 == ("swift", 1) } && variants.contains { $0 == ("blas", 1) }
        var table = TextTable(headers: ["\(section)", "unit"]
            + variants.map { variantLabel(backend: $0.backend, threads: $0.threads, threadCounts: threadCounts) }
            + (hasRatio ? ["swift÷blas×1"] : []))
        for key in rowKeys {
            func value(_ backend: String, _ threads: Int) -> Double? {
                inSection.first { $0.name == key.name && $0.metric == key.metric && $0.backend == backend && $0.threads == threads }?.value
            }
            var row = [key.name, key.unit]
            row += variants.map { value($0.backend, $0.threads).map(formatValue) ?? "-" }
            if hasRatio {
                if let s = value("swift", 1), let b = value("blas", 1), b > 0 { row.append(String(format: "%.2f", s / b)) } else { row.append("-") }
            }
            table.append(row)
        }
        output.append(table.render())
    }
    return output.joined(separator: "\n\n")
}
