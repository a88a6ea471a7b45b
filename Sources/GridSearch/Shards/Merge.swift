import Foundation
import DataFiles

/// Combining a results directory's logs into the files a single run produces.
public enum Merge {
    /// What a merge wrote.
    public struct Outcome: Sendable {
        /// The directory's state when merged (complete unless `allowPartial`).
        public var status: SearchStatus
        /// The report of the merged records (leaderboard, CSV, best trial).
        public var report: Report
        /// The files written, results.jsonl first (sharded directories).
        public var files: [String]
    }

    /// Reads every log of `directory`; refuses an incomplete search (`ResultsError.incomplete`, listing the missing
    /// trials by shard) unless `allowPartial`; then writes what a single run writes: `results.jsonl` (sharded
    /// directories only: one line per trial, in grid order, atomically; a single run's log already is that file),
    /// `results.csv`, `leaderboard.txt`, `best.json` and `report.html`.
    @discardableResult
    public static func run(directory: String, allowPartial: Bool = false, top: Int = 10) throws -> Outcome {
        let status = try SearchStatus.load(directory: directory, histories: true)
        if !status.isComplete && !allowPartial {
            let detail = status.missingSummary.joined(separator: "; ")
            throw ResultsError.incomplete(directory: directory, missing: status.missing.count,
                                          total: status.totalTrials, detail: detail)
        }
        var files: [String] = []
        if status.manifest.shards != nil {
            let path = (directory as NSString).appendingPathComponent("results.jsonl")
            var text = Data()
            for record in status.records {
                do {
                    text.append(try record.jsonLine())
                } catch {
                    throw ResultsError.writeFailed(path: path, reason: "cannot encode trial \(record.trialID): \(error)")
                }
                text.append(UInt8(ascii: "\n"))
            }
            try ResultsLog.writeFileAtomically(text, path: path)
            files.append(path)
        }
        let report = try ResultsDirectory.report(directory: directory)
        files += try report.write(directory: directory, top: top)
        return Outcome(status: status, report: report, files: files)
    }
}

extension Merge {
    /// Retrains `best` as a single run's `--refit` would (same configuration, seed and data, reloaded from the
    /// paths in the manifest) and saves `DIR/best.safetensors`. Refuses data whose fingerprint differs from the
    /// manifest's. Returns the path written.
    public static func refit(_ best: TrialRecord, directory: String, manifest: ResultsManifest,
                             refit: SearchSettings.Refit) throws -> String {
        let settings = try SearchSettings(manifest: manifest, directory: directory, refit: refit)
        let data: EvaluationData
        do {
            data = try EvaluationData.prepare(trainPath: settings.trainPath, evaluation: settings.evaluation,
                                              seed: settings.seed, scaling: settings.scaling)
        } catch let error as DataError {
            // The user named a directory, not this file: say where the path came from and how to go on.
            throw ResultsError.io(path: directory, reason: "--refit retrains the best trial on the data manifest.json "
                                  + "names, which cannot be loaded (\(error)); restore it, or merge with --refit none")
        }
        guard data.fingerprint == manifest.dataFingerprint else {
            throw ResultsError.manifestMismatch(
                directory: directory,
                detail: "the data at \(manifest.dataDescription) changed since the search (fingerprint \(data.fingerprint), "
                    + "the search used \(manifest.dataFingerprint)); refitting needs the search's own data")
        }
        let grid = try manifest.parsedGrid(source: ResultsLog.manifestPath(directory: directory))
        return try BestModel.refit(best, settings: settings, grid: grid, data: data).path
    }
}
