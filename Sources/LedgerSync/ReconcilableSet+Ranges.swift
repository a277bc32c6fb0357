import LedgerCore

/// What the set holds in one range of the id space (Specs/sync-protocol.md §3.1).
public struct RangeDigest: Hashable, Sendable {
    /// How many ids lie in the range.
    public let count: Int
    /// The range's canonical node hash (leaf or inner, per the shape rule).
    public let hash: Hash32
}

extension ReconcilableSet {
    enum Location {
        case empty
        /// The range is exactly a stored node.
        case node(Int)
        /// The range lies strictly inside a stored leaf.
        case insideLeaf(Int)
    }

    func locate(_ prefix: IdPrefix) -> Location {
        var index = 0
        var depth = 0
        while true {
            let node = nodes[index]
            if depth == prefix.depth { return node.count == 0 ? .empty : .node(index) }
            if node.isLeaf { return .insideLeaf(index) }
            let child = childSlots[node.block * 16 + IdPrefix.nibble(of: prefix.bits, at: depth)]
            if child < 0 { return .empty }
            index = Int(child)
            depth += 1
        }
    }

    /// The ids of a stored leaf that lie in `prefix`, ascending.
    private func leafIDs(_ leafNode: Int, in prefix: IdPrefix) -> ArraySlice<Hash32> {
        let ids = leafIDs(nodes[leafNode])
        // Ids in a prefix are contiguous in sorted order.
        let start = Self.search(ids, prefix.bits).index
        var end = start
        while end < ids.endIndex && prefix.contains(ids[end]) { end += 1 }
        return ids[start..<end]
    }

    /// How many ids lie in `prefix`.
    public func count(in prefix: IdPrefix) -> Int {
        switch locate(prefix) {
        case .empty: return 0
        case .node(let index): return nodes[index].count
        case .insideLeaf(let leaf): return leafIDs(leaf, in: prefix).count
        }
    }

    /// The count and canonical hash of `prefix`, or nil when the range is empty.
    public func digest(of prefix: IdPrefix) -> RangeDigest? {
        switch locate(prefix) {
        case .empty:
            return nil
        case .node(let index):
            return RangeDigest(count: nodes[index].count, hash: nodes[index].hash)
        case .insideLeaf(let leaf):
            let ids = leafIDs(leaf, in: prefix)
            return ids.isEmpty ? nil : RangeDigest(count: ids.count, hash: SyncHashing.leaf(ids))
        }
    }

    /// The digests of the 16 children of `prefix`, nil for empty children.
    public func childDigests(of prefix: IdPrefix) -> [RangeDigest?] {
        precondition(prefix.depth < 64, "a full-depth prefix has no children")
        var result = [RangeDigest?](repeating: nil, count: 16)
        switch locate(prefix) {
        case .empty:
            return result
        case .node(let index) where !nodes[index].isLeaf:
            let block = nodes[index].block * 16
            for nibble in 0..<16 {
                let child = Int(childSlots[block + nibble])
                if child >= 0 { result[nibble] = RangeDigest(count: nodes[child].count, hash: nodes[child].hash) }
            }
            return result
        case .node(let index):
            return Self.childDigests(of: leafIDs(nodes[index]), depth: prefix.depth)
        case .insideLeaf(let leaf):
            return Self.childDigests(of: leafIDs(leaf, in: prefix), depth: prefix.depth)
        }
    }

    private static func childDigests(of sortedIDs: ArraySlice<Hash32>, depth: Int) -> [RangeDigest?] {
        var result = [RangeDigest?](repeating: nil, count: 16)
        var start = sortedIDs.startIndex
        while start < sortedIDs.endIndex {
            let nibble = IdPrefix.nibble(of: sortedIDs[start], at: depth)
            var end = start + 1
            while end < sortedIDs.endIndex && IdPrefix.nibble(of: sortedIDs[end], at: depth) == nibble { end += 1 }
            let group = sortedIDs[start..<end]
            result[nibble] = RangeDigest(count: group.count, hash: SyncHashing.leaf(group))
            start = end
        }
        return result
    }

    /// The ids in `prefix`, ascending.
    public func ids(in prefix: IdPrefix) -> [Hash32] {
        switch locate(prefix) {
        case .empty: return []
        case .insideLeaf(let leaf): return Array(leafIDs(leaf, in: prefix))
        case .node(let index):
            var out: [Hash32] = []
            out.reserveCapacity(nodes[index].count)
            collect(index, into: &out)
            return out
        }
    }

    private func collect(_ index: Int, into out: inout [Hash32]) {
        let node = nodes[index]
        if node.isLeaf { out.append(contentsOf: leafIDs(node)); return }
        for nibble in 0..<16 {
            let child = Int(childSlots[node.block * 16 + nibble])
            if child >= 0 { collect(child, into: &out) }
        }
    }
}
