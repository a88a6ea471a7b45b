import Foundation
import XCTest
@testable import GridSearch
import TestSupport
import NeuralNet

/// `best.safetensors` without training twice: with `--refit train` on a single split the search saves the best
/// trial's own weights, which must be exactly what retraining the configuration gives; in every other case it
/// retrains.
final class BestModelTests: ScratchDirectoryTestCase {
    /// The seed's grid 1 (the best trial is a 100-epoch run whose 50-epoch sibling shares its family): the search
    /// keeps the trial's weights (`SearchOutcome.bestModel`), and its file is byte for byte the file a real
    /// retraining of the same configuration writes (weights, scaler, metrics and all).
    func testRefitTrainOnOneSplitSavesTheTrialsOwnWeightsBitwiseAsRetrainingWould() throws {
        let settings = SearchSettings(
            trainPath: exampleDataPath("seed", "X_train.npy"), evaluation: .testFile(exampleDataPath("seed", "X_test.npy")),
            grid: exampleDataPath("seed", "grid1.json"), outputDirectory: scratch.appendingPathComponent("search").path,
            jobs: 2, seed: 4, refit: .train)
        let search = try Search(settings: settings)
        let outcome = try search.run()
        XCTAssertEqual(outcome.bestModel, .trialWeights, "the best trial's weights are kept, not trained again")

        let best = try XCTUnwrap(try ResultsDirectory.report(directory: settings.outputDirectory).best)
        var retrainSettings = settings
        retrainSettings.outputDirectory = scratch.appendingPathComponent("retrained").path
        try FileManager.default.createDirectory(atPath: retrainSettings.outputDirectory, withIntermediateDirectories: true)
        let retrained = try BestModel.refit(best, settings: retrainSettings, grid: search.grid, data: search.data)
        XCTAssertEqual(retrained.origin, .retrained)

        let kept = try Data(contentsOf: URL(fileURLWithPath: settings.outputDirectory + "/" + BestModel.fileName))
        let fresh = try Data(contentsOf: URL(fileURLWithPath: retrained.path))
        let keptModel = try ModelFile.load(from: settings.outputDirectory + "/" + BestModel.fileName)
        let freshModel = try ModelFile.load(from: retrained.path)
        XCTAssertEqual(keptModel.model.parameters.map(\.bitPattern), freshModel.model.parameters.map(\.bitPattern),
                       "the kept weights are bitwise the retrained ones")
        XCTAssertEqual(keptModel.metadata, freshModel.metadata)
        XCTAssertEqual(kept, fresh, "best.safetensors is byte for byte what a retraining writes")
    }

    /// Cross-validation's `--refit train` trains on the whole training file, which no trial saw: it retrains.
    func testRefitAfterCrossValidationRetrains() throws {
        let settings = SearchSettings(
            trainPath: exampleDataPath("seed", "X_train.npy"), evaluation: .crossValidation(folds: 2),
            grid: #"{"latent_dim": [4], "learning_rate": [0.01], "epochs": [3]}"#,
            outputDirectory: scratch.appendingPathComponent("cv").path, jobs: 1, refit: .train)
        let outcome = try Search(settings: settings).run()
        XCTAssertEqual(outcome.bestModel, .retrained)
    }

    /// `--refit all` trains on the training and test data together: it retrains.
    func testRefitAllRetrains() throws {
        let settings = SearchSettings(
            trainPath: exampleDataPath("seed", "X_train.npy"), evaluation: .testFile(exampleDataPath("seed", "X_test.npy")),
            grid: #"{"latent_dim": [4], "learning_rate": [0.01], "epochs": [3]}"#,
            outputDirectory: scratch.appendingPathComponent("all").path, jobs: 1, refit: .all)
        let outcome = try Search(settings: settings).run()
        XCTAssertEqual(outcome.bestModel, .retrained)
    }

    /// A resumed search whose best trial was trained by an earlier process has no weights for it: it retrains.
    func testResumedBestTrialIsRetrained() throws {
        var settings = SearchSettings(
            trainPath: exampleDataPath("seed", "X_train.npy"), evaluation: .testFile(exampleDataPath("seed", "X_test.npy")),
            grid: #"{"latent_dim": [4], "learning_rate": [0.01], "epochs": [3]}"#,
            outputDirectory: scratch.appendingPathComponent("resumed").path, jobs: 1, refit: .none)
        XCTAssertNil(try Search(settings: settings).run().bestModel)
        settings.refit = .train
        let outcome = try Search(settings: settings).run()
        XCTAssertEqual(outcome.progress.resumed, 1)
        XCTAssertEqual(outcome.bestModel, .retrained)
    }
}
