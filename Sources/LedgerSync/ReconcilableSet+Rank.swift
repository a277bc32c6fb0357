import LedgerCore

extension ReconcilableSet {
    /// The position of `id` among the set's ids in ascending byte order (its index in
    /// `ids(in: .root)`), or nil when the set does not hold it.
    ///
    /// Why: a session marks the ids it has sent in a bitmap indexed by rank (one bit per id of
    /// its snapshot) instead of a hash set of 32-byte ids (Specs/sync-protocol.md §5.4).
    /// O(16 × depth): each inner node on the path adds the counts of the children before it.
    public func rank(of id: Hash32) -> Int? {
        var index = 0
        var depth = 0
        var before = 0
        while true {
            let node = nodes[index]
            if node.isLeaf {
                let ids = leafIDs(node)
                let found = Self.search(ids, id)
                return found.found ? before + found.index - ids.startIndex : nil
            }
            let nibble = IdPrefix.nibble(of: id, at: depth)
            let base = node.block * 16
            for earlier in 0..<nibble {
                let child = childSlots[base + earlier]
                if child >= 0 { before += nodes[Int(child)].count }
            }
            let child = childSlots[base + nibble]
            if child < 0 { return nil }
            index = Int(child)
            depth += 1
        }
    }
}
