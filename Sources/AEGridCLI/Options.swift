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

/// `--scale`: how features are scaled before training, fitted on the training part only.
enum ScaleChoice: String, ExpressibleByArgument, CaseIterable {
    case none, minmax, standard

    var scaling: Scaling {
        switch self {
        case .none: return .none
        case .minmax: return .minmax
        case .standard: return .standard
        }
    }
}

/// `--refit`: what the best configuration is retrained on for `best.safetensors`.
enum RefitChoice: String, ExpressibleByArgument, CaseIterable {
    case train, all, none

    var refit: SearchSettings.Refit {
        switch self {
        case .train: return .train
        case .all: return .all
        case .none: return .none
        }
    }
}
