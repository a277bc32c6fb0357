/// Each author's chain of entries as this site holds it: heads, positions and forks.
///
/// An author's entries link to its previous entries; the heads are the entries no other
/// entry of that author links to. Two different entries at one (author, sequence) are a
/// fork: both are kept and reported as evidence, nothing halts (Specs/site-layout.md §4).
///
/// Opened from the derived-state database (Specs/site-layout.md §9), the chains hold the
/// heads and next sequences only; ids and positions of entries stored before the open are
/// asked of `earlier` when a new entry needs them (a link to check, a position to compare).
struct AuthorChains {
    struct Chain {
        var heads: Set<Hash32> = []
        var nextSequence: UInt64 = 0
        var positions: [UInt64: [Hash32]] = [:]
        var ids: Set<Hash32> = []

        /// Adds an entry; returns the ids at its position when that is now a fork.
        /// `before` gives the ids held at that position before the chains were loaded.
        mutating func record(_ entry: Entry, before: [Hash32]) -> [Hash32]? {
            for link in entry.links { heads.remove(link) }
            heads.insert(entry.id)
            let wasFilled = entry.sequence < nextSequence
            nextSequence = max(nextSequence, entry.sequence &+ 1)
            guard ids.insert(entry.id).inserted else { return nil }
            // One look-up of the position (a catch-up records every entry of a batch here).
            return Self.add(entry.id, to: &positions[entry.sequence, default: []],
                            before: wasFilled && !before.isEmpty ? before.filter { $0 != entry.id } : [])
        }

        /// Appends `id` to the ids held at a position (first those held `before` the chains
        /// were loaded, when the position is new here); the ids, sorted, when it is a fork.
        private static func add(_ id: Hash32, to atPosition: inout [Hash32], before: [Hash32]) -> [Hash32]? {
            if atPosition.isEmpty && !before.isEmpty { atPosition = before }
            atPosition.append(id)
            return atPosition.count > 1 ? atPosition.sorted() : nil
        }
    }

    /// Two signed entries claiming one position of one author.
    struct Fork: Hashable, Sendable {
        var author: Hash32
        var sequence: UInt64
        var entries: [Hash32]
    }

    /// What the chains ask about entries stored before they were loaded from the index.
    struct Earlier {
        /// Whether `id` is an entry of `author` held in the log.
        var holds: (_ id: Hash32, _ author: Hash32) -> Bool
        /// The ids held at (author, sequence).
        var idsAt: (_ author: Hash32, _ sequence: UInt64) -> [Hash32]
    }

    private(set) var chains: [Hash32: Chain] = [:]
    private(set) var forks: [Fork] = []
    /// Set when the chains were loaded from the derived-state database.
    var earlier: Earlier?

    init() {}

    /// Chains as the derived-state database summarises them.
    init(loaded authors: [AuthorChainState], forks: [ForkEvidence], earlier: Earlier) {
        for author in authors {
            chains[author.author] = Chain(heads: Set(author.heads), nextSequence: author.nextSequence)
        }
        self.forks = forks.map { Fork(author: $0.author, sequence: $0.sequence, entries: $0.entries) }
        self.earlier = earlier
    }

    /// Records an entry that was stored; returns the fork it creates, if any.
    ///
    /// The chain is mutated in place: copying it out of the dictionary and back would copy
    /// its id set on every entry (quadratic in the author's history).
    @discardableResult
    mutating func record(_ entry: Entry) -> Fork? {
        var before: [Hash32] = []
        if let earlier, let chain = chains[entry.author], entry.sequence < chain.nextSequence, chain.positions[entry.sequence] == nil {
            before = earlier.idsAt(entry.author, entry.sequence)
        }
        guard let ids = chains[entry.author, default: Chain()].record(entry, before: before) else { return nil }
        let evidence = Fork(author: entry.author, sequence: entry.sequence, entries: ids)
        forks.removeAll { $0.author == entry.author && $0.sequence == entry.sequence }
        forks.append(evidence)
        return evidence
    }

    /// Forgets the ids and positions of the entries recorded so far, keeping heads, next
    /// sequences and forks, and asks `earlier` about those entries from now on: once the
    /// derived-state database holds them, a long append or ingest no longer grows memory
    /// with every entry it writes (a million appended entries held ~150 MB here).
    mutating func forgetRecordedEntries(earlier: Earlier) {
        for author in chains.keys {
            // A batch's worth of room is kept for the next one (a catch-up records 8,192
            // entries per batch); more is given back.
            let keep = (chains[author]?.ids.count ?? 0) <= Self.capacityKept
            chains[author]?.ids.removeAll(keepingCapacity: keep)
            chains[author]?.positions.removeAll(keepingCapacity: keep)
        }
        self.earlier = earlier
    }

    /// Ids per author whose room ``forgetRecordedEntries(earlier:)`` keeps for the next entries.
    static let capacityKept = 16_384

    /// Whether `author`'s chain holds the entry `id`.
    func holds(_ id: Hash32, by author: Hash32) -> Bool {
        // A head is held; a new entry usually links to its author's heads.
        if let chain = chains[author], chain.heads.contains(id) || chain.ids.contains(id) { return true }
        return earlier?.holds(id, author) ?? false
    }

    /// The heads a new entry by `author` must link to, sorted.
    func heads(of author: Hash32) -> [Hash32] { (chains[author]?.heads ?? []).sorted() }

    /// The sequence number of `author`'s next entry.
    func nextSequence(of author: Hash32) -> UInt64 { chains[author]?.nextSequence ?? 0 }
}
