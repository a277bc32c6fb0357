import LedgerCore
import LedgerSync

extension SiteLedger {
    /// The set of entry ids this site holds, as the sync layer summarises it.
    public func reconcilableSet() throws -> ReconcilableSet {
        var set = ReconcilableSet()
        try forEachHeldEntry { id, _ in set.insert(id) }
        return set
    }

    /// The summary root: equal at two sites exactly when they hold the same entries.
    public func summaryRoot() throws -> Hash32 { try reconcilableSet().rootHash }
}
