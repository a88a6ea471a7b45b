import XCTest
@testable import GridSearch
import TestSupport
import SearchSpace

final class StatusTests: XCTestCase {
    let gridText = "latent_dim: [2, 4, 6]\nlearning_rate: [0.01, 0.001]\nepochs: [50, 100]"
    var directory = ""

    override func setUp() { directory = makeTemporaryDirectory(name) }
    override func tearDown() { try? FileManager.default.removeItem(atPath: directory) }

    private func manifest(_ grid: ParameterGrid) -> ResultsManifest {
        ResultsManifest(grid: grid, dataFingerprint: "f", dataShape: [1000, 10], dataDescription: "train.npy",
                        settings: ["seed": "42"])
    }

    /// The record a trial would produce: scores are a function of the trial, as real training is.
    private func record(_ trial: TrialConfiguration) -> TrialRecord {
        var record = TrialRecord(trial: trial, status: trial.index == 5 ? .diverged : .ok,
                                 reason: trial.index == 5 ? "loss is NaN at epoch 3, batch 1" : nil,
                                 epochsRun: trial.settings.epochs, fitSeconds: 0.5)
        if record.status == .ok {
            record.testScore = 0.01 + Double((trial.index * 7) % 12) / 1000
            record.trainLoss = record.testScore! * 0.9
            record.bestEpoch = trial.settings.epochs
            record.history = [TrialRecord.Epoch(epoch: 1, loss: record.trainLoss!, seconds: 0.25)]
        }
        return record
    }

    /// Writes shard logs for all trials except `skipping`, then returns the grid.
    private func writeShards(_ count: Int, skipping: Set<Int> = [], into target: String? = nil) throws -> ParameterGrid {
        let grid = try ParameterGrid.parse(gridText, source: "grid.yaml")
        let plan = try ShardPlan(grid: grid, inputSize: 10, trainingSamples: 1000, shards: count)
        for k in 0..<count {
            let log = try ResultsLog.open(directory: target ?? directory, manifest: manifest(grid), shard: ShardID(index: k, count: count))
            for index in plan.trialIndices(inShard: k).reversed() where !skipping.contains(index) {
                try log.append(record(try TrialConfiguration.make(grid: grid, index: index, inputSize: 10, baseSeed: 42)))
            }
            try log.close()
        }
        return grid
    }

    func testStatusCountsAndExactMissingTrialsPerShard() throws {
        let grid = try writeShards(3, skipping: [0, 1, 11])
        let plan = try ShardPlan(grid: grid, inputSize: 10, trainingSamples: 1000, shards: 3)
        let status = try SearchStatus.load(directory: directory, histories: false)
        XCTAssertFalse(status.isComplete)
        XCTAssertEqual(status.missing, [0, 1, 11])
        XCTAssertEqual(status.records.count, 9)
        for part in status.parts {
            let expected = plan.trialIndices(inShard: part.shard!.index).filter { [0, 1, 11].contains($0) }
            XCTAssertEqual(part.missing, expected)
            XCTAssertEqual(part.done + part.missing.count, part.assigned)
        }
        XCTAssertEqual(status.parts.map(\.diverged).reduce(0, +), 1)
        let text = status.text()
        XCTAssertTrue(text.hasPrefix("\(directory): grid of 12 trials, in 3 shards; data train.npy 1000×10\n"), text)
        XCTAssertTrue(text.contains("missing trials (grid indices):"), text)
        for part in status.parts where !part.missing.isEmpty {
            XCTAssertTrue(text.contains("  shard \(part.shard!): " + SearchStatus.ranges(part.missing)), text)
        }
        let totalLine = text.split(separator: "\n").first { $0.hasPrefix("total") }!
        XCTAssertTrue(totalLine.hasPrefix("total     9   8         1       0        3  "), String(totalLine))
    }

    func testUnstartedShardsAreSummarisedStartedOnesListedExactly() throws {
        let grid = try ParameterGrid.parse(gridText, source: "grid.yaml")
        let plan = try ShardPlan(grid: grid, inputSize: 10, trainingSamples: 1000, shards: 4)
        let log = try ResultsLog.open(directory: directory, manifest: manifest(grid), shard: ShardID(index: 2, count: 4))
        let shard2 = plan.trialIndices(inShard: 2)
        try log.append(record(try TrialConfiguration.make(grid: grid, index: shard2[0], inputSize: 10, baseSeed: 42)))
        try log.close()
        let status = try SearchStatus.load(directory: directory, histories: false)
        XCTAssertEqual(status.missingSummary, [
            "not started (all their trials missing): shards 0-1, 3 of 4",
            "shard 2/4: " + SearchStatus.ranges(Array(shard2.dropFirst())),
        ])
        XCTAssertTrue(status.text().contains("missing trials (grid indices):\n  not started (all their trials missing): shards 0-1, 3 of 4\n  shard 2/4: "))
    }

    func testRangesAreExact() {
        XCTAssertEqual(SearchStatus.ranges([0, 1, 2, 5, 7, 8]), "0-2, 5, 7-8")
        XCTAssertEqual(SearchStatus.ranges([]), "")
        XCTAssertEqual(SearchStatus.ranges([4]), "4")
    }

    func testMergeRefusesAnIncompleteSearchUnlessAllowed() throws {
        let grid = try writeShards(3, skipping: [0, 11])
        let plan = try ShardPlan(grid: grid, inputSize: 10, trainingSamples: 1000, shards: 3)
        let detail = (0..<3).compactMap { k -> String? in
            let missing = [0, 11].filter { plan.shard(ofTrial: $0) == k }
            return missing.isEmpty ? nil : "shard \(k)/3: " + missing.map(String.init).joined(separator: ", ")
        }.joined(separator: "; ")
        XCTAssertThrowsError(try Merge.run(directory: directory)) {
            XCTAssertEqual("\($0)", "\(self.directory): the search is incomplete, 2 of 12 trials have no result (\(detail)); "
                           + "rerun the missing shards with the same command, or pass --allow-partial to merge what is there")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/results.csv"))
        let status = try Merge.run(directory: directory, allowPartial: true).status
        XCTAssertEqual(status.records.count, 10)
        XCTAssertEqual(try ResultsLog.read(path: directory + "/results.jsonl").records.map(\.index), status.records.map(\.index))
        XCTAssertTrue(FileManager.default.fileExists(atPath: directory + "/results.csv"))
    }

    /// Merging N shards gives the same results.jsonl records, results.csv and best.json as a single run.
    func testMergedShardsEqualASingleRun() throws {
        let grid = try writeShards(3, into: directory)
        try Merge.run(directory: directory)
        let single = makeTemporaryDirectory("single")
        defer { try? FileManager.default.removeItem(atPath: single) }
        let log = try ResultsLog.open(directory: single, manifest: manifest(grid))
        for index in (0..<grid.count).shuffled() {
            try log.append(record(try TrialConfiguration.make(grid: grid, index: index, inputSize: 10, baseSeed: 42)))
        }
        try log.close()
        try Merge.run(directory: single)
        let merged = try ResultsLog.read(path: directory + "/results.jsonl").records
        XCTAssertEqual(merged.map(\.index), Array(0..<12))
        XCTAssertEqual(merged.map(\.history.count), merged.map { $0.status == .ok ? 1 : 0 }, "merge keeps the histories")
        XCTAssertEqual(merged, try ResultsLog.read(path: single + "/results.jsonl").records.sorted { $0.index < $1.index })
        for file in ["results.csv", "best.json", "leaderboard.txt"] {
            XCTAssertEqual(try Data(contentsOf: URL(fileURLWithPath: directory + "/" + file)),
                           try Data(contentsOf: URL(fileURLWithPath: single + "/" + file)), file)
        }
        XCTAssertTrue(try SearchStatus.load(directory: directory, histories: false).text().contains("complete: all 12 trials have a result"))
    }

    func testTornShardLogIsReportedAndItsTrialMissing() throws {
        _ = try writeShards(2)
        let path = directory + "/" + ShardID(index: 1, count: 2).resultsFileName
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let lines = data.split(separator: UInt8(ascii: "\n"))
        data = Data(lines.dropLast().joined(separator: [UInt8(ascii: "\n")])) + Data("\n".utf8) + Data(lines.last!.prefix(30))
        try data.write(to: URL(fileURLWithPath: path))
        let status = try SearchStatus.load(directory: directory, histories: false)
        XCTAssertEqual(status.missing.count, 1)
        XCTAssertTrue(status.parts[1].tornTail)
        XCTAssertTrue(status.text().contains("note: \(ShardID(index: 1, count: 2).resultsFileName) ends in a torn line"))
    }

    func testDirectoryWithoutManifest() {
        XCTAssertThrowsError(try SearchStatus.load(directory: directory, histories: false)) {
            XCTAssertEqual("\($0)", "\(self.directory): no manifest.json: not an aegrid results directory "
                           + "(aegrid search --out \(self.directory) creates one)")
        }
    }
}
