import XCTest
import TestSupport
import Yams
@testable import GridSearch

/// The cluster job files in docs/ are read as the schedulers read them and their shard wiring checked.
final class JobFilesTests: XCTestCase {
    static var repository: String { repositoryDirectory() }

    func testKubernetesIndexedJobWiresIndexAndCount() throws {
        let path = Self.repository + "/docs/kubernetes/aegrid-indexed-job.yaml"
        let text = try String(contentsOfFile: path, encoding: .utf8)
        let job = try XCTUnwrap(try Yams.load(yaml: text) as? [String: Any])
        XCTAssertEqual(job["kind"] as? String, "Job")
        XCTAssertEqual(job["apiVersion"] as? String, "batch/v1")
        let spec = try XCTUnwrap(job["spec"] as? [String: Any])
        XCTAssertEqual(spec["completionMode"] as? String, "Indexed")
        let completions = try XCTUnwrap(spec["completions"] as? Int)
        let parallelism = try XCTUnwrap(spec["parallelism"] as? Int)
        XCTAssertGreaterThan(completions, 1)
        XCTAssertLessThanOrEqual(parallelism, completions)

        let pod = try XCTUnwrap((spec["template"] as? [String: Any])?["spec"] as? [String: Any])
        let container = try XCTUnwrap((pod["containers"] as? [[String: Any]])?.first)
        let command = try XCTUnwrap(container["command"] as? [String])
        XCTAssertEqual(Array(command.prefix(2)), ["aegrid", "search"])
        XCTAssertFalse(command.contains("--shard"), "the shard comes from JOB_COMPLETION_INDEX")
        let out = try XCTUnwrap(command.firstIndex(of: "--out").map { command[$0 + 1] })

        // AEGRID_SHARDS = completions, so every index 0..<completions resolves to shard index/completions.
        let env = try XCTUnwrap(container["env"] as? [[String: Any]])
        let shards = try XCTUnwrap(env.first { $0["name"] as? String == "AEGRID_SHARDS" }?["value"] as? String)
        XCTAssertEqual(Int(shards), completions)
        for index in 0..<completions {
            let choice = try ShardSelection.resolve(shard: nil, shards: nil,
                                                    environment: ["JOB_COMPLETION_INDEX": "\(index)", "AEGRID_SHARDS": shards])
            XCTAssertEqual(choice?.shard, ShardID(index: index, count: completions))
        }

        // --out is on a mounted volume backed by a claim (shared by all pods).
        let mounts = try XCTUnwrap(container["volumeMounts"] as? [[String: Any]])
        let mount = try XCTUnwrap(mounts.first { $0["mountPath"] as? String == out }, "--out \(out) is not a mount")
        XCTAssertNotEqual(mount["readOnly"] as? Bool, true)
        let volumes = try XCTUnwrap(pod["volumes"] as? [[String: Any]])
        let volume = try XCTUnwrap(volumes.first { $0["name"] as? String == mount["name"] as? String })
        XCTAssertNotNil(volume["persistentVolumeClaim"], "the results volume must be shared storage")
        XCTAssertEqual(pod["restartPolicy"] as? String, "Never")
    }

    func testSlurmScriptDeclaresAnArrayAndRunsOneSearchPerTask() throws {
        let text = try String(contentsOfFile: Self.repository + "/docs/slurm/aegrid-array.sbatch", encoding: .utf8)
        let directives = text.split(separator: "\n").filter { $0.hasPrefix("#SBATCH ") }
        let array = try XCTUnwrap(directives.first { $0.hasPrefix("#SBATCH --array=") })
        XCTAssertNotNil(array.range(of: #"^#SBATCH --array=0-[0-9]+%[0-9]+$"#, options: .regularExpression), String(array))
        XCTAssertTrue(directives.contains("#SBATCH --output=aegrid-%A_%a.out"))
        XCTAssertEqual(text.components(separatedBy: "\" search ").count - 1, 1, "one aegrid search per task")
        XCTAssertFalse(text.contains("--shard "), "the shard comes from the array variables")
        let submit = try String(contentsOfFile: Self.repository + "/docs/slurm/submit.sh", encoding: .utf8)
        XCTAssertTrue(submit.contains("--dependency=afterok:"))
        XCTAssertTrue(submit.contains("merge"))
    }
}
