import LedgerCore
import LedgerSync

extension SiteLedger {
    /// The set of entry ids this site holds, as the sync layer summarises it.
    public func reconcilableSet() throws -> ReconcilableSet {
        // One bulk insert rehashes each node once (an insert per id rehashes its whole path
        // every time: at 10^6 entries most of `stats`' time).
        var ids: [Hash32] = []
        ids.reserveCapacity(entryCount + quarantined.count)
        try forEachHeldEntry { id, _ in ids.append(id) }
        return ReconcilableSet(ids)
    }

    /// The summary root: equal at two sites exactly when they hold the same entries.
    public func summaryRoot() throws -> Hash32 { try reconcilableSet().rootHash }
}
