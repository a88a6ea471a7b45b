import Foundation
import GridSearch
import Synchronization

/// Shows a search's progress on stderr: one line redrawn in place on a terminal, a plain line every few seconds
/// otherwise (logs, CI), nothing with --quiet.
///
/// The line counts work, not only trials: epochs done of the plan's total, each running trial's epoch, and an ETA
/// from the planner's cost estimates corrected by the measured speed (`WorkProgress`). Trials report a line when
/// they are recorded (`update`); between them a timer calls `tick` (every `tickInterval`), so a terminal line
/// moves at least once a second even while every trial is minutes long. Log lines stay at most one per
/// `plainInterval`.
final class ProgressDisplay: Sendable {
    private let quiet: Bool
    private let redrawInPlace: Bool
    private let work: WorkProgress?
    /// When the last line was drawn, the trial count it showed, the latest trial counts, and whether `finish` ran.
    private let state = Mutex<(at: Date, done: Int?, latest: SearchProgress?, finished: Bool)>(
        (Date.distantPast, nil, nil, false))
    /// Plain lines are written at most this often; terminal redraws at most four times a second.
    private let plainInterval: TimeInterval = 5
    private let redrawInterval: TimeInterval = 0.25
    /// How often the CLI's timer calls `tick`.
    static let tickInterval: TimeInterval = 0.25

    init(quiet: Bool, redrawInPlace: Bool, work: WorkProgress? = nil) {
        self.quiet = quiet
        self.redrawInPlace = redrawInPlace
        self.work = work
    }

    /// A trial (or several) was recorded, or the run started.
    func update(_ progress: SearchProgress) {
        guard !quiet else { return }
        state.withLock { state in
            state.latest = progress
            draw(&state, final: progress.done == progress.total)
        }
    }

    /// The timer's call: redraws with the work done so far, even when no trial has finished since the last line.
    func tick() {
        guard !quiet else { return }
        state.withLock { state in draw(&state, final: false) }
    }

    private func draw(_ state: inout (at: Date, done: Int?, latest: SearchProgress?, finished: Bool), final: Bool) {
        guard !state.finished, let progress = state.latest else { return }
        let now = Date()
        let interval = redrawInPlace ? redrawInterval : plainInterval
        guard now.timeIntervalSince(state.at) >= interval || final else { return }
        let snapshot = work?.snapshot()
        // A log gets no line before this run has done some work: the plan line already said it all.
        if !redrawInPlace && progress.done == progress.resumed && progress.done < progress.total
            && (snapshot?.epochsDone ?? 0) == 0 { return }
        state.at = now
        state.done = progress.done
        let line = Self.line(progress, work: snapshot)
        Terminal.writeError(redrawInPlace ? "\r\u{1B}[2K" + line : line + "\n")
    }

    /// Ends the display with the final state on its own line; later ticks draw nothing.
    func finish(_ progress: SearchProgress) {
        guard !quiet else { return }
        state.withLock { state in
            state.finished = true
            let line = Self.line(progress, work: work?.snapshot())
            if redrawInPlace {
                Terminal.writeError("\r\u{1B}[2K" + line + "\n")
            } else if state.done != progress.done {
                Terminal.writeError(line + "\n")
            }
        }
    }

    /// With a plan's work: `3/8 trials  epochs 120/400  work 23%  running 13/50 7/50  42.3s  ETA 2:20  best 0.031 (id)`;
    /// without (a grid too large to plan ahead): `37/52 trials  41.2 trials/s  ETA 0:01  best 0.03121 (id)`.
    static func line(_ p: SearchProgress, work w: WorkProgress.Snapshot? = nil) -> String {
        var parts = ["\(p.done)/\(p.total) trials"]
        if let w, w.totalEpochs > 0 {
            parts.append("epochs \(w.epochsDone)/\(w.totalEpochs)")
            parts.append("work \(Int((w.fraction * 100).rounded(.down)))%")
            if p.done < p.total, !w.running.isEmpty {
                parts.append("running " + w.running.map { slot in
                    "\(slot.epoch)/\(slot.epochs)" + (slot.folds > 1 ? " (fold \(slot.fold)/\(slot.folds))" : "")
                }.joined(separator: " "))
            }
            if p.done < p.total {
                // The clock shows tenths, so a terminal line visibly moves between epochs that take minutes.
                parts.append(clock(w.elapsed))
                if let remaining = w.secondsRemaining { parts.append("ETA \(countdown(remaining))") }
            }
        } else {
            if p.trialsPerSecond > 0 { parts.append(String(format: "%.1f trials/s", p.trialsPerSecond)) }
            if p.done < p.total, let remaining = p.secondsRemaining { parts.append("ETA \(duration(remaining))") }
        }
        if p.done == p.total { parts.append("in \(duration(p.elapsed))") }
        if let best = p.bestScore { parts.append("best \(String(format: "%.6g", best))" + (p.bestTrialID.map { " (\($0))" } ?? "")) }
        if p.diverged > 0 { parts.append("\(p.diverged) diverged") }
        if p.failed > 0 { parts.append("\(p.failed) failed") }
        return parts.joined(separator: "  ")
    }

    /// Time elapsed as a running clock: `12.3s`, `4:05.2`, `1:02:03`.
    static func clock(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        guard seconds < 1e15 else { return duration(seconds) }
        let tenths = Int((seconds * 10).rounded(.down))
        return tenths >= 36_000
            ? duration(seconds)
            : String(format: "%d:%02d.%d", tenths / 600, tenths / 10 % 60, tenths % 10)
    }

    /// Time left, in whole seconds (rounded up): `7s`, `4:05`, `1:02:03`.
    static func countdown(_ seconds: Double) -> String {
        let whole = seconds.rounded(.up)
        return whole < 60 && whole > -1e15 ? "\(Int(whole))s" : duration(whole)
    }

    /// `12.3s`, `4:05`, `1:02:03`.
    static func duration(_ seconds: Double) -> String {
        if seconds < 60 { return String(format: "%.1fs", seconds) }
        // An ETA from a plan of 2⁶³ − 1 epochs can pass Int's range (or be NaN): print it, do not convert it.
        guard seconds < 1e15 else { return String(format: "%.3gs", seconds) }
        let total = Int(seconds.rounded())
        return total >= 3600
            ? String(format: "%d:%02d:%02d", total / 3600, total / 60 % 60, total % 60)
            : String(format: "%d:%02d", total / 60, total % 60)
    }
}
