import ArgumentParser
import GridSearch

/// `aegrid status`: progress of a results directory, per shard and in total, while shards are still running.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show trials done / diverged / failed / missing per shard and the best so far.",
        discussion: """
            Reads DIR/manifest.json and every results log without taking any lock, so it is safe while shards are \
            writing. The shard assignment is recomputed from the manifest (grid, data shape, shard count), so the \
            missing trials are listed exactly, by grid index, per shard. Exit status 0 when every trial has a \
            result, 3 while some are missing.

            Example:
              aegrid status runs/big
            """
    )

    @Argument(help: ArgumentHelp("A directory written by `aegrid search --out` (single run or shards).", valueName: "dir"))
    var directory: String

    func run() throws {
        let status = try SearchStatus.load(directory: directory, histories: false)
        print(status.text(), terminator: "")
        if !status.isComplete { throw ExitCode(3) }
    }
}
