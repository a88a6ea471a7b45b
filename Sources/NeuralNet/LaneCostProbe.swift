import LinearAlgebra
import Synchronization

/// What a lane pass costs in solo steps on this machine, measured: `TrainingGroup.laneStepCost` is fitted to Zen 3,
/// and other CPUs differ by up to half (a pass of eight lanes has cost 4.0–8.8 solo steps on an Emerald Rapids
/// Xeon and 5.5–7.1 on Zen 1: their vector units differ in ports and in the width they run at). The
/// planner asks here only for work large enough to pay for the measurement many times over
/// (`TrialPlan.LaneCostModel`); grouping never changes a result, so a measurement only ever changes the speed.
///
/// The measurement trains, on random rows, one member alone (the solo path a trial left out of a group takes) and a
/// group of eight (`TrainingGroup.capacity`) with the trial's own architecture, batch size, optimiser and penalties,
/// alternately three times, each run long enough to take about 0.1 ms of the thread's CPU time, and divides the
/// fastest epoch of eight lanes by the fastest lone epoch. About 1–2 ms, once per compatibility key and process.
public enum LaneCostProbe {
    private static let measured = Mutex<[String: Double]>([:])

    /// The lane pass ÷ solo step ratio for trials like this one, measured once per `TrainingGroup.compatibilityKey`
    /// in this process and then remembered; nil for a trial the grouped engine does not train or when a run did
    /// not complete (a diverging configuration): the caller then keeps its table.
    public static func laneStepCost(_ architecture: Architecture, _ configuration: TrainingConfiguration) -> Double? {
        guard TrainingGroup.accepts(architecture, configuration) else { return nil }
        let key = TrainingGroup.compatibilityKey(architecture, configuration)
        if let known = measured.withLock({ $0[key] }) { return known }
        guard let ratio = measure(architecture, configuration) else { return nil }
        measured.withLock { $0[key] = ratio }
        return ratio
    }

    /// One measurement (no cache), clamped to 1…2·capacity: beyond `capacity` a group never pays anyway.
    static func measure(_ architecture: Architecture, _ configuration: TrainingConfiguration) -> Double? {
        let capacity = TrainingGroup.capacity
        let rows = min(1024, max(64, 2 * configuration.batchSize))
        var rng = SeededGenerator(seed: 1)
        let x = Matrix(rows: rows, columns: architecture.inputSize,
                       elements: (0 ..< rows * architecture.inputSize).map { _ in rng.nextUnitFloat() })
        let models = (0 ..< capacity).map { Autoencoder(architecture: architecture, seed: UInt64($0 + 1)) }
        // CPU seconds per epoch of `members` lanes over `epochs` epochs, or nil if a member did not complete.
        func secondsPerEpoch(members: Int, epochs: Int) -> Double? {
            let configurations = (0 ..< members).map { m -> TrainingConfiguration in
                var c = configuration
                (c.epochs, c.earlyStopping, c.seed) = (epochs, nil, UInt64(m + 1))
                return c
            }
            guard let group = try? TrainingGroup(models: Array(models.prefix(members)),
                                                 configurations: configurations, training: x) else { return nil }
            let start = TrainingClock.threadCPUSeconds()
            let results = group.fit()
            let seconds = TrainingClock.threadCPUSeconds() - start
            return results.allSatisfy({ $0.outcome == .completed }) ? seconds / Double(epochs) : nil
        }
        guard let firstSolo = secondsPerEpoch(members: 1, epochs: 1),
              let firstLanes = secondsPerEpoch(members: capacity, epochs: 1) else { return nil }
        func epochs(lasting seconds: Double) -> Int { min(256, max(1, Int((1e-4 / max(seconds, 1e-9)).rounded(.up)))) }
        let soloEpochs = epochs(lasting: firstSolo), laneEpochs = epochs(lasting: firstLanes)
        var solo = Double.infinity, lanes = Double.infinity
        for _ in 0 ..< 3 {
            guard let s = secondsPerEpoch(members: 1, epochs: soloEpochs),
                  let l = secondsPerEpoch(members: capacity, epochs: laneEpochs) else { return nil }
            (solo, lanes) = (min(solo, s), min(lanes, l))
        }
        guard solo > 0, lanes.isFinite else { return nil }
        return min(2 * Double(capacity), max(1, lanes / solo))
    }
}
