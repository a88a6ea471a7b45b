/// What a finished run hands the page it draws (`Search.Page`): the directory's sessions with this run's, and for a
/// plain single run (not sharded, not halving) whose log is the directory's only one, what the page would otherwise
/// read back from the files the run has just written. Every field is what reading the directory gives.
public struct FinishedRun: Sendable {
    /// The directory's sessions, this run's last (`sessions.json` is being written while the page is drawn).
    public var sessions: [SearchSessions.Session]
    /// `SearchStatus.load(directory:histories: false)`; nil when the page must read the directory itself.
    public var status: SearchStatus?
    /// `ResultsDirectory.baseline(directory:)`, with `status`.
    public var baseline: PCABaseline?
    /// Each recorded trial's latent size by trial id (trials whose grid point is a valid configuration), with
    /// `status`.
    public var latentSizes: [String: Int] = [:]
    /// The per-epoch histories of the best finished trials this run trained (`BestCurves`), by trial id: as the log
    /// holds them, so the page reads from the log only the curves of trials an earlier run trained.
    public var histories: [String: [TrialRecord.Epoch]] = [:]

    public init(sessions: [SearchSessions.Session], status: SearchStatus? = nil, baseline: PCABaseline? = nil,
                latentSizes: [String: Int] = [:], histories: [String: [TrialRecord.Epoch]] = [:]) {
        self.sessions = sessions
        self.status = status
        self.baseline = baseline
        self.latentSizes = latentSizes
        self.histories = histories
    }
}

/// The histories of the best finished trials a run has written (up to `capacity`, by test score, ties by grid
/// index), kept as their records reach the log: the learning curves its page draws are among them.
struct BestCurves {
    let capacity: Int
    private var kept: [(score: Double, index: Int, trialID: String, history: [TrialRecord.Epoch])] = []

    init(capacity: Int) { self.capacity = capacity }

    mutating func offer(_ record: TrialRecord) {
        guard record.status == .ok, let score = record.testScore, score.isFinite else { return }
        let rank = (score, record.index)
        guard kept.count < capacity || rank < (kept[kept.count - 1].score, kept[kept.count - 1].index) else { return }
        let position = kept.firstIndex { rank < ($0.score, $0.index) } ?? kept.count
        kept.insert((score, record.index, record.trialID, record.history), at: position)
        if kept.count > capacity { kept.removeLast() }
    }

    var histories: [String: [TrialRecord.Epoch]] {
        Dictionary(kept.map { ($0.trialID, $0.history) }, uniquingKeysWith: { first, _ in first })
    }
}
