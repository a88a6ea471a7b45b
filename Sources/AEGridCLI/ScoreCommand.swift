import ArgumentParser
import Foundation
import GridSearch
import LinearAlgebra
import DataFiles

/// `aegrid score`: per-row reconstruction error of a trained model (an anomaly score), and ROC AUC given labels.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Per-row reconstruction error (anomaly score) of data under a trained model; ROC AUC with --labels.",
        discussion: """
            Rows are scaled with the scaler stored in the model, then each row's score is the mean squared \
            difference between it and its reconstruction. Without --out the scores go to stdout, one per line.

            Example:
              aegrid score --model runs/bc/best.safetensors --data breast_cancer_X.csv \\
                  --labels breast_cancer_y.csv --label-column malignant --out scores.csv
            """
    )

    @OptionGroup var input: ModelDataOptions

    @Option(name: .long, help: ArgumentHelp("0/1 labels, one row per data row (1 = anomaly): prints the ROC AUC of the scores.", valueName: "file"))
    var labels: String?

    @Option(name: .long, help: ArgumentHelp("The label column to use when the labels file has several (name or 0-based number; default: the first).", valueName: "column"))
    var labelColumn: String?

    @Option(name: .long, help: ArgumentHelp("Write the scores to this file (.csv or .npy) instead of stdout.", valueName: "file"))
    var out: String?

    @OptionGroup var output: OutputOptions

    func run() throws {
        let model = try TrainedModel.load(path: input.model)
        let data = try input.loadData()
        let scores = try model.reconstructionErrors(data)
        // The labels are checked before any score is written: a refused labels file leaves no half-done output.
        let auc = try labels.map { labels in
            let labelData = try Dataset.load(path: labels, limit: input.loadLimit)
            return try ROCAUC.compute(scores: scores, labels: try LabelColumn.select(labelColumn, in: labelData))
        }
        if let out {
            try MatrixWriter.write(Matrix(rows: scores.count, columns: 1, elements: scores),
                                   columnNames: ["reconstruction_error"], to: out)
        } else {
            print(scores.map { "\($0)" }.joined(separator: "\n"))
        }
        if let auc {
            let message = String(format: "ROC AUC %.6f (%d rows)", auc, scores.count)
            if out == nil { Terminal.writeError(message + "\n") } else { print(message) }
        } else if let out, !output.quiet {
            print("wrote \(scores.count) scores to \(out)")
        }
    }
}
