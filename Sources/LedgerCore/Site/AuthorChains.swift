/// Each author's chain of entries as this site holds it: heads, positions and forks.
///
/// An author's entries link to its previous entries; the heads are the entries no other
/// entry of that author links to. Two different entries at one (author, sequence) are a
/// fork: both are kept and reported as evidence, nothing halts (Specs/entry-format.md §6).
struct AuthorChains {
    struct Chain {
        var heads: Set<Hash32> = []
        var nextSequence: UInt64 = 0
        var positions: [UInt64: [Hash32]] = [:]
        var ids: Set<Hash32> = []
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
    @discardableResult
    mutating func record(_ entry: Entry) -> Fork? {
        var chain = chains[entry.author] ?? Chain()
        for link in entry.links { chain.heads.remove(link) }
        chain.heads.insert(entry.id)
        chain.nextSequence = max(chain.nextSequence, entry.sequence &+ 1)
        chain.ids.insert(entry.id)
        var atPosition = chain.positions[entry.sequence] ?? []
        var fork: Fork?
        if !atPosition.contains(entry.id) {
            atPosition.append(entry.id)
            if atPosition.count > 1 {
                let evidence = Fork(author: entry.author, sequence: entry.sequence, entries: atPosition.sorted())
                forks.removeAll { $0.author == entry.author && $0.sequence == entry.sequence }
                forks.append(evidence)
                fork = evidence
            }
        }
        chain.positions[entry.sequence] = atPosition
        chains[entry.author] = chain
        return fork
    }

    /// Whether `author`'s chain holds the entry `id`.
    func holds(_ id: Hash32, by author: Hash32) -> Bool { chains[author]?.ids.contains(id) ?? false }

    /// The heads a new entry by `author` must link to, sorted.
    func heads(of author: Hash32) -> [Hash32] { (chains[author]?.heads ?? []).sorted() }

    /// The sequence number of `author`'s next entry.
    func nextSequence(of author: Hash32) -> UInt64 { chains[author]?.nextSequence ?? 0 }
}
