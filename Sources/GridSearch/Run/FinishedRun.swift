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

    public init(sessions: [SearchSessions.Session], status: SearchStatus? = nil, baseline: PCABaseline? = nil,
                latentSizes: [String: Int] = [:]) {
        self.sessions = sessions
        self.status = status
        self.baseline = baseline
        self.latentSizes = latentSizes
    }
}
