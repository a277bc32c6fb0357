/// A site restored from a backup (Specs/site-layout.md §6.2): its own entries that come back
/// from peers are its signed history, kept like any other; appending goes on after the
/// highest sequence it now knows (`AuthorChains.nextSequence`), so positions are re-used
/// only by what it wrote between the restore and the return of its lost entries.
extension SiteLedger {
    /// How many of `ids` (entries just stored from a peer) are this site's own: entries it
    /// signed and lost, recovered from peers.
    public func ownEntries(among ids: [Hash32]) -> Int {
        ids.reduce(0) { $0 + (chains.holds($1, by: siteKey) ? 1 : 0) }
    }

    /// This site's own positions that hold two entries: written once before the restore and
    /// again after it (forks kept as evidence, Specs/site-layout.md §4).
    public var reusedOwnPositions: Int {
        chains.forks.reduce(0) { $0 + ($1.author == siteKey ? 1 : 0) }
    }
}
