import Foundation
import LedgerSite

extension ProgressBar {
    /// A handler that draws a library operation's progress as a bar: the bar is made when
    /// the operation begins (its total known) and finished when it ends.
    /// - Parameters:
    ///   - itemUnit: the name of the second count the operation's `.advance` events carry;
    ///     nil draws only the first count.
    static func handler(label: String, unit: String = "", itemUnit: String? = nil) -> SiteProgressHandler {
        let slot = BarSlot()
        return { event in
            switch event {
            case .begin(let total):
                slot.set(ProgressBar(label: label, total: total, unit: unit, itemUnit: itemUnit))
            case .describe(let text):
                slot.bar?.describe(text)
            case .advance(let units, let items):
                slot.bar?.advance(by: units, items: itemUnit == nil ? nil : items)
            case .update(let done, let detail):
                slot.bar?.update(done: done, detail: detail)
            case .end:
                slot.bar?.finish()
            }
        }
    }
}

/// The bar of one operation, made when it begins; events may come from the writer queue.
private final class BarSlot: @unchecked Sendable {  // `current` is read and written only under `lock`.
    private let lock = NSLock()
    private var current: ProgressBar?

    var bar: ProgressBar? { lock.withLock { current } }

    func set(_ bar: ProgressBar) { lock.withLock { current = bar } }
}

/// One `warning: …` line on stderr per warning a library call returned.
func printWarnings(_ warnings: [String]) {
    for warning in warnings { printError("warning: \(warning)") }
}
