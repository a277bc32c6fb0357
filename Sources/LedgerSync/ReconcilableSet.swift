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
public struct ReconcilableSet: Sendable {
    /// A range with at most this many ids is a leaf (a protocol constant, §3.1).
    public static let leafCapacity = 32

    struct Node: Sendable {
        var count: Int
        var hash: Hash32
        var depth: Int
        /// Index of this node's 16-slot block in `childSlots`, or -1 for a leaf.
        var childBlock: Int32
        /// Index of this leaf's sorted ids in `leafIDs`, or -1 for an inner node.
        var leaf: Int32
        var dirty: Bool
    }

    var nodes: [Node]
    var childSlots: [Int32] = []
    var leafIDs: [[Hash32]]

    /// An empty set.
    public init() {
        nodes = [Node(count: 0, hash: SyncHashing.leaf([Hash32]()), depth: 0, childBlock: -1, leaf: 0, dirty: false)]
        leafIDs = [[]]
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
        // Inserting in id order walks the trie sequentially instead of missing the cache
        // on every id (a 10^6-id build is several times faster); the result is the same.
        if batch.count > 1_024 { batch.sort(by: Self.less) }
        var added = 0
        for id in batch where insertWithoutHashing(id) { added += 1 }
        if added > 0 { rehash(0) }
        return added
    }

    /// Whether the set holds `id`.
    public func contains(_ id: Hash32) -> Bool {
        var index = 0
        while true {
            let node = nodes[index]
            if node.childBlock < 0 {
                return Self.search(leafIDs[Int(node.leaf)], id).found
            }
            let child = childSlots[Int(node.childBlock) * 16 + IdPrefix.nibble(of: id, at: node.depth)]
            if child < 0 { return false }
            index = Int(child)
        }
    }

    /// Every id in ascending order.
    public var sortedIDs: [Hash32] { ids(in: .root) }

    // MARK: - Insertion

    private mutating func insertWithoutHashing(_ id: Hash32) -> Bool {
        // First walk: find where the id belongs and whether it is already there.
        var index = 0
        var emptySlot = -1
        while true {
            let node = nodes[index]
            if node.childBlock < 0 { break }
            let slot = Int(node.childBlock) * 16 + IdPrefix.nibble(of: id, at: node.depth)
            let child = childSlots[slot]
            if child < 0 { emptySlot = slot; break }
            index = Int(child)
        }
        var leafIndex = -1
        var at = 0
        if emptySlot < 0 {
            leafIndex = Int(nodes[index].leaf)
            let (found, position) = Self.search(leafIDs[leafIndex], id)
            if found { return false }
            at = position
        }
        // Second walk: count the new id on its path and mark the path for rehashing.
        var walk = 0
        while walk != index {
            nodes[walk].count += 1
            nodes[walk].dirty = true
            walk = Int(childSlots[Int(nodes[walk].childBlock) * 16 + IdPrefix.nibble(of: id, at: nodes[walk].depth)])
        }
        nodes[index].count += 1
        nodes[index].dirty = true
        if emptySlot >= 0 {
            let leaf = appendLeaf([id], depth: nodes[index].depth + 1)
            childSlots[emptySlot] = Int32(leaf)
            return true
        }
        leafIDs[leafIndex].insert(id, at: at)
        if nodes[index].count > Self.leafCapacity && nodes[index].depth < 64 { split(index) }
        return true
    }

    private mutating func appendLeaf(_ ids: [Hash32], depth: Int) -> Int {
        leafIDs.append(ids)
        nodes.append(Node(count: ids.count, hash: .zero, depth: depth, childBlock: -1,
                          leaf: Int32(leafIDs.count - 1), dirty: true))
        return nodes.count - 1
    }

    /// Turns an over-full leaf into an inner node with leaf children (recursing when one
    /// child is itself over-full).
    private mutating func split(_ index: Int) {
        let leafIndex = Int(nodes[index].leaf)
        let ids = leafIDs[leafIndex]
        leafIDs[leafIndex] = []
        let depth = nodes[index].depth
        let block = childSlots.count / 16
        childSlots.append(contentsOf: repeatElement(-1, count: 16))
        nodes[index].childBlock = Int32(block)
        nodes[index].leaf = -1
        var groups = [[Hash32]](repeating: [], count: 16)
        for id in ids { groups[IdPrefix.nibble(of: id, at: depth)].append(id) }
        for nibble in 0..<16 where !groups[nibble].isEmpty {
            let child = appendLeaf(groups[nibble], depth: depth + 1)
            childSlots[block * 16 + nibble] = Int32(child)
            if groups[nibble].count > Self.leafCapacity && depth + 1 < 64 { split(child) }
        }
    }

    // MARK: - Hashing

    private mutating func rehash(_ index: Int) {
        guard nodes[index].dirty else { return }
        let node = nodes[index]
        if node.childBlock < 0 {
            nodes[index].hash = SyncHashing.leaf(leafIDs[Int(node.leaf)])
        } else {
            var bitmap: UInt16 = 0
            var hashes: [Hash32] = []
            hashes.reserveCapacity(16)
            for nibble in 0..<16 {
                let child = Int(childSlots[Int(node.childBlock) * 16 + nibble])
                if child < 0 { continue }
                rehash(child)
                bitmap |= 1 << UInt16(15 - nibble)
                hashes.append(nodes[child].hash)
            }
            nodes[index].hash = SyncHashing.inner(bitmap: bitmap, childHashes: hashes)
        }
        nodes[index].dirty = false
    }

    static func search(_ sorted: [Hash32], _ id: Hash32) -> (found: Bool, index: Int) {
        var low = 0, high = sorted.count
        while low < high {
            let mid = (low + high) >> 1
            if less(sorted[mid], id) { low = mid + 1 } else { high = mid }
        }
        return (low < sorted.count && equal(sorted[low], id), low)
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
