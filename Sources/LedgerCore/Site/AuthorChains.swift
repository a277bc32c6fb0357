/// Each author's chain of entries as this site holds it: heads, positions and forks.
///
/// An author's entries link to its previous entries; the heads are the entries no other
/// entry of that author links to. Two different entries at one (author, sequence) are a
/// fork: both are kept and reported as evidence, nothing halts (Specs/site-layout.md §4).
struct AuthorChains {
    struct Chain {
        var heads: Set<Hash32> = []
        var nextSequence: UInt64 = 0
        var positions: [UInt64: [Hash32]] = [:]
        var ids: Set<Hash32> = []

        /// Adds an entry; returns the ids at its position when that is now a fork.
        mutating func record(_ entry: Entry) -> [Hash32]? {
            for link in entry.links { heads.remove(link) }
            heads.insert(entry.id)
            nextSequence = max(nextSequence, entry.sequence &+ 1)
            guard ids.insert(entry.id).inserted else { return nil }
            positions[entry.sequence, default: []].append(entry.id)
            let atPosition = positions[entry.sequence] ?? []
            return atPosition.count > 1 ? atPosition.sorted() : nil
        }
    }

    /// Two signed entries claiming one position of one author.
    struct Fork: Hashable, Sendable {
        var author: Hash32
        var sequence: UInt64
        var entries: [Hash32]
    }

    private(set) var chains: [Hash32: Chain] = [:]
    private(set) var forks: [Fork] = []

    /// Records an entry that was stored; returns the fork it creates, if any.
    ///
    /// The chain is mutated in place: copying it out of the dictionary and back would copy
    /// its id set on every entry (quadratic in the author's history).
    @discardableResult
    mutating func record(_ entry: Entry) -> Fork? {
        guard let ids = chains[entry.author, default: Chain()].record(entry) else { return nil }
        let evidence = Fork(author: entry.author, sequence: entry.sequence, entries: ids)
        forks.removeAll { $0.author == entry.author && $0.sequence == entry.sequence }
        forks.append(evidence)
        return evidence
    }

    /// Whether `author`'s chain holds the entry `id`.
    func holds(_ id: Hash32, by author: Hash32) -> Bool { chains[author]?.ids.contains(id) ?? false }

    /// The heads a new entry by `author` must link to, sorted.
    func heads(of author: Hash32) -> [Hash32] { (chains[author]?.heads ?? []).sorted() }

    /// The sequence number of `author`'s next entry.
    func nextSequence(of author: Hash32) -> UInt64 { chains[author]?.nextSequence ?? 0 }
}
