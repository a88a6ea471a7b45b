import ArgumentParser
import Foundation
import GridSearch
import SearchReport

/// `aegrid report`: the results directory as one self-contained HTML page.
struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write DIR/report.html: leaderboard, importance, per-parameter and pair plots, curves, PCA.",
        discussion: """
            One self-contained file (inline SVG, CSS and a little script; nothing loaded from the network) that \
            opens from file:// in any browser: a summary, the sortable leaderboard with failed and diverged \
            trials, hyperparameter importance, test MSE against each parameter and each pair, the learning curves \
            of the best trials, and test MSE against latent size beside PCA. `aegrid search`, `aegrid merge` and \
            `aegrid results` write it too. Safe while a search is running.

            Example:
              aegrid report runs/grid1
              aegrid report runs/grid1 --out /tmp/grid1.html
            """
    )

    @Argument(help: ArgumentHelp("A directory written by `aegrid search --out`.", valueName: "dir"))
    var directory: String

    @Option(name: .long, help: ArgumentHelp("Where to write the page (default: DIR/report.html).", valueName: "file"))
    var out: String?

    func run() throws {
        let started = DispatchTime.now().uptimeNanoseconds
        let path = try HTMLReport.write(directory: directory, to: out)
        let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
        let bytes = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
        print("report: \(path) (\(String(format: "%.1f", Double(bytes) / 1024)) KB, made in \(String(format: "%.2f", seconds)) s)")
    }
}
