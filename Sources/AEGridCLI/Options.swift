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
}

/// `--scale`: the library's closed choice, parsed from its raw values (`--help` lists them).
extension Scaling: ExpressibleByArgument {}

/// `--refit`: the library's closed choice, parsed from its raw values (`--help` lists them).
extension SearchSettings.Refit: ExpressibleByArgument {}
