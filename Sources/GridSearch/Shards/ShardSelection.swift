import Foundation

/// Which shard this process runs: from `--shard K/N`, else a Slurm job array, else a Kubernetes Indexed Job.
///
/// The shard count N, when not in `--shard K/N`, comes from (first that is set): `--shards N`, `AEGRID_SHARDS`, the
/// results directory's `manifest.json` (`recordedShards`: every shard that has started records N there). The flag or
/// variable and the manifest must agree; a different N is refused, naming both.
///
/// Order (the first that applies wins):
/// 1. `--shard K/N` (0-based). With `--shards M` too, M must equal N.
/// 2. `SLURM_ARRAY_TASK_ID`: the task id is the shard index, K = ID, always, so a task computes the same shard in
///    the original array (`--array=0-7`) and in a resubmission of some of its ids (`--array=3`, `--array=1,5`,
///    `--array=0-14:2`). N comes from the count above; without one (the first tasks of a first submission, before a
///    manifest exists), from the array itself, which must then be the whole array `0..COUNT−1`
///    (`SLURM_ARRAY_TASK_MIN` = 0 and `SLURM_ARRAY_TASK_MAX` = `SLURM_ARRAY_TASK_COUNT` − 1; any `%K` limit). Any
///    other array without a known count (starting above 0, stepped, a list of ids) is refused: it cannot say N.
/// 3. `JOB_COMPLETION_INDEX` (Kubernetes Indexed Job): K = the index, N from the count above (`AEGRID_SHARDS`
///    repeats the Job's `completions`; Kubernetes does not expose it).
/// 4. Otherwise no sharding (`--shards N` alone is an error: it names no shard).
public enum ShardSelection {
    /// A chosen shard and where it came from, for the line printed at start.
    public struct Choice: Equatable, Sendable {
        public var shard: ShardID
        /// e.g. "--shard 2/4", "SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=4".
        public var origin: String

        /// "shard 2/4 (from SLURM_ARRAY_TASK_ID=2, SLURM_ARRAY_TASK_COUNT=4)".
        public var description: String { "shard \(shard) (from \(origin))" }
    }

    /// Inconsistent or malformed shard settings; the message names the flag or variable and its value.
    public struct SelectionError: Error, Equatable, CustomStringConvertible, LocalizedError {
        public var description: String
        public var errorDescription: String? { description }
    }

    /// Resolves the shard from the flags (`shard`: the text after `--shard`; `shards`: `--shards`), the shard count
    /// recorded in the results directory's manifest (`recordedShards`, nil when there is no manifest or it records
    /// a single run) and the environment. Returns nil for an unsharded run.
    public static func resolve(shard: String?, shards: Int?, recordedShards: Int? = nil,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Choice? {
        func fail(_ text: String) -> SelectionError { SelectionError(description: text) }
        let most = ShardID.maximumCount
        func tooMany(_ origin: String) -> SelectionError {
            fail("\(origin) asks for more shards than AEGrid splits a search into (at most \(most)); use fewer "
                 + "shards, each running more trials")
        }
        if let shards, shards < 1 { throw fail("--shards must be at least 1, got \(shards)") }
        if let shards, shards > most { throw tooMany("--shards \(shards)") }
        if let shard {
            let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let k = Int(parts[0].trimmingCharacters(in: .whitespaces)),
                  let n = Int(parts[1].trimmingCharacters(in: .whitespaces)), n >= 1, k >= 0, k < n else {
                throw fail("--shard expects K/N with 0 ≤ K < N (0-based), e.g. --shard 0/4; got '\(shard)'")
            }
            if n > most { throw tooMany("--shard \(shard)") }
            if let shards, shards != n { throw fail("--shard \(shard) and --shards \(shards) disagree on the shard count") }
            return Choice(shard: ShardID(index: k, count: n), origin: "--shard \(shard)")
        }

        // The count from --shards or AEGRID_SHARDS (flag first), else from the manifest, with its origin.
        var count: (value: Int, origin: String)?
        if let shards {
            count = (shards, "--shards \(shards)")
        } else if let text = environment["AEGRID_SHARDS"], !text.isEmpty {
            guard let value = Int(text), value >= 1 else { throw fail("AEGRID_SHARDS must be a whole number ≥ 1, got '\(text)'") }
            if value > most { throw tooMany("AEGRID_SHARDS=\(value)") }
            count = (value, "AEGRID_SHARDS=\(value)")
        }
        if let recordedShards {
            if !(1 ... most).contains(recordedShards) { throw tooMany("the results directory's manifest.json") }
            let recorded = "the results directory's manifest.json, which records \(recordedShards) shards"
            if let count, count.value != recordedShards {
                throw fail("\(count.origin) disagrees with \(recorded): give the same count (or leave it out and the "
                           + "manifest's is used), or use a new --out directory for a search in \(count.value) shards")
            }
            if count == nil { count = (recordedShards, "manifest.json: \(recordedShards) shards") }
        }
        func integer(_ name: String) throws -> Int? {
            guard let text = environment[name], !text.isEmpty else { return nil }
            guard let value = Int(text), value >= 0 else { throw fail("\(name) must be a whole number ≥ 0, got '\(text)'") }
            return value
        }

        if let id = try integer("SLURM_ARRAY_TASK_ID") {
            let taskCount = try integer("SLURM_ARRAY_TASK_COUNT")
            let minimum = try integer("SLURM_ARRAY_TASK_MIN")
            let maximum = try integer("SLURM_ARRAY_TASK_MAX")
            var array = ["SLURM_ARRAY_TASK_ID=\(id)"]
            if let minimum { array.append("SLURM_ARRAY_TASK_MIN=\(minimum)") }
            if let maximum { array.append("SLURM_ARRAY_TASK_MAX=\(maximum)") }
            if let taskCount { array.append("SLURM_ARRAY_TASK_COUNT=\(taskCount)") }
            if let step = environment["SLURM_ARRAY_TASK_STEP"], !step.isEmpty, step != "1" {
                array.append("SLURM_ARRAY_TASK_STEP=\(step)")
            }
            let variables = array.joined(separator: ", ")
            // The task id is the shard index whatever the array's shape: a resubmitted id runs the same shard.
            if let count {
                guard id < count.value else {
                    throw fail("SLURM_ARRAY_TASK_ID=\(id) is not below the shard count \(count.value) (from \(count.origin)): "
                               + "array task ids are the shard indices 0..\(count.value - 1); submit --array within that range")
                }
                return Choice(shard: ShardID(index: id, count: count.value), origin: "SLURM_ARRAY_TASK_ID=\(id), \(count.origin)")
            }
            // No count known: only the whole array 0..COUNT-1 says N (a first submission, before any manifest).
            let low = minimum ?? 0
            let n: Int
            if let maximum {
                if maximum >= most { throw tooMany("the Slurm array (\(variables))") }
                n = maximum + 1
                guard low == 0, taskCount == nil || taskCount == n else {
                    let ids = max(taskCount ?? maximum - low + 1, 1)
                    throw fail("the Slurm array (\(variables)) is not the whole array 0..COUNT-1, so it does not give the "
                               + "shard count: array task ids are the shard indices; submit --array=0-\(ids - 1) for a new "
                               + "search, or set AEGRID_SHARDS=N (or resume into the --out directory of a search that has "
                               + "started: its manifest.json records N) to run only some of the shards")
                }
            } else if let taskCount, low == 0 {
                if taskCount > most { throw tooMany("the Slurm array (\(variables))") }
                n = taskCount
            } else {
                throw fail("SLURM_ARRAY_TASK_ID=\(id) is set but not the shard count (\(variables)): Slurm sets "
                           + "SLURM_ARRAY_TASK_COUNT and SLURM_ARRAY_TASK_MIN/MAX for job arrays; otherwise set "
                           + "AEGRID_SHARDS=N, or pass --shards N or --shard K/N")
            }
            guard id < n else {
                throw fail("SLURM_ARRAY_TASK_ID=\(id) is outside the array's \(n) tasks 0..\(n - 1) (\(variables))")
            }
            return Choice(shard: ShardID(index: id, count: n), origin: variables)
        }

        if let id = try integer("JOB_COMPLETION_INDEX") {
            guard let count else {
                throw fail("JOB_COMPLETION_INDEX=\(id) is set (Kubernetes Indexed Job) but not the shard count: pass "
                           + "--shards N or set AEGRID_SHARDS to the Job's completions")
            }
            guard id < count.value else {
                throw fail("JOB_COMPLETION_INDEX=\(id) is not below \(count.origin); the Job's completions and the "
                           + "shard count must be equal")
            }
            return Choice(shard: ShardID(index: id, count: count.value), origin: "JOB_COMPLETION_INDEX=\(id), \(count.origin)")
        }

        if let shards {
            throw fail("--shards \(shards) names no shard: pass --shard K/\(shards), or run as a Slurm array task "
                       + "or a Kubernetes Indexed Job pod")
        }
        return nil
    }
}
