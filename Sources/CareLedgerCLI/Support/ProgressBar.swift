import Foundation

/// A progress bar on stderr with count, rate and ETA, drawn only when stderr is a terminal.
///
/// Long work (bulk append, import, export, verify, sync) reports through it; when stderr is
/// piped or redirected it prints nothing, as `shared/CLI.md` requires.
final class ProgressBar {
    private let label: String
    private let total: Int
    private let enabled: Bool
    private let start = Date()
    private var lastDraw = Date.distantPast
    private(set) var done = 0

    /// Creates a bar for `total` units of work (0 when unknown).
    init(label: String, total: Int, enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.total = total
        self.enabled = enabled
    }

    /// Records `count` more units done and redraws at most ten times a second.
    func advance(by count: Int = 1) {
        done += count
        guard enabled else { return }
        let now = Date()
        if now.timeIntervalSince(lastDraw) >= 0.1 || done == total {
            lastDraw = now
            draw(now: now)
        }
    }

    /// Draws the final state and moves to a new line.
    func finish() {
        guard enabled else { return }
        draw(now: Date())
        FileHandle.standardError.write(Data("\n".utf8))
    }

    /// The bar's text for a state, separate from drawing so it can be tested.
    static func render(label: String, done: Int, total: Int, elapsed: Double, width: Int = 24) -> String {
        let rate = elapsed > 0 ? Double(done) / elapsed : 0
        let rateText = rate >= 1000 ? String(format: "%.1fk/s", rate / 1000) : String(format: "%.0f/s", rate)
        guard total > 0 else { return "\(label) \(done) \(rateText)" }
        let fraction = min(1, Double(done) / Double(total))
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let eta = rate > 0 ? Double(total - done) / rate : 0
        return String(format: "%@ [%@] %d/%d %@ ETA %.0fs", label, bar, done, total, rateText, eta)
    }

    private func draw(now: Date) {
        let line = Self.render(label: label, done: done, total: total, elapsed: now.timeIntervalSince(start))
        FileHandle.standardError.write(Data(("\r" + line + "\u{1B}[K").utf8))
    }
}
