import ArgumentParser
import GridSearch
import SearchReport

/// `aegrid merge`: the results of a sharded search as one single run would have written them.
struct MergeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Combine the shard logs of a results directory into results.jsonl, results.csv and best.json.",
        discussion: """
            Reads every shard log of DIR (results.shard-K-of-N.jsonl) and writes what a single `aegrid search` \
            writes: results.jsonl (one line per trial, grid order), results.csv, leaderboard.txt, best.json, and \
            with --refit best.safetensors (the best configuration retrained on the data recorded in the manifest). \
            A search with missing trials is refused, naming them by shard, unless --allow-partial.

            Example:
              aegrid merge runs/big
              aegrid merge runs/big --refit train
              aegrid merge runs/big --allow-partial --top 20
            """
    )

    @Argument(help: ArgumentHelp("A directory written by `aegrid search --out` with shards (or a single run).", valueName: "dir"))
    var directory: String

    @Flag(name: .long, help: "Merge even if some trials have no result yet (they are listed).")
    var allowPartial = false

    @Option(name: .long, help: "Retrain the best configuration for best.safetensors: on the training part, on all the data, or not at all.")
    var refit: SearchSettings.Refit = .none

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Rows in the leaderboard.", valueName: "k"))
    var top: Int = 10

    @OptionGroup var output: OutputOptions

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1 (got \(top))") }
    }

    func run() throws {
        let outcome = try Merge.run(directory: directory, allowPartial: allowPartial, top: top)
        var files = outcome.files + [try HTMLReport.write(directory: directory)]
        if refit != .none {
            guard let best = outcome.report.best else { throw CLIError("\(directory): no trial finished, nothing to refit") }
            files.append(try Merge.refit(best, directory: directory, manifest: outcome.status.manifest, refit: refit))
        }
        let missing = outcome.status.missing.count
        if missing > 0 && !output.quiet {
            Terminal.writeError("aegrid: merged a partial search: \(missing) of \(outcome.status.totalTrials) trials missing\n")
        }
        print(outcome.report.leaderboard(top: top), terminator: "")
        print("results: \(files.joined(separator: ", "))")
    }
}
