import Foundation
import LinearAlgebra
import NeuralNet
import DataFiles
import SearchSpace

/// Retrains the best trial's configuration and saves it as `best.safetensors` with everything needed to use it.
public enum BestModel {
    public enum Failure: Error, CustomStringConvertible {
        case refitDiverged(trialID: String, reason: String)

        public var description: String {
            switch self {
            case let .refitDiverged(trialID, reason):
                return "retraining the best trial \(trialID) for best.safetensors diverged (\(reason)); use --refit train or --refit none"
            }
        }
    }

    /// The model file's name in the results directory.
    public static let fileName = "best.safetensors"

    /// Where the saved weights came from.
    public enum Origin: String, Sendable, Equatable {
        /// The weights the search itself trained for the best trial, saved as they are: no training at all.
        case trialWeights = "the best trial's own weights"
        /// The best configuration trained again (`--refit all`, cross-validation, a trial of an earlier session).
        case retrained = "retrained"
    }

    /// A saved `best.safetensors`: its path, and whether its weights were trained again.
    public struct Saved: Sendable, Equatable {
        public var path: String
        public var origin: Origin
    }

    /// Retrains `best` (same configuration and seed) on the training part (`--refit train`; for cross-validation,
    /// the whole training file, as scikit-learn's `refit`) or on all the data (`--refit all`) and saves it.
    /// With `--refit train` on a single split the weights are bitwise the trial's own, so its test score holds;
    /// `trained`, the weights the search itself trained for `best` (same configuration, seed and data), is then
    /// saved as is instead of training again. It is ignored in every other case.
    /// - Returns: the path written, and where its weights came from.
    public static func refit(_ best: TrialRecord, settings: SearchSettings, grid: ParameterGrid,
                             data: EvaluationData, trained: Autoencoder? = nil) throws -> Saved {
        let trial = try TrialConfiguration.make(grid: grid, index: best.index, inputSize: data.inputSize,
                                                baseSeed: settings.seed)
        let training: Matrix
        let scaler: FittedScaler
        var testMSE: Double?
        switch (settings.refit, settings.evaluation) {
        case (.train, .testFile), (.train, .holdout), (.none, _):
            training = data.folds[0].training
            scaler = data.folds[0].scaler
        case (.train, .crossValidation):
            (training, scaler) = try EvaluationData.allRows(trainPath: settings.trainPath, evaluation: settings.evaluation,
                                                            scaling: settings.scaling)
        case (.all, _):
            (training, scaler) = try EvaluationData.allRows(trainPath: settings.trainPath, evaluation: settings.evaluation,
                                                            scaling: settings.scaling)
        }
        let configuration = trial.training
        let fitted: Autoencoder
        let refitTrainLoss: Double?
        let origin: Origin
        if let trained, settings.refit == .train, data.folds.count == 1 {
            origin = .trialWeights
            // The trial's own record holds what a retraining would measure: same weights, same data.
            fitted = trained
            refitTrainLoss = best.trainLoss
            testMSE = best.testScore
        } else {
            origin = .retrained
            let model = Autoencoder(architecture: trial.architecture, seed: configuration.seed)
            var validation: Matrix?
            var fitData = training
            if configuration.earlyStopping != nil {
                let fold = EvaluationFold(training: training, test: training, scaler: scaler)
                (fitData, validation) = { let s = fold.earlyStoppingSplit(); return (s.training, s.validation as Matrix?) }()
            }
            let result: TrainingResult
            if GroupTraining.routes(trial) {
                // On the engine the trial trained on (a group of one), so a retrained `--refit train` model is
                // bitwise the trial's own.
                let group = try TrainingGroup(models: [model], configurations: [configuration], training: fitData,
                                              validation: validation)
                result = group.fit()[0]
                fitted = group.model(0)
            } else {
                // As the trials train: OpenBLAS at one thread, the products split across every core (the same bits
                // as one thread), so a retrained `--refit train` model is bitwise the trial's own.
                let trainer = try Trainer(model: model, configuration: configuration, training: fitData,
                                          validation: validation,
                                          threads: ThreadAllowance(ProcessInfo.processInfo.activeProcessorCount))
                result = BLASThreads.with(1) { trainer.fit() }
                fitted = trainer.model
            }
            if case let .diverged(epoch, batch, reason) = result.outcome {
                throw Failure.refitDiverged(trialID: best.trialID, reason: "epoch \(epoch), batch \(batch): \(reason)")
            }
            refitTrainLoss = FamilyTraining.finalLoss(result, restoresBest: configuration.earlyStopping?.restoreBestWeights ?? false)
            if settings.refit == .train, data.folds.count == 1 { testMSE = fitted.meanSquaredError(data.folds[0].test) }
        }

        var metrics: [String: Double] = [:]
        metrics["test_score"] = best.testScore
        metrics["test_score_std"] = best.testScoreStd
        metrics["train_loss"] = best.trainLoss
        metrics["refit_train_loss"] = refitTrainLoss
        metrics["refit_test_mse"] = testMSE
        let metadata: [String: String] = [
            ModelMetadata.scaler: scaler.metadataValue,
            ModelMetadata.parameters: trial.canonicalParameters,
            ModelMetadata.training: try ModelMetadata.json(configuration),
            ModelMetadata.metrics: try ModelMetadata.json(metrics),
            ModelMetadata.trialID: best.trialID,
            ModelMetadata.refit: settings.refit == .all ? "all" : "train",
            ModelMetadata.source: Search.dataDescription(settings),
        ]
        let path = (settings.outputDirectory as NSString).appendingPathComponent(fileName)
        try ModelFile.save(fitted, metadata: metadata, to: path)
        return Saved(path: path, origin: origin)
    }
}
