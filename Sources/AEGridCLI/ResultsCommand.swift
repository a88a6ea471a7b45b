import ArgumentParser
import GridSearch
import SearchReport

/// `aegrid results`: the leaderboard and CSV of a results directory, finished or still running.
struct ResultsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "results",
        abstract: "Print the leaderboard of a results directory and export results.csv (also while a search runs).",
        discussion: """
            Reads every results log in DIR (results.jsonl and any shard logs) without taking the search's lock, so \
            it is safe while `aegrid search` is writing, and rewrites DIR/results.csv (or --csv FILE), \
            DIR/leaderboard.txt, DIR/best.json and DIR/report.html.

            Example:
              aegrid results runs/grid1 --top 5
              aegrid results runs/grid1 --csv /tmp/grid1.csv
            """
    )

    @Argument(help: ArgumentHelp("A directory written by `aegrid search --out`.", valueName: "dir"))
    var directory: String

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Rows in the leaderboard.", valueName: "k"))
    var top: Int = 10

    @Option(name: .long, help: ArgumentHelp("Where to write the CSV (default: DIR/results.csv).", valueName: "file"))
    var csv: String?

    @Flag(name: .long, help: "Print only the best test score (for scripts); nothing is written.")
    var bestScore = false

    func validate() throws {
        if top < 1 { throw ValidationError("--top must be at least 1 (got \(top))") }
    }

    func run() throws {
        let (report, page) = try ResultsDirectory.reportAndPage(directory: directory)
        if bestScore {
            guard let best = report.best?.testScore else {
                throw CLIError("\(directory) holds no finished trial yet")
            }
            print(best)
            return
        }
        var files = try report.write(directory: directory, top: top, csvPath: csv)
        files.append(try HTMLReport.load(directory: directory, finished: page)
                        .write(to: HTMLReport.defaultPath(directory: directory)))
        print(report.leaderboard(top: top), terminator: "")
        print("results: \(files.joined(separator: ", "))")
    }
}
