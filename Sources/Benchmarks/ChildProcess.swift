import Foundation

/// What one finished child process cost, as the kernel accounts it (`wait4`'s `rusage`).
struct ChildProcessUsage {
    /// Wall seconds from just before `posix_spawn` to the return of `wait4`: process start-up included.
    var wallSeconds: Double
    /// User + system CPU seconds of the child (all its threads).
    var cpuSeconds: Double
    /// Peak resident set size of the program, in bytes: measured by GNU time (`/usr/bin/time -f %M`) around it when
    /// that is installed, else the `ru_maxrss` of the spawned child. The latter overstates a small program: the
    /// child is spawned with vfork semantics, and Linux carries the parent's (this benchmark's) peak into it at exec.
    var peakResidentBytes: Int
}

/// Runs programs the way a user does (a fresh process each time) and measures them.
enum ChildProcess {
    /// Runs `executable` with `arguments`, stdout and stderr appended to `logPath` (so a failure can be read
    /// afterwards), and waits for it. Throws when it cannot start or exits with a non-zero status.
    ///
    /// With `peak` (and GNU time installed) the program runs under `/usr/bin/time`, whose own start-up (about 1.3 ms
    /// of fork and exec) is then in the wall time; without it the program is spawned directly, its wall and CPU
    /// times are its own, and `peakResidentBytes` is 0 (unknown): time a short program without `peak`, and measure
    /// its peak in a separate run.
    static func run(_ executable: String, _ arguments: [String], logPath: String,
                    peak: Bool = true) throws -> ChildProcessUsage {
        let gnuTime = "/usr/bin/time"
        guard peak else {
            var usage = try spawn(executable, arguments, logPath: logPath)
            usage.peakResidentBytes = 0
            return usage
        }
        guard FileManager.default.isExecutableFile(atPath: gnuTime) else {
            return try spawn(executable, arguments, logPath: logPath)
        }
        // GNU time forks (its own small image) and execs the program, so the peak it reports is the program's own.
        let peakFile = logPath + ".peak-\(getpid())"
        defer { try? FileManager.default.removeItem(atPath: peakFile) }
        var usage = try spawn(gnuTime, ["-f", "%M", "-o", peakFile, executable] + arguments, logPath: logPath)
        if let text = try? String(contentsOfFile: peakFile, encoding: .utf8),
           let kib = Int(text.trimmingCharacters(in: .whitespacesAndNewlines).split(separator: "\n").last ?? "") {
            usage.peakResidentBytes = kib * 1024
        }
        return usage
    }

    private static func spawn(_ executable: String, _ arguments: [String], logPath: String) throws -> ChildProcessUsage {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, logPath, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var pid = pid_t()
        let start = Stopwatch.now()
        let spawned = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard spawned == 0 else {
            throw BenchmarkError("cannot start \(executable): \(String(cString: strerror(spawned)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchmarkError("wait4 failed for \(executable): \(String(cString: strerror(errno)))") }
        }
        let wall = Stopwatch.now() - start
        // WIFEXITED / WEXITSTATUS are macros Swift cannot import: exited normally ⇔ low 7 bits are 0.
        let exited = status & 0x7f == 0, code = (status >> 8) & 0xff
        guard exited, code == 0 else {
            let how = exited ? "exit status \(code)" : "signal \(status & 0x7f)"
            throw BenchmarkError("\(executable) \(arguments.joined(separator: " ")) failed (\(how)); its output is in \(logPath)")
        }
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) * 1e-6 }
        return ChildProcessUsage(wallSeconds: wall, cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
                                 peakResidentBytes: usage.ru_maxrss * 1024)
    }
}
