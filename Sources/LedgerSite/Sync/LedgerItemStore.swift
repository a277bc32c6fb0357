import LedgerCore
import LedgerNet
import LedgerSync

/// Commits received entries through the ledger's ingest (all or nothing per batch), loads
/// entries to send, and sums what happened.
///
/// Two ways to keep what was stored. A bundle import (``Keeping/report``) keeps every stored
/// entry in `report` for the caller, who records arrivals once the bundle is in; a bundle is
/// one batch, bounded by the bundle cap. A TCP session (``Keeping/ids``) is committed a batch
/// at a time (Specs/sync-protocol.md §5.4) and must not grow with the ledger: it records
/// each batch's arrivals as the batch is stored and keeps only the ids stored since the
/// caller last took them (to update the writer's id set), plus the counts.
final class LedgerItemStore: SyncItemStore, SyncItemProvider {
    /// What the store keeps of the entries it stored.
    enum Keeping {
        /// Every stored id and entry, in `report`.
        case report
        /// Counts in `report`; stored ids until ``takeStoredIDs()``; arrivals recorded per batch.
        case ids
    }

    let ledger: SiteLedger
    let keeping: Keeping
    private(set) var report = IngestReport()
    private var storedSinceTaken: [Hash32] = []
    private var quarantinedSinceTaken = false

    init(ledger: SiteLedger, keeping: Keeping = .report) {
        self.ledger = ledger
        self.keeping = keeping
    }

    func commit(_ items: [SyncItem]) throws {
        let result = try ledger.ingest(items.map(\.bytes))
        report.imported += result.imported
        report.alreadyHad += result.alreadyHad
        report.quarantined += result.quarantined
        report.released += result.released
        report.forks += result.forks
        switch keeping {
        case .report:
            report.storedIDs += result.storedIDs
            report.storedEntries += result.storedEntries
        case .ids:
            storedSinceTaken += result.storedIDs
            quarantinedSinceTaken = quarantinedSinceTaken || result.quarantined > 0
            // Arrival statistics are derived: a failure to write them never fails a session
            // whose batch is durably stored (as for bundles, whose import only warns).
            try? ledger.recordArrivals(entries: result.storedEntries)
            // The batch's decoded entries were freed across the verifying threads' arenas;
            // returning those pages keeps a long session's resident size at one batch.
            HeapTrim.releaseFreePages()
        }
    }

    /// The ids stored in the log since the last call (``Keeping/ids``) and whether anything
    /// was quarantined since then; forgets both.
    func takeStored() -> (ids: [Hash32], quarantined: Bool) {
        defer {
            storedSinceTaken = []
            quarantinedSinceTaken = false
        }
        return (storedSinceTaken, quarantinedSinceTaken)
    }

    func itemBytes(for id: Hash32) throws -> [UInt8]? { try ledger.encodedEntry(id: id) }

    /// Log order: every trusted entry comes after its author's previous entry and after the
    /// charter entries that made it trusted, so a receiver committing batch by batch finds
    /// them stored already. Quarantined entries (no log position) go last.
    func sendingOrder(_ ids: [Hash32]) -> [Int]? {
        let positions = ids.map { id in
            do { return try ledger.leafIndex(of: id) ?? .max } catch { return .max }
        }
        return positions.indices.sorted { positions[$0] != positions[$1] ? positions[$0] < positions[$1] : ids[$0] < ids[$1] }
    }
}
