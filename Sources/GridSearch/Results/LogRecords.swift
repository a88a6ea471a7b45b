/// A log's records as reading it gives them: in the order of their lines, one per trial id. A later line for an id
/// already present is ignored, unless the earlier one says `failed` (a trial retried on resume, `ResultsLog.retry`):
/// then the later line takes its place. `ResultsLog.read` builds one from the file; a search builds one from what it
/// read at its start and from each record its writer adds (`TrialRecord.readBack`), so it reports on its own log
/// without reading the file again.
struct LogRecords {
    private(set) var records: [TrialRecord] = []
    /// Each trial id's position in `records`.
    private var positions: [String: Int] = [:]

    init() {}

    init(_ records: [TrialRecord]) {
        for record in records { add(record) }
    }

    /// Adds `record` by the rule above; false when it was ignored.
    @discardableResult
    mutating func add(_ record: TrialRecord) -> Bool {
        if let position = positions[record.trialID] {
            guard records[position].status == .failed else { return false }
            records[position] = record
            return true
        }
        positions[record.trialID] = records.count
        records.append(record)
        return true
    }
}
