import Foundation
import LedgerCore
import LedgerIndex

extension SiteLedger {
    /// Checks the site's derived-state database against the log (`verify`, Specs/site-layout.md §9.6).
    ///
    /// A database is rebuilt from the log in a private folder up to the site database's
    /// high-water mark, and the two are compared table by table. A database past the log is
    /// a fault; one behind it is not (the next open catches it up). No database, or one
    /// without this build's schema (the next open rebuilds it): nothing to
    /// check. Beside a writer that is past this snapshot (or moves the database while it is
    /// compared) nothing is checked.
    /// - Returns: one fault per disagreement, naming the table and the row's ordinal.
    public func verifyDerivedState() -> [LedgerFault] {
        guard FileManager.default.fileExists(atPath: layout.index) else { return [] }
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("careledger-index-\(UUID().uuidString)").path
        defer { SiteIndex.removeFiles(at: scratch) }
        do {
            let site = try SiteIndex(path: layout.index)
            // Without this build's schema (new, wiped, half-created on a failing disk) it is
            // never read: the next open rebuilds it, as when it is missing.
            guard try site.state() != nil else { return [] }
            let mark = try site.appliedSize()
            // A writer past this snapshot's signed head keeps the database ahead of it: the
            // database is checked when no writer runs (or by the writer's own verify).
            if mark > entryCount && isSnapshotView { return [] }
            if mark > entryCount {
                return [LedgerFault(file: "index.sqlite", offset: Int64(mark), what: "the derived-state database has applied \(mark) records but the log holds \(entryCount)")]
            }
            let fresh = try SiteIndex(path: scratch)
            try fresh.reset()
            var batch: [IndexedEntry] = []
            let voided = charter.upheldEntries
            try forEachEntryOrFault(below: mark) { record in
                batch.append(record)
                if batch.count >= 4096 { try fresh.apply(batch, voided: voided); batch.removeAll(keepingCapacity: true) }
            }
            try fresh.apply(batch, voided: voided)
            guard let found = try site.disagreements(with: fresh, at: mark) else { return [] }
            return found.map {
                LedgerFault(file: "index.sqlite", offset: Int64($0.ordinal ?? 0), ordinal: $0.ordinal.map(Int64.init),
                            what: "derived-state database disagrees with the log: \($0.what) (`careledger reindex` rebuilds it)")
            }
        } catch {
            return [LedgerFault(file: "index.sqlite", offset: 0, what: "the derived-state database cannot be checked (`careledger reindex` rebuilds it): \(error)")]
        }
    }

    /// Every record below `end` as the index applies it: decoded, or nil when it does not decode.
    private func forEachEntryOrFault(below end: Int, _ body: (IndexedEntry) throws -> Void) throws {
        for ordinal in 0..<min(end, entryCount) {
            try body(IndexedEntry(ordinal: ordinal, entry: try? entry(at: ordinal)))
        }
    }
}
