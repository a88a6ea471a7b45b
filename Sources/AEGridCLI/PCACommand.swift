import ArgumentParser
import GridSearch
import LinearAlgebra
import DataFiles

/// `aegrid pca`: the linear baseline, PCA reconstruction error per number of components.
struct PCACommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pca",
        abstract: "PCA reconstruction error per number of components: the best any linear autoencoder can do.",
        discussion: """
            PCA is fitted on the training part (centred on its mean) and each row reconstructed from its first k \
            components; the error is the mean over all entries of the squared difference, as `aegrid search` \
            scores autoencoders, on the same split and scaling for the same --seed.

            Example:
              aegrid pca --train examples/digits/digits_X.csv --components 2,4,8,16,32
            """
    )

    @Option(name: .long, help: ArgumentHelp("Training data (PCA is fitted on it).", valueName: "file"))
    var train: String

    @Option(name: .long, help: ArgumentHelp("Test data; without it a seeded --test-fraction of --train is held out.", valueName: "file"))
    var test: String?

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Fraction of --train held out when there is no --test.", valueName: "f"))
    var testFraction: Double = 0.2

    @Option(name: .long, parsing: .unconditional, help: ArgumentHelp("Seed of the split (the same as `aegrid search --seed`).", valueName: "s"))
    var seed: UInt64 = 0

    @Option(name: .long, help: "Feature scaling, fitted on the training part.")
    var scale: Scaling = .none

    @Option(name: .long, parsing: .unconditional,
            help: ArgumentHelp("Comma-separated component counts (default: 0, 1, 2, 4, … up to the number of columns).", valueName: "k,k,…"))
    var components: String?

    func validate() throws {
        if !(testFraction > 0 && testFraction < 1) {
            throw ValidationError("--test-fraction must lie strictly between 0 and 1 (got \(testFraction))")
        }
        if let components {
            for part in components.split(separator: ",", omittingEmptySubsequences: false) {
                guard let k = Int(part.trimmingCharacters(in: .whitespaces)), k >= 0 else {
                    throw ValidationError("--components: '\(part)' is not a count of components (0, 1, 2, …)")
                }
            }
        }
    }

    func run() throws {
        let counts = components.map { $0.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) } }
        let table = try PCABaseline.compute(
            trainPath: train, evaluation: test.map { .testFile($0) } ?? .holdout(fraction: testFraction),
            seed: seed, scaling: scale, components: counts, budget: MemoryBudget.detect())
        if let reason = table.skipped { throw CLIError("\(train): \(reason)") }
        print(table.text)
        if !table.leftOut.isEmpty {
            Terminal.writeError("aegrid: --components \(table.leftOut.map(String.init).joined(separator: ",")) left "
                                + "out: PCA has at most \(table.rank) components here (the smaller of the columns and the "
                                + "training rows)\n")
        }
    }
}
