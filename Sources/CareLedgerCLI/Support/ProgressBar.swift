import Foundation

/// A progress bar on stderr with counts, rate and ETA, drawn only when stderr is a terminal.
///
/// Long work (bulk append, import, export, verify, sync) reports through it; when stderr is
/// piped or redirected it prints nothing, as `shared/CLI.md` requires. It writes through
/// `writeStandardError`, so a stderr that cannot be written (EIO behind a redirect) loses
/// the bar instead of trapping.
///
/// A bar counts one unit (`done` of `total`, e.g. bundles) and may also count `items` of a
/// second unit (e.g. the entries in those bundles); the rate is then of the items. A total
/// of 0 means unknown: the bar shows counts and rate but no fraction or ETA.
///
/// Thread-safe: `sync --peer` advances it from the ledger's writer queue.
final class ProgressBar: @unchecked Sendable {  // every mutable field is read and written only under `lock`.
    private let label: String
    private let total: Int
    private let unit: String
    private let itemUnit: String
    private let enabled: Bool
    private let start = Date()
    private let lock = NSLock()
    private var lastDraw = Date.distantPast
    private var doneCount = 0
    private var itemCount: Int?
    private var detail = ""
    private var finished = false

    /// Creates a bar for `total` units of work (0 when unknown).
    /// - Parameters:
    ///   - unit: the name of what `total` counts, shown after the count ("" for none).
    ///   - itemUnit: the name of a second count that `advance(by:items:)` adds up (nil: none).
    ///   - enabled: draw at all; by default, when stderr is a terminal.
    init(label: String, total: Int, unit: String = "", itemUnit: String? = nil,
         enabled: Bool = isatty(STDERR_FILENO) == 1) {
        self.label = label
        self.total = total
        self.unit = unit
        self.itemUnit = itemUnit ?? "items"
        self.itemCount = itemUnit == nil ? nil : 0
        self.enabled = enabled
    }

    /// Units done so far.
    var done: Int { lock.withLock { doneCount } }

    /// Records `count` more units (and `items` more of the second unit) done; redraws at
    /// most ten times a second, and always when the total is reached.
    func advance(by count: Int = 1, items: Int? = nil) {
        lock.withLock {
            doneCount += count
            if let items { itemCount = (itemCount ?? 0) + items }
            drawIfDue(force: doneCount == total)
        }
    }

    /// Sets the count (for work whose progress is read, not summed) and a short detail
    /// shown after it, such as "12 in, 30 out".
    func update(done: Int, detail: String = "") {
        lock.withLock {
            doneCount = done
            self.detail = detail
            drawIfDue(force: false)
        }
    }

    /// Shows `detail` (what is being worked on now, e.g. a file name) and redraws at once,
    /// so a long single step is visible before it ends.
    func describe(_ detail: String) {
        lock.withLock {
            self.detail = detail
            drawIfDue(force: true)
        }
    }

    /// Draws the final state and moves to a new line, once (later calls do nothing); draws
    /// nothing for work that had nothing to do (no total, no count, no detail), such as
    /// importing zero bundles.
    func finish() {
        lock.withLock {
            guard !finished else { return }
            finished = true
            guard enabled, total > 0 || doneCount > 0 || !detail.isEmpty else { return }
            draw(now: Date())
            writeStandardError("\n")
        }
    }

    /// The bar's text for a state, separate from drawing so it can be tested.
    static func render(label: String, done: Int, total: Int, elapsed: Double, unit: String = "",
                       items: Int? = nil, itemUnit: String = "entries", detail: String = "", width: Int = 24) -> String {
        let rate = elapsed > 0 ? Double(items ?? done) / elapsed : 0
        let rateNumber = rate >= 1000 ? String(format: "%.1fk", rate / 1000) : String(format: "%.0f", rate)
        let rateUnit = items != nil ? itemUnit : unit
        let rateText = rateUnit.isEmpty ? rateNumber + "/s" : rateNumber + " " + rateUnit + "/s"
        var counts = total > 0 ? "\(done)/\(total)" : "\(done)"
        if !unit.isEmpty { counts += " " + unit }
        if let items { counts += ", \(items) \(itemUnit)" }
        if !detail.isEmpty { counts += " (\(detail))" }
        guard total > 0 else { return "\(label) \(counts) \(rateText)" }
        let fraction = min(1, Double(done) / Double(total))
        let filled = Int(fraction * Double(width))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        let unitRate = elapsed > 0 ? Double(done) / elapsed : 0
        // Nothing done yet gives no rate to extrapolate from.
        let eta = unitRate > 0 ? String(format: "%.0fs", Double(max(0, total - done)) / unitRate) : "--"
        return "\(label) [\(bar)] \(counts) \(rateText) ETA \(eta)"
    }

    /// Called with `lock` held.
    private func drawIfDue(force: Bool) {
        guard enabled else { return }
        let now = Date()
        if force || now.timeIntervalSince(lastDraw) >= 0.1 {
            lastDraw = now
            draw(now: now)
        }
    }

    /// Called with `lock` held.
    private func draw(now: Date) {
        let line = Self.render(label: label, done: doneCount, total: total, elapsed: now.timeIntervalSince(start),
                               unit: unit, items: itemCount, itemUnit: itemUnit, detail: detail)
        writeStandardError("\r" + line + "\u{1B}[K")
    }
}
