import Foundation
import LinearAlgebra
import NeuralNet
import DataFiles

/// A model file written by `aegrid search` with what it needs to be applied to new data: the autoencoder and the
/// scaler its input was fitted with. Rows are scaled before the network sees them; reconstructions are scaled back.
public struct TrainedModel {
    public let autoencoder: Autoencoder
    public let scaler: FittedScaler?
    public let metadata: [String: String]
    public let path: String

    public enum Failure: Error, CustomStringConvertible {
        case widthMismatch(model: String, modelColumns: Int, data: String, dataColumns: Int)
        case badMetadata(path: String, key: String, reason: String)

        public var description: String {
            switch self {
            case let .widthMismatch(model, modelColumns, data, dataColumns):
                return "\(data) has \(dataColumns) columns but the model \(model) was trained on \(modelColumns)"
            case let .badMetadata(path, key, reason):
                return "\(path): metadata '\(key)' is unreadable (\(reason)); was it written by aegrid search?"
            }
        }
    }

    /// Loads a model file; a file without AEGrid's scaler metadata is used unscaled.
    public static func load(path: String) throws -> TrainedModel {
        let (model, metadata) = try ModelFile.load(from: path)
        var scaler: FittedScaler?
        if let text = metadata[ModelMetadata.scaler] {
            do {
                scaler = try FittedScaler(metadataValue: text)
            } catch {
                throw Failure.badMetadata(path: path, key: ModelMetadata.scaler, reason: "\(error)")
            }
        }
        return TrainedModel(autoencoder: model, scaler: scaler, metadata: metadata, path: path)
    }

    /// The data's rows in the scaled units the network was trained on (checks the width first).
    public func scaledInput(_ data: Dataset) throws -> Matrix {
        let columns = autoencoder.architecture.inputSize
        guard data.matrix.columns == columns else {
            throw Failure.widthMismatch(model: path, modelColumns: columns, data: data.path,
                                        dataColumns: data.matrix.columns)
        }
        return scaler.map { $0.transform(data.matrix) } ?? data.matrix
    }

    /// The latent code of each row: (rows, latent size).
    public func encode(_ data: Dataset) throws -> Matrix {
        autoencoder.encode(try scaledInput(data))
    }

    /// Each row's reconstruction in the data's original units: (rows, columns).
    public func reconstruct(_ data: Dataset) throws -> Matrix {
        let reconstruction = autoencoder.reconstruct(try scaledInput(data))
        return scaler.map { $0.inverseTransform(reconstruction) } ?? reconstruction
    }

    /// Each row's mean squared reconstruction error in the scaled units (the training loss's units): the anomaly score.
    public func reconstructionErrors(_ data: Dataset) throws -> [Float] {
        autoencoder.reconstructionErrors(try scaledInput(data))
    }
}
