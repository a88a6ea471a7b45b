import Foundation
import LinearAlgebra
import NeuralNet
import DataFiles
import Synchronization
import SearchSpace

/// What a finished (or interrupted) `Search.run` leaves behind.
public struct SearchOutcome: Sendable {
    /// The final counts (all trials of this run's scope, including resumed ones).
    public var progress: SearchProgress
    /// True when the run was cancelled before every trial was recorded (SIGINT/SIGTERM).
    public var interrupted: Bool
    /// The leaderboard text (empty when interrupted).
    public var leaderboard: String
    /// The files written or updated, results log first.
    public var files: [String]
    /// The trials of this run's scope recorded as `failed` (not trained: over the memory budget, or invalid for
    /// this data), in grid order; the CLI exits with status 1 when there are any.
    public var failures: [TrialRecord] = []
    /// Where `best.safetensors`'s weights came from (nil when none was saved: `--refit none`, a shard, no trial
    /// finished, or interrupted).
    public var bestModel: BestModel.Origin? = nil
}

/// A whole `aegrid search` as one library call: everything but parsing flags and printing.
///
/// `init` does all the checking that can fail before training: it loads and checks the data (widths, values),
/// parses the grid and validates its points, splits and scales the data (scalers fitted on training parts only),
/// and opens the results directory (refusing a directory made from another grid, other data or other settings, and
/// a second live writer). `run` trains every pending trial on `jobs` workers, appending each record to the log as it
/// ends, then writes the reports and the refitted best model. A results directory is resumed by constructing a
/// `Search` with the same settings: trials already in its log are skipped.
///
/// **Early stopping.** A trial with `patience` monitors the validation loss on the last 10 % of its training part
/// (Keras's `validation_split=0.1`: the rows as given, before shuffling; for a held-out split or CV folds those rows
/// are already in seeded random order), trains on the other 90 %, and is scored on the test part as every trial is.
public final class Search: Sendable {
    public let settings: SearchSettings
    public let grid: ParameterGrid
    public let data: EvaluationData
    public let log: ResultsLog
    /// The trials this run covers (the whole grid, or the shard's) and how many of them the log already holds.
    public let scopeCount: Int
    public let resumedCount: Int
    /// PCA's error at every latent size of the grid, on the same folds (also in DIR/pca_baseline.json).
    public let baseline: PCABaseline
    /// What the user should know before training, one line each: trials whose output activation cannot reach the
    /// training data (`OutputRangeCheck`; also in DIR/warnings.json, the leaderboard and best.json) and an
    /// `--n-iter` larger than the grid.
    public let warnings: [String]
    /// The plan's work in epochs and estimated cost, counted as trainers finish epochs: a display reads it at any
    /// moment (`WorkProgress.snapshot()`).
    public let work: WorkProgress
    /// The candidates and rungs of a `--halving` search (nil for a plain one).
    public let halving: HalvingPlan?
    /// Where this search's time went, phase by phase (set-up in `init`, then `run`'s phases).
    public let timings: SearchTimings
    let runner: Runner
    private let scopeIndices: @Sendable () -> AnyIterator<Int>

    /// The histories of this many of a run's best trials are kept for its page (which draws fewer curves).
    static let curvesKept = 16

    /// Up to this many points in scope are validated one by one before any training (and give the latent sizes PCA
    /// is computed at); beyond, points are validated as they are planned (an invalid one is recorded as failed).
    public static let eagerValidationLimit = 200_000

    /// `timings` is the clock the set-up phases are marked on (a caller that started it earlier, such as the
    /// CLI at its start, sees its own phases before these). `notice` hears about a wait before training starts
    /// (another host's claim on the results directory).
    public init(settings: SearchSettings, timings: SearchTimings = SearchTimings(),
                notice: @Sendable (String) -> Void = { _ in }) throws {
        self.settings = settings
        self.timings = timings
        let (searchGrid, samplingWarnings) = try Self.searchSpace(argument: settings.grid, settings: settings)
        grid = searchGrid
        // The whole grid, with the line of each key, before the data is loaded: a typo is reported at once.
        try TrialValidator.validate(grid)
        timings.mark("grid")
        data = try EvaluationData.prepare(trainPath: settings.trainPath, evaluation: settings.evaluation,
                                          seed: settings.seed, scaling: settings.scaling,
                                          limit: settings.memoryBudget.map { LoadLimit(bytes: $0.bytes, description: $0.origin) })
        timings.mark("data")
        let grid = self.grid
        if let halvingSettings = settings.halving {
            if settings.shard != nil {
                throw HalvingError("--halving cannot run in shards: every rung waits for the whole previous rung, "
                                   + "so one machine runs it (see docs/cluster.md)")
            }
            var resolved = halvingSettings
            // The search space has `epochs: [max-epochs]` everywhere (`searchSpace`).
            resolved.maxEpochs = halvingSettings.maxEpochs ?? grid.largestEpochs
            halving = try HalvingPlan(grid: grid, settings: resolved, inputSize: data.inputSize,
                                      baseSeed: settings.seed, trainingSamples: data.folds[0].training.rows)
        } else {
            halving = nil
        }
        if let shard = settings.shard {
            let members = try ShardPlan(grid: grid, inputSize: data.inputSize, trainingSamples: data.trainRows,
                                        shards: shard.count).trialIndices(inShard: shard.index)
            scopeCount = members.count
            scopeIndices = { AnyIterator(members.makeIterator()) }
        } else {
            let count = grid.count
            scopeCount = halving?.plannedRecords ?? count
            scopeIndices = { AnyIterator((0 ..< count).makeIterator()) }
        }
        // No more workers than trials: an idle worker would only shrink every trainer's share of the memory budget.
        let jobs = min(Runner.workerCount(settings.jobs), max(1, scopeCount))
        var latents = Set<Int>()
        let iterator = scopeIndices()
        var validated = 0
        var rangeCheck = OutputRangeCheck()
        while validated < Self.eagerValidationLimit, let index = iterator.next() {
            let trial = try TrialConfiguration.make(grid: grid, index: index, inputSize: data.inputSize,
                                                    baseSeed: settings.seed)
            latents.insert(trial.architecture.latentSize)
            if settings.shard == nil { rangeCheck.add(trial) }
            validated += 1
        }
        if settings.shard != nil {
            // A shard checks the output range of the whole grid, as a single run does, so every shard gives the
            // single run's warnings (and its refusal of binary cross-entropy on data outside [0, 1]), and all of them
            // write the same warnings.json.
            for index in 0 ..< min(grid.count, Self.eagerValidationLimit) {
                rangeCheck.add(try TrialConfiguration.make(grid: grid, index: index, inputSize: data.inputSize,
                                                           baseSeed: settings.seed))
            }
        }
        warnings = samplingWarnings + (try rangeCheck.warnings(folds: data.folds, scaling: settings.scaling))
        timings.mark("points and output range")
        var resultSettings = Self.resultSettings(settings)
        if let halving {
            resultSettings.merge(halving.schedule.manifestEntries(aggressive: settings.halving!.aggressiveElimination)) { a, _ in a }
        }
        let manifest = ResultsManifest(
            grid: grid, dataFingerprint: data.fingerprint, dataShape: [data.trainRows, data.inputSize],
            dataDescription: Self.dataDescription(settings), trainPath: Self.absolute(settings.trainPath),
            testPath: settings.evaluation.testPath.map(Self.absolute), settings: resultSettings)
        log = try ResultsLog.open(directory: settings.outputDirectory, manifest: manifest, shard: settings.shard,
                                  notice: notice)
        if halving == nil, let budget = settings.memoryBudget {
            try FailedTrialRetry.retryThoseThatFit(log: log, grid: grid, data: data, baseSeed: settings.seed,
                                                   share: Self.memoryShare(budget, data: data, jobs: jobs).bytes)
        }
        resumedCount = log.completedIDs.count
        timings.mark("results directory")
        // A halving search's work depends on which trials its rungs promote: its progress counts records only.
        work = scopeCount <= Self.eagerValidationLimit && halving == nil
            ? WorkProgress(plan: TrialPlan(grid: grid, nextIndex: { [iterator = scopeIndices()] in iterator.next() },
                                           isDone: { [log] in log.contains($0) }, inputSize: data.inputSize,
                                           sampleCount: data.folds[0].training.rows, baseSeed: settings.seed),
                           folds: data.folds.count, workers: jobs)
            : .unknown
        timings.mark("plan estimate")
        try SearchWarnings.write(warnings, directory: settings.outputDirectory)
        timings.mark("warnings.json")
        // Training runs OpenBLAS at one thread (see `Runner`). When the PCA (rows × columns² multiply-adds) does not
        // need its threads either, OpenBLAS runs at one thread from here on: its idle threads, started when it
        // loaded, stop spinning on the other cores (the CLI has stopped them already, at its start). A PCA large
        // enough to gain from them gets OpenBLAS's own count back.
        // Overflow-checked: a wide table (10 rows of 10^9 columns) must not trap here.
        let (columnsSquared, overflow) = data.inputSize.multipliedReportingOverflow(by: data.inputSize)
        let (pcaWork, overflow2) = columnsSquared.multipliedReportingOverflow(by: data.trainRows)
        BLASThreads.set(Self.pcaNeedsBLASThreads(work: overflow || overflow2 ? nil : pcaWork)
                        ? BLASThreads.startingCount : 1)
        runner = Runner(jobs: jobs)
        timings.mark("set-up")
        baseline = try PCABaseline.compute(folds: data.folds, components: Array(latents), budget: settings.memoryBudget)
        timings.mark("PCA baseline")
        try ResultsDirectory.writeBaseline(baseline, directory: settings.outputDirectory, shard: settings.shard)
        timings.mark("pca_baseline.json")
    }

    /// A PCA below this many multiply-adds (rows × columns²) gains nothing from OpenBLAS's threads: its products are
    /// too small to split, and the woken threads spin on the other cores.
    static let multithreadedBLASWork = 1 << 21

    /// Whether a PCA of `work` multiply-adds (rows × columns²; nil when that overflows `Int`) runs OpenBLAS on its
    /// threads.
    static func pcaNeedsBLASThreads(work: Int?) -> Bool {
        work.map { $0 >= multithreadedBLASWork } ?? true
    }

    /// The settings that change results, as the manifest records them: a directory is only resumed with the same.
    /// `SearchSettings(manifest:directory:)` reads them back.
    static func resultSettings(_ settings: SearchSettings) -> [String: String] {
        var entries = ["seed": String(settings.seed), "scale": settings.scaling.rawValue]
        if let sampleCount = settings.sampleCount { entries["n_iter"] = String(sampleCount) }
        switch settings.evaluation {
        case .testFile: entries["evaluation"] = "test-file"
        case let .holdout(fraction):
            entries["evaluation"] = "holdout"
            entries["test_fraction"] = "\(fraction)"
        case let .crossValidation(folds):
            entries["evaluation"] = "cv"
            entries["cv_folds"] = String(folds)
        }
        return entries
    }

    static func absolute(_ path: String) -> String {
        path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
    }

    static func dataDescription(_ settings: SearchSettings) -> String {
        if case let .testFile(test) = settings.evaluation { return "train \(settings.trainPath), test \(test)" }
        return "train \(settings.trainPath)"
    }

    /// One line saying what will run: trials, resumed, workers, shard, evaluation, where results go.
    public var plan: String {
        var parts = ["\(scopeCount) trial\(scopeCount == 1 ? "" : "s")"]
        if let halving { parts[0] += " (\(halving.schedule.summary))" }
        if let shard = settings.shard { parts[0] += " in shard \(shard) of a \(grid.count)-trial grid" }
        if resumedCount > 0 { parts.append("\(resumedCount) already done (resuming)") }
        parts.append("\(runner.jobs) job\(runner.jobs == 1 ? "" : "s")")
        switch settings.evaluation {
        case .testFile: parts.append("scored on the test file")
        case let .holdout(fraction): parts.append("scored on a held-out \(fraction) of the training data")
        case let .crossValidation(folds): parts.append("\(folds)-fold cross-validation")
        }
        parts.append("results in \(settings.outputDirectory)")
        return parts.joined(separator: ", ") + (baseline.skipped.map { "\nno PCA baseline: \($0)" } ?? "")
    }

    /// Stops starting trials; trials in flight stop at their next epoch and are not recorded. Thread-safe.
    public func cancel() { runner.cancel() }

    /// A page of the finished directory that the caller draws (the CLI's `report.html`, from SearchReport, above
    /// this module): handed the directory's sessions with this run's, since `sessions.json` is being written at that
    /// moment, and what it would otherwise read back from the files the run has just written (`FinishedRun`);
    /// returns the path it wrote.
    public typealias Page = @Sendable (_ run: FinishedRun) throws -> String

    /// Trains every pending trial, then (unless cancelled) writes the reports and the refitted best model.
    /// `onProgress` is called once at the start and after every write of the results log (one or more trials, as
    /// they reach the disk), one call at a time. `page`, for a single run that was not cancelled, is drawn once
    /// the log is complete, beside the report and those writes: its work overlaps theirs and their fsyncs. Its path
    /// comes last in `SearchOutcome.files`.
    public func run(onProgress: @escaping @Sendable (SearchProgress) -> Void = { _ in },
                    page: Page? = nil) throws -> SearchOutcome {
        try run(onProgress: onProgress, page: page, recordsHeld: LogRecords.heldBySearch)
    }

    /// `run`, holding at most `recordsHeld` of the log's records for the report (a test's knob).
    func run(onProgress: @escaping @Sendable (SearchProgress) -> Void, page: Page?,
             recordsHeld: Int) throws -> SearchOutcome {
        timings.mark("between set-up and run")
        let started = DispatchTime.now().uptimeNanoseconds
        let startedAt = Date()
        var initial = SearchProgress(total: scopeCount, done: 0, resumed: resumedCount, diverged: 0, failed: 0,
                                     elapsed: 0, bestScore: nil, bestTrialID: nil)
        // Failed trials that are trained again (`FailedTrialRetry`) are counted when their new record arrives.
        let recorded = log.completedIDs
        let earlier = try ResultsLog.read(path: log.path, histories: false).records
        for record in earlier where recorded.contains(record.trialID) {
            Self.count(record, into: &initial)
        }
        onProgress(initial)
        // Updated on the results writer's queue as records reach the disk, read here once the writer has finished.
        let progress = Mutex(initial)
        // The log's records as reading it back would give them, kept as the writer adds them, for the report: nil
        // if one could not be read back or there are more than `recordsHeld`, and the report then reads the file.
        let logged = Mutex<LogRecords?>(LogRecords(earlier, limit: recordsHeld))
        // The learning curves the page draws are the best few finished trials': this run's are kept from here.
        let curves = Mutex(BestCurves(capacity: Self.curvesKept))

        let folds = data.folds
        let log = self.log
        let runner = self.runner
        let writer = RecordWriter(log: log, onWritten: { records in
            let now = progress.withLock { progress in
                for record in records { Self.count(record, into: &progress) }
                progress.elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                return progress
            }
            curves.withLock { curves in
                for record in records { curves.offer(record) }
            }
            logged.withLock { logged in
                for record in records where logged != nil {
                    guard let readBack = try? record.readBack(), logged?.add(readBack) != nil else {
                        logged = nil
                        return
                    }
                }
            }
            onProgress(now)
        }, onFailure: { runner.cancel() })
        // The best trial's trained weights so far (single split only): with `--refit train` they are bitwise what
        // retraining would give, so best.safetensors is saved without training the best configuration again.
        // Kept as plain values (architecture and a copy of the parameters), which may cross from the worker threads.
        let bestTrained = Mutex<(record: TrialRecord, architecture: Architecture, parameters: [Float])?>(nil)
        let keepIfBest: @Sendable (TrialRecord, Autoencoder) -> Void = { record, model in
            bestTrained.withLock { best in
                if Self.ranksBefore(record, best?.record) { best = (record, model.architecture, model.parameters) }
            }
        }
        let memoryShare = settings.memoryBudget.map { Self.memoryShare($0, data: data, jobs: runner.jobs) }
        let keepWeightsIfBest: @Sendable (TrialRecord, Architecture, [Float]) -> Void = { record, architecture, parameters in
            bestTrained.withLock { best in
                if Self.ranksBefore(record, best?.record) { best = (record, architecture, parameters) }
            }
        }
        let plan = TrialPlan(
            grid: grid, nextIndex: { [iterator = scopeIndices()] in iterator.next() },
            isDone: { log.contains($0) }, inputSize: data.inputSize, sampleCount: folds[0].training.rows,
            baseSeed: settings.seed, workers: runner.jobs)
        let work = self.work
        work.start()
        if let halving {
            HalvingRun(plan: halving, folds: folds, runner: runner).run(
                existing: try ResultsLog.read(path: log.path, histories: false).records, keepIfBest: keepWeightsIfBest,
                deliver: writer.submit)
        } else {
            runner.run(plan) { item, context in
                switch item {
                case let .family(family):
                    let familyProgress = work.begin(family, worker: context.worker, folds: folds.count)
                    FamilyTraining(family: family, folds: folds, memoryShare: memoryShare).run(threads: context.threads,
                                                                     shouldCancel: { runner.isCancelled },
                                                                     trainedModel: keepIfBest,
                                                                     onEpoch: familyProgress.epochEnded,
                                                                     deliver: writer.submit)
                    familyProgress.ended()
                case let .group(families):
                    let progress = families.map { work.begin($0, worker: context.worker, folds: folds.count) }
                    GroupTraining(families: families, folds: folds, memoryShare: memoryShare).run(
                        shouldCancel: { runner.isCancelled }, trainedModel: keepIfBest,
                        onEpoch: { family, fold, epoch in progress[family].epochEnded(fold, epoch) },
                        deliver: writer.submit)
                    for family in progress { family.ended() }
                case let .invalid(index, point, reason):
                    writer.submit(TrialRecord(
                        trialID: Self.invalidTrialID(point), index: index,
                        parameters: Dictionary(point.parameters.map { ($0.key, $0.value) }, uniquingKeysWith: { a, _ in a }),
                        status: .failed, reason: reason, epochsRun: 0, fitSeconds: 0, seed: 0))
                }
            }
        }
        try writer.finish()
        timings.mark("training")
        var final = progress.withLock { $0 }
        final.elapsed = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let interrupted = runner.isCancelled
        let session = self.session(startedAt: startedAt, progress: final, interrupted: interrupted)
        let recordSession: @Sendable () throws -> (path: String?, origin: BestModel.Origin?) = {
            try session.write()
            return (nil, nil)
        }
        if interrupted {
            _ = try recordSession()
            try log.close()
            return SearchOutcome(progress: final, interrupted: true, leaderboard: "", files: [log.path])
        }
        // What the report and the page would read back from the directory, from what this run holds: its log's
        // records (when the directory has no other log), their latent sizes, and for a plain single run the status.
        let directory = settings.outputDirectory
        let records = settings.shard != nil || ResultsDirectory.holdsSingleRunOnly(directory: directory)
            ? logged.withLock { $0 }?.records : nil
        let latentSizes = records.map { Report.latentSizes(of: $0, grid: grid, inputSize: data.inputSize) }
        // The page reads nothing that changes from here on and gets its sessions from here (sessions.json is about to
        // be written): it starts now, and its drawing overlaps the report and the writes below.
        let drawing = page.flatMap { page in
            settings.shard != nil ? nil : SideBySide.Started(label: "aegrid.page") { [self] in
                var finished = FinishedRun(sessions: SearchSessions.ordered(session.file.sessions))
                if let records, let latentSizes, halving == nil {
                    finished.status = SearchStatus.singleRun(directory: directory, manifest: log.manifest, grid: grid,
                                                             records: records)
                    finished.baseline = baseline
                    finished.latentSizes = latentSizes
                    finished.histories = curves.withLock { $0.histories }
                }
                return try page(finished)
            }
        }
        let written: [(path: String?, origin: BestModel.Origin?)]
        let report: Report
        do {
            (report, written) = try reportAndWrite(records: records, latentSizes: latentSizes, session: recordSession,
                                                   bestTrained: bestTrained.withLock { $0 })
        } catch {
            _ = try? drawing?.wait()  // never left running behind an error
            throw error
        }
        let pagePath = try drawing?.wait()
        let files = [log.path] + written.compactMap(\.path) + (pagePath.map { [$0] } ?? [])
        let bestModel = written.lazy.compactMap(\.origin).first
        var phase = bestModel == nil ? "sessions.json and reports" : "sessions.json, reports and best.safetensors"
        if drawing != nil { phase += " and report.html" }
        timings.mark(phase)
        // Every record is fsynced by now; closing (which releases the lock) reports what a file system says only
        // at close, as NFS's write-back can.
        try log.close()
        timings.mark("close")
        return SearchOutcome(progress: final, interrupted: false, leaderboard: report.leaderboard(top: settings.top),
                             files: files,
                             failures: report.ranked.filter { $0.status == .failed }.sorted { $0.index < $1.index },
                             bestModel: bestModel)
    }

    /// The report of the finished run and the files written after it (sessions.json, the reports,
    /// best.safetensors), with the path (when a file a user asked for) and the model's origin of each write.
    private func reportAndWrite(
        records: [TrialRecord]?, latentSizes: [String: Int]?,
        session recordSession: @escaping @Sendable () throws -> (path: String?, origin: BestModel.Origin?),
        bestTrained: (record: TrialRecord, architecture: Architecture, parameters: [Float])?
    ) throws -> (Report, [(path: String?, origin: BestModel.Origin?)]) {
        let report = try self.report(records: records, latentSizes: latentSizes)
        timings.mark("report")
        // What is left is writing files (sessions.json, the reports, best.safetensors), the durable ones each
        // waiting on their fsyncs: written side by side, the waits overlap each other and the page's drawing.
        // Nothing reads another's file.
        var writes = [recordSession]
        if settings.shard == nil {
            writes += try report.files(directory: settings.outputDirectory, top: settings.top).map { file in
                { (try file.write(), nil) }
            }
            if settings.refit != .none, let best = report.best {
                let kept = bestTrained.flatMap { $0.record.trialID == best.trialID ? $0 : nil }
                let (settings, grid, data) = (settings, grid, data)
                writes.append {
                    let trained = try kept.map { try Autoencoder(architecture: $0.architecture, parameters: $0.parameters) }
                    let saved = try BestModel.refit(best, settings: settings, grid: grid, data: data, trained: trained)
                    return (saved.path, saved.origin)
                }
            }
        }
        return (report, try SideBySide.run(writes))
    }

    /// The finished run's report. A shard reports on its own log; `aegrid merge` / `aegrid results` report on the
    /// whole directory. A single run whose log is the directory's only one reports on it too, from `records` (its
    /// records as reading the log gives them) and what the search holds: what `ResultsDirectory.report` would read
    /// back from the files this search wrote, without reading and decoding them again. Without `records` it reads.
    private func report(records: [TrialRecord]?, latentSizes: [String: Int]?) throws -> Report {
        if records == nil && settings.shard == nil {
            return try ResultsDirectory.report(directory: settings.outputDirectory)
        }
        let records = try records ?? ResultsLog.read(path: log.path, histories: false).records
        let sizes = latentSizes ?? Report.latentSizes(of: records, grid: grid, inputSize: data.inputSize)
        var report = Report(records: records, baseline: baseline, latentSizes: sizes, warnings: warnings)
        if settings.shard == nil { report.halving = try HalvingPlan(manifest: log.manifest)?.summary(records: records) }
        return report
    }

    /// What one trainer may allocate: the budget less the data (held once, shared by all), split among the jobs.
    static func memoryShare(_ budget: MemoryBudget, data: EvaluationData, jobs: Int) -> (bytes: Int, explanation: String) {
        let dataBytes = data.folds.reduce(0) { $0 + ($1.training.rows + $1.test.rows) * data.inputSize * 4 }
        let share = max(0, budget.bytes - dataBytes) / max(1, jobs)
        return (share, "\(MemoryBudget.format(share)) = (budget \(budget) − data \(MemoryBudget.format(dataBytes)))"
                    + " / \(jobs) job\(jobs == 1 ? "" : "s")")
    }

    static func invalidTrialID(_ point: GridPoint) -> String {
        let hash = stableHash64(TrialConfiguration.canonicalJSON(point.parameters))
        return String(hash, radix: 16).leftPadded(to: 16)
    }

    /// Whether `record` ranks before `other` on the leaderboard (`Report`'s order among finished trials: lower
    /// test score, ties by grid index); a finished record ranks before nil.
    package static func ranksBefore(_ record: TrialRecord, _ other: TrialRecord?) -> Bool {
        guard record.status == .ok, let score = record.testScore else { return false }
        guard let other, let otherScore = other.testScore else { return true }
        return score != otherScore ? score < otherScore : record.index < other.index
    }

    static func count(_ record: TrialRecord, into progress: inout SearchProgress) {
        progress.done += 1
        switch record.status {
        case .ok:
            if let score = record.testScore, score < (progress.bestScore ?? .infinity) {
                progress.bestScore = score
                progress.bestTrialID = record.trialID
            }
        case .diverged: progress.diverged += 1
        case .failed: progress.failed += 1
        }
    }
}

private extension String {
    func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

extension Search {
    /// The grid a search trains: the `--grid` itself, or for `--halving` its candidates (`epochs` set to the last
    /// rung's), and for `--n-iter` the points sampled from it. What `manifest.json` records, so resume, status and
    /// merge see exactly the points trained.
    static func searchSpace(argument: String, settings: SearchSettings) throws -> (grid: ParameterGrid, warnings: [String]) {
        let grid: ParameterGrid
        // Read and parsed once, whether it turns out a plain grid or one with distributions.
        let document = try GridDocument(argument: argument)
        do {
            grid = try document.grid()
        } catch let listError {
            // A grid with distributions: sampled (with replacement) before anything else sees it.
            guard var space = try distributions(document, listError: listError) else { throw listError }
            guard let count = settings.sampleCount else {
                let first = space.subGrids.flatMap(\.distributions).first!
                throw GridError.structure(source: space.source, line: first.line, problem: "'\(first.key)' is a "
                                          + "distribution: sample the grid with --n-iter N (a full grid search needs lists of values)")
            }
            if let halving = settings.halving {
                guard let maxEpochs = try halving.maxEpochs ?? space.extremesGrid().largestEpochs else {
                    throw HalvingError("the grid has no 'epochs' key: give --max-epochs, the last rung's epochs")
                }
                space = space.settingEpochs(maxEpochs)
            }
            // Every list value and every distribution's extremes, before a single draw.
            try space.validate()
            return (try space.sample(count: count, seed: settings.seed), [])
        }
        var space = grid
        var warnings: [String] = []
        if let halving = settings.halving {
            guard let maxEpochs = halving.maxEpochs ?? grid.largestEpochs else {
                throw HalvingError("the grid has no 'epochs' key: give --max-epochs, the last rung's epochs")
            }
            space = try space.settingEpochs(maxEpochs)
        }
        if let count = settings.sampleCount {
            let sampler = try ParameterSampler(grid: space, count: count, seed: settings.seed)
            space = sampler.grid
            warnings += sampler.warning.map { [$0] } ?? []
        }
        return (space, warnings)
    }

    /// The grid as a space with distributions, when that is why it is not a plain grid: nil when it has none (the
    /// plain grid's error stands); a distribution's own error (e.g. `loguniform` with low ≤ 0) is thrown.
    private static func distributions(_ document: GridDocument, listError: Error) throws -> ParameterSpace? {
        guard case GridError.structure(_, _, let problem)? = listError as? GridError, problem.contains("found a mapping") else {
            return nil
        }
        let space = try document.space()
        return space.hasDistributions ? space : nil
    }
}
