import ArgumentParser
import GridSearch
import DataFiles

/// `aegrid reconstruct`: every row passed through the autoencoder, in the data's own units.
struct ReconstructCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconstruct",
        abstract: "Write every data row's reconstruction, in the data's original units.",
        discussion: """
            Rows are scaled with the model's scaler, reconstructed, and scaled back. The output format follows \
            --out's extension: .csv (the input's column names, if it had a header) or .npy (float32).

            Example:
              aegrid reconstruct --model runs/grid1/best.safetensors --data examples/seed/X_test.npy --out recon.csv
            """
    )

    @OptionGroup var input: ModelDataOptions

    @Option(name: .long, help: ArgumentHelp("The output file, .csv or .npy.", valueName: "file"))
    var out: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        let model = try TrainedModel.load(path: input.model)
        let data = try input.loadData()
        let reconstruction = try model.reconstruct(data)
        try MatrixWriter.write(reconstruction, columnNames: data.columnNames, to: out)
        if !output.quiet {
            print("wrote \(reconstruction.rows) x \(reconstruction.columns) reconstructions to \(out)")
        }
    }
}
