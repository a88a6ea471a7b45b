import Foundation
import LinearAlgebra
import NeuralNet
import Synchronization
import SearchSpace

/// `aegrid search --halving`: scikit-learn's successive halving with epochs as the resource.
public struct HalvingSettings: Sendable, Equatable {
    /// Each rung keeps the best ⌈n / factor⌉ candidates and multiplies the epochs by `factor` (at least 2).
    public var factor: Int
    /// The first rung's epochs; nil is scikit-learn's `min_resources="exhaust"`.
    public var minEpochs: Int?
    /// The last rung's epochs; nil is the grid's largest `epochs` value.
    public var maxEpochs: Int?
    /// scikit-learn's `aggressive_elimination`: run as many rungs as the candidates need, repeating the first
    /// rung's epochs while too many are left.
    public var aggressiveElimination: Bool

    public init(factor: Int = 3, minEpochs: Int? = nil, maxEpochs: Int? = nil, aggressiveElimination: Bool = false) {
        self.factor = factor
        self.minEpochs = minEpochs
        self.maxEpochs = maxEpochs
        self.aggressiveElimination = aggressiveElimination
    }
}

/// A halving setting that cannot run, with the rule and the values.
public struct HalvingError: Error, CustomStringConvertible, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}

/// The rungs of a successive-halving search, computed as scikit-learn's `BaseSuccessiveHalving._run_search` does
/// (`n_required_iterations`, `n_possible_iterations`, `min_resources="exhaust"`, `aggressive_elimination`), with
/// epochs as the resource and one difference: the last rung always trains to `maxEpochs` (scikit-learn's last
/// iteration may stay below `max_resources` when candidates run out first), so the finalists are compared at the
/// epoch count the grid asks for.
public struct HalvingSchedule: Sendable, Equatable {
    public struct Rung: Sendable, Equatable {
        /// Epochs every candidate of the rung is trained to.
        public let epochs: Int
        /// Candidates planned to enter the rung (fewer when some diverged or failed in an earlier rung).
        public let candidates: Int
    }

    public let factor: Int
    public let minEpochs: Int
    public let maxEpochs: Int
    public let rungs: [Rung]

    /// - Parameters: candidates: the number of distinct candidates (grid points without `epochs`), at least 1;
    ///   settings: with `maxEpochs` resolved.
    public init(candidates: Int, settings: HalvingSettings) throws {
        guard settings.factor >= 2 else { throw HalvingError("--factor must be at least 2 (got \(settings.factor))") }
        guard let maxEpochs = settings.maxEpochs, maxEpochs >= 1 else {
            throw HalvingError("--max-epochs must be at least 1 (got \(settings.maxEpochs.map(String.init) ?? "none"))")
        }
        let factor = settings.factor
        // Exact integer logarithm: the largest k with factor^k <= n (scikit-learn's floor(log(n, factor)) computed in
        // floating point can land just below an exact power; counting cannot).
        func floorLog(_ n: Int) -> Int {
            var k = 0, power = 1
            while power <= n / factor { power *= factor; k += 1 }
            return k
        }
        func power(_ k: Int) -> Int {
            var p = 1
            for _ in 0 ..< k { p = p.multipliedReportingOverflow(by: factor).overflow ? Int.max : p * factor }
            return p
        }
        let required = 1 + floorLog(max(1, candidates))
        var minEpochs: Int
        if let given = settings.minEpochs {
            guard given >= 1 else { throw HalvingError("--min-epochs must be at least 1 (got \(given))") }
            guard given <= maxEpochs else {
                throw HalvingError("--min-epochs \(given) is greater than --max-epochs \(maxEpochs); the first rung cannot train longer than the last")
            }
            minEpochs = given
        } else {
            // "exhaust": the largest first rung whose required rungs still fit under maxEpochs (at least 1 epoch).
            minEpochs = max(1, maxEpochs / power(required - 1))
        }
        let possible = 1 + floorLog(maxEpochs / minEpochs)
        let count = settings.aggressiveElimination ? required : min(possible, required)
        var rungs: [Rung] = []
        var entering = max(1, candidates)
        for iteration in 0 ..< count {
            let exponent = settings.aggressiveElimination ? max(0, iteration - required + possible) : iteration
            let p = power(exponent)
            var epochs = p > maxEpochs / minEpochs ? maxEpochs : min(maxEpochs, p * minEpochs)
            if iteration == count - 1 { epochs = maxEpochs }
            rungs.append(Rung(epochs: epochs, candidates: entering))
            // ⌈entering / factor⌉ without (entering + factor − 1), which overflows for a factor near Int.max.
            entering = entering / factor + (entering % factor == 0 ? 0 : 1)
        }
        self.factor = factor
        self.minEpochs = minEpochs
        self.maxEpochs = maxEpochs
        self.rungs = rungs
    }

    /// The settings as the manifest records them (a directory is resumed only with the same schedule).
    func manifestEntries(aggressive: Bool) -> [String: String] {
        ["search": "halving", "halving_aggressive": String(aggressive), "halving_factor": String(factor), "halving_min_epochs": String(minEpochs),
         "halving_max_epochs": String(maxEpochs), "halving_rungs": rungs.map { String($0.epochs) }.joined(separator: ",")]
    }

    /// A one-line description: `rungs: 27 × 3 epochs, 9 × 9, 3 × 27`.
    public var summary: String {
        "successive halving (factor \(factor)): " + rungs.enumerated().map { i, rung in
            "rung \(i): \(rung.candidates) trials × \(rung.epochs) epochs"
        }.joined(separator: ", ")
    }
}

extension ParameterGrid {
    /// The largest `epochs` value of the grid, if it has the key.
    public var largestEpochs: Int? {
        subGrids.compactMap { $0.values(of: "epochs") }.flatMap { $0 }.compactMap { value -> Int? in
            guard let number = value.numericValue, number.rounded() == number, number < 1e15 else { return nil }
            return Int(number)
        }.max()
    }

    /// The grid with `epochs` set to `[epochs]` in every sub-grid (added where missing): successive halving's
    /// candidates, one per point that differs in anything but `epochs`.
    public func settingEpochs(_ epochs: Int) throws -> ParameterGrid {
        let entries = subGrids.map { subGrid in
            var mapping = subGrid.keys.indices.filter { subGrid.keys[$0] != "epochs" }.map {
                (key: subGrid.keys[$0], line: subGrid.keyLines[$0], values: subGrid.values[$0])
            }
            mapping.append((key: "epochs", line: subGrid.line(of: "epochs"), values: [.int(epochs)]))
            return mapping
        }
        return try ParameterGrid(source: source, entries: entries, lines: subGrids.map(\.line))
    }
}

/// The candidates and rungs of one halving search, and the one rule that says who trains at which rung: `replay`,
/// a pure function of the records, so a resumed run, `status` and the reports all agree with the run itself.
public struct HalvingPlan: Sendable {
    public let schedule: HalvingSchedule
    /// Distinct candidates in grid order, each at `maxEpochs` (points with equal parameters are one candidate).
    public let candidates: [TrialConfiguration]
    private let baseSeed: UInt64
    private let trainingSamples: Int

    /// - Parameters: grid: the candidate grid (`settingEpochs`), every point valid.
    public init(grid: ParameterGrid, settings: HalvingSettings, inputSize: Int, baseSeed: UInt64,
                trainingSamples: Int = 1) throws {
        var seen = Set<String>()
        var candidates: [TrialConfiguration] = []
        for index in 0 ..< grid.count {
            let trial = try TrialConfiguration.make(grid: grid, index: index, inputSize: inputSize, baseSeed: baseSeed,
                                                    trainingSamples: trainingSamples)
            if seen.insert(trial.trialID).inserted { candidates.append(trial) }
        }
        self.candidates = candidates
        self.baseSeed = baseSeed
        self.trainingSamples = trainingSamples
        schedule = try HalvingSchedule(candidates: candidates.count, settings: settings)
    }

    /// The plan of a results directory made by a halving search, or nil for a plain one.
    public init?(manifest: ResultsManifest) throws {
        let entries = manifest.settings
        guard entries["search"] == "halving" else { return nil }
        guard let factor = entries["halving_factor"].flatMap(Int.init),
              let minEpochs = entries["halving_min_epochs"].flatMap(Int.init),
              let maxEpochs = entries["halving_max_epochs"].flatMap(Int.init) else {
            throw ResultsError.manifestMismatch(directory: "", detail: "its manifest.json lacks the halving settings")
        }
        try self.init(grid: try manifest.parsedGrid(), settings: HalvingSettings(
            factor: factor, minEpochs: minEpochs, maxEpochs: maxEpochs,
            aggressiveElimination: entries["halving_aggressive"] == "true"), inputSize: manifest.inputSize, baseSeed: 0)
    }

    /// Candidate `candidate` trained to `epochs`: exactly the plain grid's trial for that point with that `epochs`
    /// (same parameters, trial id and seed).
    public func trial(_ candidate: Int, epochs: Int) -> TrialConfiguration {
        let base = candidates[candidate]
        var settings = base.settings
        settings.epochs = epochs
        let parameters = base.parameters.map { $0.key == "epochs" ? Parameter(key: "epochs", value: .int(epochs)) : $0 }
        return TrialConfiguration(index: base.index, parameters: parameters, settings: settings, inputSize: base.inputSize,
                                  baseSeed: baseSeed, trainingSamples: trainingSamples)
    }

    /// The records a complete halving writes (rungs with the epochs of the rung before share its records).
    public var plannedRecords: Int {
        var total = 0
        for (i, rung) in schedule.rungs.enumerated() where i == 0 || schedule.rungs[i - 1].epochs != rung.epochs {
            total += rung.candidates
        }
        return total
    }

    /// Where a halving stands, given the records so far.
    public struct Replay: Sendable {
        public struct Entry: Sendable {
            /// Position in `candidates`.
            public let candidate: Int
            public let record: TrialRecord?
        }
        /// Per rung reached: its entrants in grid order, with their records where written.
        public var rungs: [[Entry]]
        /// The first rung with a missing record, or nil when the search is complete.
        public var current: Int?
    }

    /// Replays the halving over `records` (by trial id): rung 0 holds every candidate; after a rung whose records
    /// are all written, the best ⌈n / factor⌉ of its finished trials (lowest score, ties by grid order; diverged and
    /// failed trials are out) enter the next one.
    public func replay(_ records: [String: TrialRecord]) -> Replay {
        var entrants = Array(candidates.indices)
        var rungs: [[Replay.Entry]] = []
        for (r, rung) in schedule.rungs.enumerated() {
            let entries = entrants.map { Replay.Entry(candidate: $0, record: records[trial($0, epochs: rung.epochs).trialID]) }
            rungs.append(entries)
            if entries.contains(where: { $0.record == nil }) { return Replay(rungs: rungs, current: r) }
            let keep = (entries.count + schedule.factor - 1) / schedule.factor
            let ranked = entries.filter { $0.record!.status == .ok && ($0.record!.testScore?.isFinite ?? false) }
                .sorted { ($0.record!.testScore!, $0.candidate) < ($1.record!.testScore!, $1.candidate) }
            entrants = ranked.prefix(keep).map(\.candidate).sorted()
            if entrants.isEmpty { break }
        }
        return Replay(rungs: rungs, current: nil)
    }

    /// What the reports show of a halving: `iter` and `n_resources` per record, the last rung's records, and how many
    /// trials each rung had.
    public func summary(records: [TrialRecord]) -> HalvingSummary {
        let replay = replay(Dictionary(records.map { ($0.trialID, $0) }, uniquingKeysWith: { a, _ in a }))
        var rungOf: [String: (iter: Int, epochs: Int)] = [:]
        for (r, entries) in replay.rungs.enumerated() {
            for entry in entries { if let record = entry.record { rungOf[record.trialID] = (r, schedule.rungs[r].epochs) } }
        }
        let last = replay.rungs.last.map { $0.compactMap(\.record?.trialID) } ?? []
        return HalvingSummary(schedule: schedule, rungOf: rungOf, lastRung: Set(last),
                              rungCounts: replay.rungs.map { entries in (entries.count, entries.filter { $0.record != nil }.count) },
                              complete: replay.current == nil && replay.rungs.count == schedule.rungs.count)
    }
}

/// The halving facts `Report` and `SearchStatus` print.
public struct HalvingSummary: Sendable {
    public let schedule: HalvingSchedule
    /// scikit-learn's `iter` (the last rung the record stands for) and `n_resources` (its epochs), by trial id.
    public let rungOf: [String: (iter: Int, epochs: Int)]
    /// The trial ids of the last rung reached (the leaderboard ranks only these).
    public let lastRung: Set<String>
    /// Per rung reached: entrants and records written.
    public let rungCounts: [(entrants: Int, recorded: Int)]
    public let complete: Bool

    /// `successive halving: rung 0: 48 trials at 3 epochs, rung 1: 16 at 9, rung 2: 6 at 27`.
    public var text: String {
        "successive halving (factor \(schedule.factor)): " + schedule.rungs.enumerated().map { r, rung in
            let counts = r < rungCounts.count ? rungCounts[r] : nil
            let trials = counts.map { $0.recorded == $0.entrants ? "\($0.entrants) trials" : "\($0.recorded)/\($0.entrants) trials" }
                ?? "not started"
            return "rung \(r): \(trials) at \(rung.epochs) epochs"
        }.joined(separator: ", ")
    }
}

// MARK: - Running

/// One candidate's training (one per fold) and how far each has trained: what a promoted trial continues from.
struct KeptTraining {
    var folds: [StagedTraining]
    let bytes: Int
}

/// A candidate's kept training, handed between worker threads at rung barriers. The mutex is held by the one worker
/// training the candidate (a `Trainer` is used by one thread at a time), so the trainers never need to be `Sendable`.
final class CandidateSlot: Sendable {
    let kept = Mutex<KeptTraining?>(nil)
}

/// The bytes of trainers kept across rungs, shared by the workers.
final class KeptMemory: Sendable {
    let bytes = Atomic(0)
}

/// One candidate to train to a rung's epochs.
struct HalvingWork: Sendable {
    let trial: TrialConfiguration
    let maxEpochs: Int
    let slot: CandidateSlot
    /// Whether a later rung may continue it (its trainers are then kept, memory permitting).
    let mayBePromoted: Bool
    let isLastRung: Bool
    let cost: Double
}

/// Hands the runner a rung's work, most expensive first.
final class HalvingRungSource: RunnerWorkSource {
    private var items: [HalvingWork]
    init(_ items: [HalvingWork]) {
        self.items = items.sorted { $0.cost != $1.cost ? $0.cost > $1.cost : $0.trial.index < $1.trial.index }.reversed()
    }
    func next() -> HalvingWork? { items.popLast() }
}

/// Runs a halving search rung by rung: every rung is a barrier; within it the runner keeps every core busy, longest
/// first. A promoted candidate continues from its kept trainers (`Trainer.advance`), so no epoch is trained twice;
/// without them (after a restart, or beyond the memory budget) it retrains its prefix from scratch, which gives
/// the same bits (`Trainer.advance` is `fit(checkpoints:)`'s loop; the trial's seed depends on its parameters only).
struct HalvingRun {
    let plan: HalvingPlan
    let folds: [EvaluationFold]
    let runner: Runner
    /// Bytes of kept trainers at most; candidates beyond it are retrained on promotion.
    var memoryBudget = HalvingRun.defaultMemoryBudget

    /// 1 GiB of kept trainer state.
    static let defaultMemoryBudget = 1 << 30

    /// Estimated bytes of one fold's kept trainer: the trial's training estimate on the fold's rows (the engine's
    /// own buffers, eight lanes of them for a trial the group engine trains), `Int.max` when it overflows.
    static func trainerBytes(_ trial: TrialConfiguration, trainingRows: Int) -> Int {
        trial.estimatedTrainingBytes(trainingRows: trainingRows) ?? Int.max
    }

    /// Trains every missing record of every rung, starting from the records already in the log. `deliver` gets each
    /// record (from the worker threads, one at a time per worker); `keepIfBest` each last-rung record with its trained weights.
    func run(existing: [TrialRecord], keepIfBest: @escaping @Sendable (TrialRecord, Architecture, [Float]) -> Void,
             deliver: @escaping @Sendable (TrialRecord) -> Void) {
        var records = Dictionary(existing.map { ($0.trialID, $0) }, uniquingKeysWith: { a, _ in a })
        let slots = plan.candidates.map { _ in CandidateSlot() }
        let keptBytes = KeptMemory()
        let budget = memoryBudget
        let folds = self.folds
        let runner = self.runner
        while true {
            let replay = plan.replay(records)
            guard let r = replay.current else { break }
            let entrants = Set(replay.rungs[r].map(\.candidate))
            // The eliminated candidates' trainers are freed at the barrier.
            for (c, slot) in slots.enumerated() where !entrants.contains(c) {
                slot.kept.withLock { kept in
                    if let k = kept { keptBytes.bytes.subtract(k.bytes, ordering: .relaxed) }
                    kept = nil
                }
            }
            let rung = plan.schedule.rungs[r]
            let isLast = r == plan.schedule.rungs.count - 1
            let work = replay.rungs[r].filter { $0.record == nil }.map { entry in
                let trial = plan.trial(entry.candidate, epochs: rung.epochs)
                let done = slots[entry.candidate].kept.withLock { $0?.folds.first?.epoch ?? 0 }
                return HalvingWork(trial: trial, maxEpochs: plan.schedule.maxEpochs, slot: slots[entry.candidate],
                                   mayBePromoted: !isLast, isLastRung: isLast,
                                   cost: Double(rung.epochs - done) * Double(trial.parameterCount))
            }
            let delivered = Mutex<[TrialRecord]>([])
            runner.run(HalvingRungSource(work)) { item, context in
                Self.train(item, folds: folds, threads: context.threads, shouldCancel: { runner.isCancelled },
                           keptBytes: keptBytes, budget: budget,
                           keepIfBest: keepIfBest) { record in
                    delivered.withLock { $0.append(record) }
                    deliver(record)
                }
            }
            if runner.isCancelled { break }
            let new = delivered.withLock { $0 }
            for record in new where records[record.trialID] == nil { records[record.trialID] = record }
            // Every work item delivers unless cancelled; guard against a rung that made no progress all the same.
            if new.isEmpty && !work.isEmpty { break }
        }
    }

    /// Trains one candidate to its rung on every fold, continuing from its kept trainers when it has them.
    static func train(_ work: HalvingWork, folds: [EvaluationFold], threads: ThreadAllowance,
                      shouldCancel: @escaping @Sendable () -> Bool, keptBytes: KeptMemory, budget: Int,
                      keepIfBest: (TrialRecord, Architecture, [Float]) -> Void, deliver: (TrialRecord) -> Void) {
        let trial = work.trial
        let family = FamilyTraining(family: TrialFamily(members: [trial]), folds: folds)
        work.slot.kept.withLock { kept in
            var trainers = kept?.folds ?? []
            if let k = kept { keptBytes.bytes.subtract(k.bytes, ordering: .relaxed) }
            kept = nil
            var outcomes: [FamilyTraining.FoldOutcome] = []
            var lastModel: Autoencoder?
            for (f, fold) in folds.enumerated() {
                if f >= trainers.count {
                    // The whole run's configuration (to the last rung), so the trainer can continue at later rungs.
                    var configuration = trial.training
                    configuration.epochs = work.maxEpochs
                    configuration.seed = FamilyTraining.seed(configuration.seed, fold: f, of: folds.count)
                    let data = configuration.earlyStopping == nil
                        ? (training: fold.training, validation: nil as Matrix?)
                        : { let split = fold.earlyStoppingSplit(); return (training: split.training, validation: split.validation as Matrix?) }()
                    do {
                        trainers.append(try StagedTraining(trial: trial, configuration: configuration,
                                                           training: data.training, validation: data.validation,
                                                           threads: ThreadAllowance(threads.threads)))
                    } catch {
                        deliver(family.record(trial, failure: "\(error)"))
                        return
                    }
                }
                // The worker's share of the cores changes as other workers finish: passed on at every epoch.
                let started = DispatchTime.now().uptimeNanoseconds
                guard let advanced = trainers[f].advance(to: trial.settings.epochs, threads: threads,
                                                         shouldCancel: shouldCancel) else { return }
                let (result, model) = advanced
                let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
                if case let .diverged(epoch, batch, reason) = result.outcome {
                    outcomes.append(.diverged(epoch: epoch, batch: batch, reason: reason, seconds: seconds))
                } else {
                    outcomes.append(.scored(result: result, testMSE: model.meanSquaredError(fold.test), seconds: seconds))
                }
                lastModel = model
            }
            let record = family.record(trial, outcomes)
            if work.isLastRung, folds.count == 1, record.status == .ok, let lastModel {
                keepIfBest(record, lastModel.architecture, lastModel.parameters)
            }
            if work.mayBePromoted, record.status == .ok {
                let bytes = folds.prefix(trainers.count).reduce(0) { total, fold in
                    let (sum, overflow) = total.addingReportingOverflow(HalvingRun.trainerBytes(trial, trainingRows: fold.training.rows))
                    return overflow ? Int.max : sum
                }
                // A trainer larger than the whole budget is never added (nor can the sum wrap).
                if bytes <= budget {
                    if keptBytes.bytes.add(bytes, ordering: .relaxed).newValue <= budget {
                        kept = KeptTraining(folds: trainers, bytes: bytes)
                    } else {
                        keptBytes.bytes.subtract(bytes, ordering: .relaxed)
                    }
                }
            }
            deliver(record)
        }
    }
}
