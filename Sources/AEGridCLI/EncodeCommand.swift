import ArgumentParser
import GridSearch
import DataFiles

/// `aegrid encode`: the latent code of every row.
struct EncodeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "encode",
        abstract: "Write the latent code (the bottleneck layer's output) of every data row.",
        discussion: """
            Rows are scaled with the scaler stored in the model first. The output format follows --out's \
            extension: .csv (header latent_0, latent_1, …) or .npy (float32).

            Example:
              aegrid encode --model runs/grid1/best.safetensors --data examples/seed/X_test.npy --out codes.npy
            """
    )

    @OptionGroup var input: ModelDataOptions

    @Option(name: .long, help: ArgumentHelp("The output file, .csv or .npy.", valueName: "file"))
    var out: String

    @OptionGroup var output: OutputOptions

    func run() throws {
        let model = try TrainedModel.load(path: input.model)
        let codes = try model.encode(try input.loadData())
        try MatrixWriter.write(codes, columnNames: (0 ..< codes.columns).map { "latent_\($0)" }, to: out)
        if !output.quiet { print("wrote \(codes.rows) x \(codes.columns) latent codes to \(out)") }
    }
}
