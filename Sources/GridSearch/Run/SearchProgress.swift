import Foundation

/// A snapshot of a running search, delivered after every recorded trial (and once at the start).
public struct SearchProgress: Sendable {
    /// Trials this run (or shard) covers.
    public var total: Int
    /// Trials recorded so far, including those found in the results log when the run started.
    public var done: Int
    /// Trials that were already in the results log when this run started (skipped).
    public var resumed: Int
    /// Of `done`: trials whose training diverged (NaN or infinite loss) and trials that failed otherwise.
    public var diverged: Int
    public var failed: Int
    /// Seconds since this run started.
    public var elapsed: Double
    /// The best score so far (lower is better) and its trial id.
    public var bestScore: Double?
    public var bestTrialID: String?

    public init(total: Int, done: Int, resumed: Int, diverged: Int, failed: Int, elapsed: Double,
                bestScore: Double?, bestTrialID: String?) {
        self.total = total
        self.done = done
        self.resumed = resumed
        self.diverged = diverged
        self.failed = failed
        self.elapsed = elapsed
        self.bestScore = bestScore
        self.bestTrialID = bestTrialID
    }

    /// Trials recorded by this run per second of wall time (0 before the first one).
    public var trialsPerSecond: Double {
        let finishedHere = done - resumed
        return elapsed > 0 && finishedHere > 0 ? Double(finishedHere) / elapsed : 0
    }

    /// Estimated seconds until every trial is recorded, from this run's rate (nil while no rate is known).
    public var secondsRemaining: Double? {
        let rate = trialsPerSecond
        return rate > 0 ? Double(total - done) / rate : nil
    }
}
