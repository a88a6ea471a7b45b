import ArgumentParser
import GridSearch
import DataFiles

/// Flags every command that prints shares.
struct OutputOptions: ParsableArguments {
    @Flag(name: .shortAndLong, help: "Print only results and errors: no progress display.")
    var quiet = false
}

/// The trained model and the data a model command applies it to.
struct ModelDataOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("A model file written by `aegrid search` (best.safetensors).", valueName: "file"))
    var model: String

    @Option(name: .long, help: ArgumentHelp("Data to apply the model to (CSV / TSV / .npy / IDX), one row per sample, as many columns as the model was trained on.", valueName: "file"))
    var data: String

    @Option(name: .long, help: ArgumentHelp("Memory the data may take, e.g. 8G or 512M (default: 3/4 of the cgroup limit, or of physical memory): a larger file is refused before it is read.", valueName: "size"))
    var maxMemory: String?

    func validate() throws {
        if let maxMemory, MemoryBudget.parseSize(maxMemory) == nil {
            throw ValidationError(MemoryBudget.sizeRefusal(maxMemory))
        }
    }

    /// What a file read for this command may take: `--max-memory`, or the default budget.
    var loadLimit: LoadLimit {
        let budget = maxMemory.flatMap(MemoryBudget.parseSize).map { MemoryBudget(bytes: $0, origin: "--max-memory \(maxMemory!)") }
            ?? MemoryBudget.detect()
        return LoadLimit(bytes: budget.bytes, description: budget.origin)
    }

    /// The `--data` file, within `loadLimit`.
    func loadData() throws -> Dataset { try Dataset.load(path: data, limit: loadLimit) }
}

/// `--scale`: the library's closed choice, parsed from its raw values (`--help` lists them).
extension Scaling: ExpressibleByArgument {}

/// `--refit`: the library's closed choice, parsed from its raw values (`--help` lists them).
extension SearchSettings.Refit: ExpressibleByArgument {}
