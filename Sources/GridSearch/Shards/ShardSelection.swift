import Foundation

/// Which shard this process runs: from `--shard K/N`, else a Slurm job array, else a Kubernetes Indexed Job.
///
/// Order (the first that applies wins):
/// 1. `--shard K/N` (0-based). With `--shards M` too, M must equal N.
/// 2. `SLURM_ARRAY_TASK_ID` with `SLURM_ARRAY_TASK_COUNT` and/or `SLURM_ARRAY_TASK_MIN`/`MAX`: K = ID − MIN
///    (MIN defaults to 0), N = COUNT, or MAX − MIN + 1. Only contiguous arrays (`--array=0-7`, any `%K` limit):
///    a stepped or listed array (COUNT ≠ MAX − MIN + 1) is refused. `--shards`/`AEGRID_SHARDS`, when set, must agree.
/// 3. `JOB_COMPLETION_INDEX` (Kubernetes Indexed Job) with N from `--shards N`, else `AEGRID_SHARDS` (the Job's
///    `completions`; Kubernetes does not expose it).
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

    /// Resolves the shard from the flags (`shard`: the text after `--shard`; `shards`: `--shards`) and the
    /// environment. Returns nil for an unsharded run.
    public static func resolve(shard: String?, shards: Int?,
                               environment: [String: String] = ProcessInfo.processInfo.environment) throws -> Choice? {
        func fail(_ text: String) -> SelectionError { SelectionError(description: text) }
        if let shards, shards < 1 { throw fail("--shards must be at least 1, got \(shards)") }
        if let shard {
            let parts = shard.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let k = Int(parts[0].trimmingCharacters(in: .whitespaces)),
                  let n = Int(parts[1].trimmingCharacters(in: .whitespaces)), n >= 1, k >= 0, k < n else {
                throw fail("--shard expects K/N with 0 ≤ K < N (0-based), e.g. --shard 0/4; got '\(shard)'")
            }
            if let shards, shards != n { throw fail("--shard \(shard) and --shards \(shards) disagree on the shard count") }
            return Choice(shard: ShardID(index: k, count: n), origin: "--shard \(shard)")
        }

        // The count from --shards or AEGRID_SHARDS (flag first), with its origin.
        var count: (value: Int, origin: String)?
        if let shards {
            count = (shards, "--shards \(shards)")
        } else if let text = environment["AEGRID_SHARDS"], !text.isEmpty {
            guard let value = Int(text), value >= 1 else { throw fail("AEGRID_SHARDS must be a whole number ≥ 1, got '\(text)'") }
            count = (value, "AEGRID_SHARDS=\(value)")
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
            var origin = ["SLURM_ARRAY_TASK_ID=\(id)"]
            let low = minimum ?? 0
            if let minimum { origin.append("SLURM_ARRAY_TASK_MIN=\(minimum)") }
            if let maximum { origin.append("SLURM_ARRAY_TASK_MAX=\(maximum)") }
            if let taskCount { origin.append("SLURM_ARRAY_TASK_COUNT=\(taskCount)") }
            var n: Int
            if let maximum {
                guard maximum >= low else { throw fail("SLURM_ARRAY_TASK_MAX=\(maximum) is below SLURM_ARRAY_TASK_MIN=\(low)") }
                n = maximum - low + 1
                if let taskCount, taskCount != n {
                    throw fail("the Slurm array is not a contiguous range (SLURM_ARRAY_TASK_COUNT=\(taskCount) but "
                               + "MIN..MAX spans \(n) ids); submit it as --array=0-\(taskCount - 1)")
                }
            } else if let taskCount {
                n = taskCount
            } else if let count {
                n = count.value
                origin.append(count.origin)
            } else {
                throw fail("SLURM_ARRAY_TASK_ID=\(id) is set but not the array size: Slurm sets SLURM_ARRAY_TASK_COUNT "
                           + "for job arrays; otherwise pass --shards N or --shard K/N")
            }
            if let count, count.value != n, !origin.contains(count.origin) {
                throw fail("\(count.origin) disagrees with the Slurm array size \(n) (\(origin.joined(separator: ", ")))")
            }
            let k = id - low
            guard n >= 1, k >= 0, k < n else {
                throw fail("SLURM_ARRAY_TASK_ID=\(id) is outside the array's \(n) tasks starting at \(low) "
                           + "(\(origin.joined(separator: ", ")))")
            }
            return Choice(shard: ShardID(index: k, count: n), origin: origin.joined(separator: ", "))
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
