import Foundation
import GridSearch
import Synchronization

/// Shows a search's progress on stderr: one line redrawn in place on a terminal, a plain line every few seconds
/// otherwise (logs, CI), nothing with --quiet.
final class ProgressDisplay: Sendable {
    private let quiet: Bool
    private let redrawInPlace: Bool
    /// When the last line was drawn and the count it showed.
    private let drawn = Mutex<(at: Date, done: Int?)>((Date.distantPast, nil))
    /// Plain lines are written at most this often; terminal redraws at most ten times a second.
    private let plainInterval: TimeInterval = 5

    init(quiet: Bool, redrawInPlace: Bool) {
        self.quiet = quiet
        self.redrawInPlace = redrawInPlace
    }

    func update(_ progress: SearchProgress) {
        guard !quiet else { return }
        let interval = redrawInPlace ? 0.1 : plainInterval
        drawn.withLock { drawn in
            let now = Date()
            guard now.timeIntervalSince(drawn.at) >= interval || progress.done == progress.total else { return }
            // A log gets no line before the first trial of this run is recorded: the plan line already said it all.
            if !redrawInPlace && progress.done == progress.resumed && progress.done < progress.total { return }
            drawn = (now, progress.done)
            let line = Self.line(progress)
            Terminal.writeError(redrawInPlace ? "\r\u{1B}[2K" + line : line + "\n")
        }
    }

    /// Ends the display with the final state on its own line.
    func finish(_ progress: SearchProgress) {
        guard !quiet else { return }
        drawn.withLock { drawn in
            let line = Self.line(progress)
            if redrawInPlace {
                Terminal.writeError("\r\u{1B}[2K" + line + "\n")
            } else if drawn.done != progress.done {
                Terminal.writeError(line + "\n")
            }
        }
    }

    /// `37/52 trials  41.2 trials/s  ETA 0:01  best 0.03121 (trial-id)  2 diverged`
    static func line(_ p: SearchProgress) -> String {
        var parts = ["\(p.done)/\(p.total) trials"]
        if p.trialsPerSecond > 0 { parts.append(String(format: "%.1f trials/s", p.trialsPerSecond)) }
        if p.done < p.total, let remaining = p.secondsRemaining { parts.append("ETA \(duration(remaining))") }
        if p.done == p.total { parts.append("in \(duration(p.elapsed))") }
        if let best = p.bestScore { parts.append("best \(String(format: "%.6g", best))" + (p.bestTrialID.map { " (\($0))" } ?? "")) }
        if p.diverged > 0 { parts.append("\(p.diverged) diverged") }
        if p.failed > 0 { parts.append("\(p.failed) failed") }
        return parts.joined(separator: "  ")
    }

    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
