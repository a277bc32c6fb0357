import LedgerCore

/// The set of entry ids a site holds, kept as a canonical 16-ary Merkle trie over id
/// nibbles so that two sites holding the same ids compute the same fingerprint for every
/// range, and a difference can be found by descending only into ranges that differ.
///
/// Shape (Specs/sync-protocol.md §3.1): a range holding at most `leafCapacity` ids is a
/// leaf hashed over its sorted ids; a larger range is an inner node hashed over its
/// non-empty children. The shape depends only on the set, never on insertion order.
/// Inserting one id rehashes only the nodes on its path (O(depth)); a bulk insert
/// rehashes each touched node once. Sets only grow: sync never deletes an id.
///
/// Storage (§3.4): a serving site holds one of these for every entry it has, so it is kept
/// compact — 40-byte nodes in chunks, and each leaf's ids in the pool of leaves of its size
/// (32 bytes an id, no per-leaf allocation): about 36–48 bytes an id in all.
public struct ReconcilableSet: Sendable {
    /// A range with at most this many ids is a leaf (a protocol constant, §3.1).
    public static let leafCapacity = 32

    /// One stored range: 40 bytes. Its depth is not stored: every walk starts at the root.
    struct Node: Sendable {
        var hash: Hash32
        /// The ids in the range (low 31 bits) and whether `hash` is stale (the top bit).
        var state: UInt32
        /// A leaf's slot in the pool of leaves of `count` ids (≥ 0), or `~block` for an inner
        /// node whose 16 children are `childSlots[16·block ..< 16·block + 16]`.
        var ref: Int32

        static let dirtyBit: UInt32 = 1 << 31

        init(count: Int, ref: Int32) {
            hash = .zero
            state = UInt32(count) | Self.dirtyBit
            self.ref = ref
        }

        var count: Int { Int(state & ~Self.dirtyBit) }
        var isDirty: Bool { state & Self.dirtyBit != 0 }
        var isLeaf: Bool { ref >= 0 }
        /// An inner node's child block.
        var block: Int { Int(~ref) }
    }

    var nodes = ChunkedArray<Node>()
    /// Child node numbers of the inner nodes, 16 per node, -1 for an empty child.
    var childSlots: [Int32] = []
    /// `pools[k]` holds the leaves of k ids (k = 1...32; pool 0 is never used).
    var pools: [LeafPool] = (0...ReconcilableSet.leafCapacity).map { LeafPool(width: $0) }

    /// An empty set.
    public init() {
        var root = Node(count: 0, ref: 0)
        root.hash = SyncHashing.leaf([Hash32]())
        root.state = 0
        nodes.append(root)
    }

    /// A set holding `ids` (duplicates are ignored).
    public init<S: Sequence>(_ ids: S) where S.Element == Hash32 {
        self.init()
        insert(contentsOf: ids)
    }

    /// How many distinct ids the set holds.
    public var count: Int { nodes[0].count }

    /// The Merkle root over the whole set: equal roots mean equal sets.
    public var rootHash: Hash32 { nodes[0].hash }

    /// Adds one id and rehashes its path. Returns false when the id was already present.
    @discardableResult
    public mutating func insert(_ id: Hash32) -> Bool {
        let added = insertWithoutHashing(id)
        if added { rehash(0) }
        return added
    }

    /// Adds many ids, rehashing each touched node once. Returns how many were new.
    @discardableResult
    public mutating func insert<S: Sequence>(contentsOf ids: S) -> Int where S.Element == Hash32 {
        var batch = Array(ids)
        if count == 0 && !batch.isEmpty {
            // Into an empty set (a site's whole log at open): sorted once, then every node is
            // made at its final size, leaves straight into their pools.
            batch.sort(by: Self.less)
            var unique = 0
            for id in batch where unique == 0 || !Self.equal(batch[unique - 1], id) {
                batch[unique] = id
                unique += 1
            }
            nodes = ChunkedArray()
            childSlots = []
            _ = makeNode(batch[..<unique], depth: 0)
            rehash(0)
            return unique
        }
        // Inserting in id order walks the trie sequentially instead of missing the cache
        // on every id; the result is the same.
        if batch.count > 1_024 { batch.sort(by: Self.less) }
        var added = 0
        for id in batch where insertWithoutHashing(id) { added += 1 }
        if added > 0 { rehash(0) }
        return added
    }

    /// Whether the set holds `id`.
    public func contains(_ id: Hash32) -> Bool {
        var index = 0
        var depth = 0
        while true {
            let node = nodes[index]
            if node.isLeaf { return Self.search(leafIDs(node), id).found }
            let child = childSlots[node.block * 16 + IdPrefix.nibble(of: id, at: depth)]
            if child < 0 { return false }
            index = Int(child)
            depth += 1
        }
    }

    /// Every id in ascending order.
    public var sortedIDs: [Hash32] { ids(in: .root) }

    /// The ids of a leaf node, ascending.
    func leafIDs(_ node: Node) -> ArraySlice<Hash32> {
        node.count == 0 ? [] : pools[node.count].ids(Int(node.ref))
    }

    /// Bytes the set's storage holds room for (nodes, child slots, leaf pools): what it costs
    /// in memory, less the allocator's own few bytes per chunk.
    package var storageBytes: Int {
        nodes.capacityBytes + childSlots.capacity * 4 + pools.reduce(0) { $0 + $1.capacityBytes }
    }

    // MARK: - Insertion

    /// A node for the sorted, distinct `ids` at `depth` and below it; returns its number.
    private mutating func makeNode(_ ids: ArraySlice<Hash32>, depth: Int) -> Int {
        if ids.count <= Self.leafCapacity || depth == 64 { return appendLeaf(ids) }
        let index = nodes.count
        nodes.append(Node(count: ids.count, ref: 0))  // numbered before its children; filled below
        nodes[index] = innerNode(ids, depth: depth)
        return index
    }

    /// An inner node over the sorted, distinct `ids` at `depth`: a new block of 16 child
    /// slots, each nibble's run of ids made a node of its own one level down.
    private mutating func innerNode(_ ids: ArraySlice<Hash32>, depth: Int) -> Node {
        let block = childSlots.count / 16
        childSlots.append(contentsOf: repeatElement(-1, count: 16))
        var start = ids.startIndex
        while start < ids.endIndex {
            let nibble = IdPrefix.nibble(of: ids[start], at: depth)
            var end = start + 1
            while end < ids.endIndex && IdPrefix.nibble(of: ids[end], at: depth) == nibble { end += 1 }
            let child = makeNode(ids[start..<end], depth: depth + 1)
            childSlots[block * 16 + nibble] = Int32(child)
            start = end
        }
        return Node(count: ids.count, ref: ~Int32(block))
    }

    /// A new leaf node holding the sorted `ids` (1...32 of them).
    private mutating func appendLeaf(_ ids: ArraySlice<Hash32>) -> Int {
        let index = nodes.count
        let slot = pools[ids.count].append(owner: Int32(index)) { $0.append(contentsOf: ids) }
        nodes.append(Node(count: ids.count, ref: Int32(slot)))
        return index
    }

    /// Frees a leaf's slot in the pool of its size, telling the node whose slot moved.
    private mutating func freeSlot(_ slot: Int, width: Int) {
        if let moved = pools[width].remove(slot) { nodes[Int(moved)].ref = Int32(slot) }
    }

    private mutating func insertWithoutHashing(_ id: Hash32) -> Bool {
        // First walk: find where the id belongs and whether it is already there.
        var index = 0
        var depth = 0
        var emptySlot = -1
        while true {
            let node = nodes[index]
            if node.isLeaf { break }
            let slot = node.block * 16 + IdPrefix.nibble(of: id, at: depth)
            let child = childSlots[slot]
            if child < 0 { emptySlot = slot; break }
            index = Int(child)
            depth += 1
        }
        var at = 0
        if emptySlot < 0 {
            let (found, position) = Self.search(leafIDs(nodes[index]), id)
            if found { return false }
            at = position - leafIDs(nodes[index]).startIndex
        }
        // Second walk: count the new id on the inner nodes of its path and mark them for rehashing.
        var walk = 0
        var walkDepth = 0
        while walk != index {
            nodes[walk].state = (nodes[walk].state + 1) | Node.dirtyBit
            walk = Int(childSlots[nodes[walk].block * 16 + IdPrefix.nibble(of: id, at: walkDepth)])
            walkDepth += 1
        }
        if emptySlot >= 0 {
            nodes[index].state = (nodes[index].state + 1) | Node.dirtyBit
            childSlots[emptySlot] = Int32(appendLeaf([id]))
            return true
        }
        let leaf = nodes[index]
        let width = leaf.count, slot = Int(leaf.ref)
        if width == 0 {
            // The empty root becomes a leaf of one.
            let root = pools[1].append(owner: Int32(index)) { $0.append(id) }
            nodes[index] = Node(count: 1, ref: Int32(root))
            return true
        }
        if width + 1 > Self.leafCapacity && depth < 64 {
            // An over-full leaf becomes an inner node with leaf children (deeper when one
            // child is itself over-full).
            var ids = Array(pools[width].ids(slot))
            ids.insert(id, at: at)
            freeSlot(slot, width: width)
            nodes[index] = innerNode(ids[...], depth: depth)
            return true
        }
        // The leaf moves to the pool of leaves one larger, the id in its place.
        let moved: Int
        do {
            // Released before the old slot is freed: a live copy of the pool would make that
            // write copy the pool's chunk.
            let old = pools[width]
            moved = pools[width + 1].append(owner: Int32(index)) { chunk in
                for offset in 0..<at { chunk.append(old.id(slot, offset)) }
                chunk.append(id)
                for offset in at..<width { chunk.append(old.id(slot, offset)) }
            }
        }
        nodes[index] = Node(count: width + 1, ref: Int32(moved))
        freeSlot(slot, width: width)
        return true
    }

    // MARK: - Hashing

    private mutating func rehash(_ index: Int) {
        let node = nodes[index]
        guard node.isDirty else { return }
        var hash: Hash32
        if node.isLeaf {
            hash = SyncHashing.leaf(leafIDs(node))
        } else {
            var bitmap: UInt16 = 0
            var hashes: [Hash32] = []
            hashes.reserveCapacity(16)
            for nibble in 0..<16 {
                let child = Int(childSlots[node.block * 16 + nibble])
                if child < 0 { continue }
                rehash(child)
                bitmap |= 1 << UInt16(15 - nibble)
                hashes.append(nodes[child].hash)
            }
            hash = SyncHashing.inner(bitmap: bitmap, childHashes: hashes)
        }
        nodes[index].hash = hash
        nodes[index].state &= ~Node.dirtyBit
    }

    /// Where `id` is or would go in `sorted`: its index (in `sorted`'s own indices).
    static func search(_ sorted: ArraySlice<Hash32>, _ id: Hash32) -> (found: Bool, index: Int) {
        var low = sorted.startIndex, high = sorted.endIndex
        while low < high {
            let mid = (low + high) >> 1
            if less(sorted[mid], id) { low = mid + 1 } else { high = mid }
        }
        return (low < sorted.endIndex && equal(sorted[low], id), low)
    }

    /// Byte order of two ids, inlined here (Hash32's own `<` is not inlinable across modules).
    @inline(__always)
    static func less(_ a: Hash32, _ b: Hash32) -> Bool {
        if a.w0 != b.w0 { return a.w0 < b.w0 }
        if a.w1 != b.w1 { return a.w1 < b.w1 }
        if a.w2 != b.w2 { return a.w2 < b.w2 }
        return a.w3 < b.w3
    }

    @inline(__always)
    static func equal(_ a: Hash32, _ b: Hash32) -> Bool {
        a.w0 == b.w0 && a.w1 == b.w1 && a.w2 == b.w2 && a.w3 == b.w3
    }
}
