import ArgumentParser

/// The root command: it only lists the subcommands.
struct AEGridCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "aegrid",
        abstract: "Hyperparameter grid search over dense autoencoders, on every core.",
        discussion: """
            Start with a search, look at its results, then use the best model:
              aegrid search --train examples/seed/X_train.npy --test examples/seed/X_test.npy \\
                  --grid examples/seed/grid1.json --out runs/grid1
              aegrid results runs/grid1
              aegrid report runs/grid1            # runs/grid1/report.html, for a browser
              aegrid score --model runs/grid1/best.safetensors --data examples/seed/X_test.npy
            """,
        version: "0.1.0",
        subcommands: [
            SearchCommand.self, ResultsCommand.self, ScoreCommand.self, EncodeCommand.self,
            ReconstructCommand.self, PCACommand.self, StatusCommand.self, MergeCommand.self, ReportCommand.self,
        ]
    )
}
