import LedgerCore

/// The head rule of one consent (Specs/consent.md §5.1), alone: the heads are the known
/// versions that no known version supersedes.
///
/// A function of the set of versions, never of their order. `ConsentHistory` keeps its
/// heads with it, and the audit report's conflict time line (LedgerSite) replays versions
/// through it, so both apply one rule.
package struct ConsentHeads: Sendable {
    /// Every version id known, in insertion order.
    private(set) var known: [Hash32] = []
    private var knownSet = Set<Hash32>()
    /// Every id named in some known version's `supersedes`, arrived or not.
    private var superseded = Set<Hash32>()

    /// No versions yet.
    package init() {}

    /// Adds a version; returns false (and changes nothing) if it was already known.
    @discardableResult
    package mutating func insert(_ id: Hash32, supersedes: [Hash32]) -> Bool {
        guard knownSet.insert(id).inserted else { return false }
        known.append(id)
        for parent in supersedes where parent != id { superseded.insert(parent) }
        return true
    }

    /// Whether the known version `id` is a head.
    package func isHead(_ id: Hash32) -> Bool { knownSet.contains(id) && !superseded.contains(id) }

    /// The heads, sorted by id.
    package var heads: [Hash32] { known.filter { !superseded.contains($0) }.sorted() }
}
