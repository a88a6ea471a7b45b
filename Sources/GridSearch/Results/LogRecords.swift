/// A log's records as reading it gives them: in the order of their lines, one per trial id. A later line for an id
/// already present is ignored, unless the earlier one says `failed` (a trial retried on resume, `ResultsLog.retry`):
/// then the later line takes its place. `ResultsLog.read` builds one from the file; a search builds one from what it
/// read at its start and from each record its writer adds (`TrialRecord.readBack`), so it reports on its own log
/// without reading the file again.
///
/// A search holds at most `limit` records this way (`heldBySearch`): a record without its history is about a
/// kilobyte, so a grid of millions of trials would otherwise hold gigabytes through its whole run. Past the limit it
/// lets them go and its report reads the log, as `aegrid results` does.
struct LogRecords {
    private(set) var records: [TrialRecord] = []
    /// Each trial id's position in `records`.
    private var positions: [String: Int] = [:]
    /// The most records held: `add` refuses a new trial id beyond it.
    let limit: Int

    /// The records a search holds for its own report: a few tens of megabytes.
    static let heldBySearch = 20_000

    init(limit: Int = .max) {
        self.limit = limit
    }

    /// `records` by the rule above, or nil when they hold more than `limit` trial ids.
    init?(_ records: [TrialRecord], limit: Int = .max) {
        self.init(limit: limit)
        for record in records {
            guard add(record) != nil else { return nil }
        }
    }

    /// Adds `record` by the rule above: true when it was added or replaced a failed record, false when it was
    /// ignored, nil when it is a new trial id beyond `limit` (nothing is added).
    @discardableResult
    mutating func add(_ record: TrialRecord) -> Bool? {
        if let position = positions[record.trialID] {
            guard records[position].status == .failed else { return false }
            records[position] = record
            return true
        }
        guard records.count < limit else { return nil }
        positions[record.trialID] = records.count
        records.append(record)
        return true
    }
}
