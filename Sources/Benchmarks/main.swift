// aegrid-bench: AEGrid's benchmark program. Prints tables a person reads and writes JSON a script reads.
//
//   aegrid-bench [SECTION ...] [--json PATH [--append]] [--quick]     run sections (all when none is named)
//   aegrid-bench compare BASELINE.json OTHER.json [--svg PATH]
//   aegrid-bench list
import Foundation
import LinearAlgebra

let usage = """
    usage: aegrid-bench [SECTION ...] [--json PATH [--append]] [--quick] [--repeats N] [--clock wall|thread]
           aegrid-bench compare BASELINE.json OTHER.json [--svg PATH]
           aegrid-bench list
    Runs the named benchmark sections (all of them when none is named) in this build, prints a table per section
    and writes the figures as JSON with --json (--append adds them to the report already there, which the same
    build must have written: `make bench` runs the two builds section by section, alternating). `compare` prints
    two reports side by side (e.g. the BLAS build against the fallback build, as `make bench` does) and draws an
    SVG bar chart with --svg.
    --quick runs fewer, shorter repeats: a smoke test, not a measurement. --repeats N sets the number of timed
    samples whose median is reported (default 7). --clock thread times by the thread's CPU time instead of wall
    time, which is steadier on a machine busy with other work, and skips multi-threaded variants.
    sections:
    \(BenchmarkSection.all.map { "  \($0.name)  \($0.summary)" }.joined(separator: "\n"))
    """

func fail(_ message: String) -> Never {
    FileHandle.standardError.write(Data("aegrid-bench: \(message)\n".utf8))
    exit(2)
}

/// Runs sections as the arguments say.
func runSections(_ arguments: [String]) throws {
    var names: [String] = [], jsonPath: String?, append = false, quick = false, repeats: Int?
    var rest = arguments[...]
    while let argument = rest.popFirst() {
        switch argument {
        case "--json":
            guard let path = rest.popFirst() else { fail("--json needs a file path, e.g. --json bench-results/blas.json") }
            jsonPath = path
        case "--append": append = true
        case "--quick": quick = true
        case "--repeats":
            guard let text = rest.popFirst(), let count = Int(text), count >= 1 else {
                fail("--repeats needs a positive whole number, e.g. --repeats 15")
            }
            repeats = count
        case "--clock":
            switch rest.popFirst() {
            case "wall": Stopwatch.useThreadClock = false
            case "thread": Stopwatch.useThreadClock = true
            case let other: fail("--clock must be 'wall' or 'thread', not '\(other ?? "")'")
            }
        case _ where argument.hasPrefix("-"): fail("unknown option '\(argument)'\n\(usage)")
        default:
            guard BenchmarkSection.all.contains(where: { $0.name == argument }) else {
                fail("unknown section '\(argument)'; sections: \(BenchmarkSection.all.map(\.name).joined(separator: ", "))")
            }
            names.append(argument)
        }
    }
    if append && jsonPath == nil { fail("--append adds to the report --json names: give --json PATH too") }
    let sections = names.isEmpty ? BenchmarkSection.all : BenchmarkSection.all.filter { names.contains($0.name) }
    let build = BuildInfo.current()
    // The report this run adds to, checked before minutes of benchmarks rather than after.
    var earlier: BenchmarkReport?
    if append, let jsonPath, FileManager.default.fileExists(atPath: jsonPath) {
        let report = try BenchmarkReport.read(from: jsonPath)
        guard report.build.sameBuild(as: build) else {
            fail("--append: \(jsonPath) holds the \(report.build.label) build's figures (\(report.build.cpuModel), "
                 + "\(report.build.codeGeneration)), not this \(build.label) build's; name another file or drop --append")
        }
        earlier = report
    }
    print("aegrid-bench: \(build.label) build (default GEMM backend \(build.defaultBackend)), \(build.codeGeneration)")
    print("  CPU \(build.cpuModel), \(build.cores) cores; BLAS: \(build.blasLibrary)")
    if quick { print("  --quick: few short repeats, figures are indicative only") }
    if Stopwatch.useThreadClock { print("  --clock thread: timed by thread CPU time; multi-threaded variants skipped") }
    var records: [BenchmarkRecord] = []
    for section in sections {
        print("\n== \(section.name): \(section.summary)")
        var context = BenchmarkContext(quick: quick)
        context.repeatsOverride = repeats
        let start = Stopwatch.now()
        try section.run(&context)
        print(renderRunTables(context.records))
        print(String(format: "(%@ took %.0f s; median of %d repeats)", section.name, Stopwatch.now() - start, context.repeats))
        records += context.records
    }
    if let jsonPath {
        let report = BenchmarkReport(build: earlier?.build ?? build, records: (earlier?.records ?? []) + records)
        try report.write(to: jsonPath)
        print("\n\(earlier == nil ? "wrote" : "added to") \(jsonPath)")
    }
}

#if DEBUG
fail("""
    this is a debug build, whose timings are 10-100x slower than what users get and mean nothing.
    Build and run the release build instead:
      swift build -c release --product aegrid-bench && .build/release/aegrid-bench
    or run `make bench`, which benchmarks the BLAS and the fallback build side by side.
    """)
#else
do {
    let arguments = Array(CommandLine.arguments.dropFirst())
    switch arguments.first {
    case "-h", "--help", "help": print(usage)
    case "list": for section in BenchmarkSection.all { print("\(section.name)  \(section.summary)") }
    case "compare": try compareReports(Array(arguments.dropFirst()))
    default: try runSections(arguments)
    }
} catch {
    fail("\(error)")
}
#endif
