import Foundation
import SearchSpace

/// What a results directory was made from: `DIR/manifest.json`. A run that would write into a directory made from
/// a different grid, different data or different result-changing settings is refused, so a resumed search never
/// mixes incomparable trials.
///
/// Compared: the grid (canonical JSON fingerprint), the data fingerprint and shape, every entry of `settings`
/// (the caller puts there what changes results: base seed, test split or CV folds, scaling, …) and the shard
/// count. `dataDescription`, `trainPath` and `testPath` are informational only: moving the data file is fine.
public struct ResultsManifest: Codable, Equatable, Sendable {
    public var format: Int = 1
    /// The grid's canonical JSON: status and merge rebuild the grid from it without the original file.
    public var grid: String
    public var gridFingerprint: String
    public var gridPoints: Int
    public var dataFingerprint: String
    /// [training samples, features].
    public var dataShape: [Int]
    public var dataDescription: String
    /// Where the data was read from (informational, not compared: the fingerprint decides). `aegrid merge --refit`
    /// reloads the data from here to retrain the best trial.
    public var trainPath: String?
    public var testPath: String?
    public var settings: [String: String]
    /// N when the search runs as N shards, nil for a single run.
    public var shards: Int?

    public init(grid: ParameterGrid, dataFingerprint: String, dataShape: [Int], dataDescription: String = "",
                trainPath: String? = nil, testPath: String? = nil, settings: [String: String] = [:],
                shards: Int? = nil) {
        self.trainPath = trainPath
        self.testPath = testPath
        self.grid = grid.canonicalJSON
        self.gridFingerprint = grid.fingerprint
        self.gridPoints = grid.count
        self.dataFingerprint = dataFingerprint
        self.dataShape = dataShape
        self.dataDescription = dataDescription
        self.settings = settings
        self.shards = shards
    }

    enum CodingKeys: String, CodingKey {
        case format, grid, settings, shards
        case gridFingerprint = "grid_fingerprint"
        case gridPoints = "grid_points"
        case dataFingerprint = "data_fingerprint"
        case dataShape = "data_shape"
        case dataDescription = "data_description"
        case trainPath = "train_path"
        case testPath = "test_path"
    }

    /// The grid this directory was made from.
    public func parsedGrid(source: String = "manifest.json") throws -> ParameterGrid {
        try ParameterGrid.parse(grid, source: source)
    }

    /// Features of the training data (the network's input size).
    public var inputSize: Int { dataShape.count > 1 ? dataShape[1] : 0 }

    /// Why a run described by `self` may not write into a directory holding `existing`, or nil when it may.
    /// The text names the part that differs, both values, and the fix.
    public func mismatch(with existing: ResultsManifest) -> String? {
        let fix = "use a new --out directory, or rerun with the same inputs to resume"
        if gridFingerprint != existing.gridFingerprint {
            return "the grid differs from the one this directory was made with (\(existing.gridPoints) points, "
                + "fingerprint \(existing.gridFingerprint); this run: \(gridPoints) points, fingerprint \(gridFingerprint)); \(fix)"
        }
        if dataFingerprint != existing.dataFingerprint || dataShape != existing.dataShape {
            let shape = { (s: [Int]) in s.map(String.init).joined(separator: "×") }
            return "the data differs from the data this directory was made with (\(existing.dataDescription) "
                + "\(shape(existing.dataShape)), fingerprint \(existing.dataFingerprint); this run: \(dataDescription) "
                + "\(shape(dataShape)), fingerprint \(dataFingerprint)); \(fix)"
        }
        for key in Set(settings.keys).union(existing.settings.keys).sorted() where settings[key] != existing.settings[key] {
            return "setting '\(key)' differs: this directory was made with \(existing.settings[key] ?? "(unset)"), "
                + "this run has \(settings[key] ?? "(unset)"); \(fix)"
        }
        if shards != existing.shards {
            let held = existing.shards.map { "a search split into \($0) shards" } ?? "a single (unsharded) search"
            let this = shards.map { "this run uses \($0) shards" } ?? "this run is unsharded"
            return "this directory holds \(held); \(this); use the same shard count (or none) as before, "
                + "or a new --out directory"
        }
        return nil
    }
}

extension ResultsManifest {
    /// The manifest in `data` (read from `path`, named in the error).
    static func decode(_ data: Data, path: String) throws -> ResultsManifest {
        let manifest: ResultsManifest
        do {
            manifest = try JSONCoding.decoder().decode(ResultsManifest.self, from: data)
        } catch {
            throw ResultsError.io(path: path, reason: "not a valid AEGrid manifest (\(error.localizedDescription))")
        }
        if let shards = manifest.shards, !(1 ... ShardID.maximumCount).contains(shards) {
            throw ResultsError.io(path: path, reason: "not a valid AEGrid manifest (\"shards\": \(shards) is outside "
                                  + "1…\(ShardID.maximumCount))")
        }
        return manifest
    }
}
