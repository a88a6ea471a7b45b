import Foundation
import NeuralNet
import DataFiles

/// The metadata keys `aegrid search` stores in `best.safetensors` (safetensors `__metadata__`, string to string),
/// beside `ModelFile`'s own `aegrid.*` keys (format, architecture, activations), and their JSON encoding. A model
/// file is self-describing: `aegrid score` / `encode` / `reconstruct` need only it.
public enum ModelMetadata {
    /// `FittedScaler` as JSON: the scaling the model expects its input in.
    public static let scaler = "scaler"
    /// The trial's canonical grid parameters as JSON (`{"epochs":100,"latent_dim":6,…}`).
    public static let parameters = "hyperparameters"
    /// `TrainingConfiguration` as JSON (optimizer, epochs, seed, …).
    public static let training = "training"
    /// The trial's scores as JSON: test score (mean over folds for CV), its std, train loss, the refit's own loss.
    public static let metrics = "metrics"
    /// The trial id in the results log.
    public static let trialID = "trial_id"
    /// What the model was refitted on: `train` or `all`.
    public static let refit = "refit"
    /// The data file(s) and the AEGrid version that made the model.
    public static let source = "data"

    static func json<T: Encodable>(_ value: T) throws -> String {
        String(decoding: try JSONCoding.encoder().encode(value), as: UTF8.self)
    }

    static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONCoding.decoder().decode(type, from: Data(text.utf8))
    }
}
