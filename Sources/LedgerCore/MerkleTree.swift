/// An append-only RFC 9162 Merkle tree over a `MerkleNodeStore` (`Specs/merkle-log.md`).
///
/// Appending a leaf writes its hash at level 0 and, while the new node is a right child,
/// the parent above it: O(1) amortised and O(log n) worst case, never a rebuild. The root at
/// any size m ≤ `size` combines the perfect subtrees of m's binary decomposition, and proofs
/// follow RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF), reading O(log² n) stored nodes.
///
/// Opening over an existing store checks the level invariant and repairs what a crash can
/// leave behind (upper levels behind or ahead of level 0) in time proportional to the damage.
public struct MerkleTree<Store: MerkleNodeStore> {
    /// The node store (exposed so callers can inspect or sync it).
    public private(set) var store: Store

    /// Opens a tree over `store`, repairing upper levels left inconsistent by a crash.
    /// - Throws: `CoreError` from the store.
    public init(store: Store) throws {
        self.store = store
        try repairLevels()
    }

    /// The number of leaves.
    public var size: UInt64 { store.count(level: 0) }

    /// Appends a leaf given its data, returning its leaf hash (SHA-256(0x00 || data)).
    @discardableResult
    public mutating func append<Bytes: Sequence>(leaf data: Bytes) throws -> Hash32 where Bytes.Element == UInt8 {
        let hash = MerkleHash.leaf(data)
        try append(leafHash: hash)
        return hash
    }

    /// Appends a leaf given its leaf hash.
    ///
    /// Every sibling is read before anything is appended, so a failed read leaves the tree
    /// as it was rather than holding a leaf without its parents.
    public mutating func append(leafHash: Hash32) throws {
        var index = store.count(level: 0)
        // The leaf and the parents it completes (one per trailing 1 bit of its index), on the
        // stack: an append per leaf would otherwise allocate an array.
        try withUnsafeTemporaryAllocation(of: Hash32.self, capacity: (~index).trailingZeroBitCount + 1) { nodes in
            nodes.initializeElement(at: 0, to: leafHash)
            var count = 1
            var right = leafHash
            // A node with an odd index is a right child: its parent is now complete.
            while index & 1 == 1 {
                let left = try store.node(level: count - 1, index: index - 1)
                right = MerkleHash.node(left, right)
                index >>= 1
                nodes.initializeElement(at: count, to: right)
                count += 1
            }
            for level in 0..<count { try store.append(nodes[level], level: level) }
        }
    }

    /// The current root (the empty-tree hash when there are no leaves).
    public func root() throws -> Hash32 { try root(atSize: size) }

    /// The root of the tree as it was when it had `treeSize` leaves.
    /// - Throws: `CoreError.Code.outOfRange` when `treeSize > size`.
    public func root(atSize treeSize: UInt64) throws -> Hash32 {
        guard treeSize <= size else {
            throw CoreError(.outOfRange, "tree size \(treeSize) is larger than the log (\(size) leaves)")
        }
        if treeSize == 0 { return MerkleHash.emptyRoot }
        return try subtreeHash(start: 0, count: treeSize)
    }

    /// The leaf hash at `index`.
    public func leafHash(at index: UInt64) throws -> Hash32 {
        guard index < size else {
            throw CoreError(.outOfRange, "leaf index \(index) is not below the tree size \(size)")
        }
        return try store.node(level: 0, index: index)
    }

    /// MTH(D[start : start+count]) for a range that RFC 9162's recursion produces.
    func subtreeHash(start: UInt64, count: UInt64) throws -> Hash32 {
        if count & (count - 1) == 0 && start % count == 0 {
            let level = count.trailingZeroBitCount
            return try store.node(level: level, index: start >> UInt64(level))
        }
        let k = MerkleHash.split(count)
        return MerkleHash.node(
            try subtreeHash(start: start, count: k), try subtreeHash(start: start + k, count: count - k))
    }

    /// The RFC 9162 §2.1.3.1 inclusion proof of leaf `leafIndex` in the tree of `treeSize` leaves.
    /// - Throws: `CoreError.Code.outOfRange` unless `leafIndex < treeSize <= size`.
    public func inclusionProof(leafIndex: UInt64, treeSize: UInt64) throws -> InclusionProof {
        guard treeSize <= size, leafIndex < treeSize else {
            throw CoreError(.outOfRange, "no inclusion proof for leaf \(leafIndex) in a tree of \(treeSize) (the log has \(size) leaves)")
        }
        var path = [Hash32]()
        try appendPath(leaf: leafIndex, start: 0, count: treeSize, to: &path)
        return InclusionProof(leafIndex: leafIndex, treeSize: treeSize, auditPath: path)
    }

    /// PATH(m, D[start : start+count]), appended leaf-side first.
    private func appendPath(leaf m: UInt64, start: UInt64, count: UInt64, to path: inout [Hash32]) throws {
        guard count > 1 else { return }
        let k = MerkleHash.split(count)
        if m < k {
            try appendPath(leaf: m, start: start, count: k, to: &path)
            path.append(try subtreeHash(start: start + k, count: count - k))
        } else {
            try appendPath(leaf: m - k, start: start + k, count: count - k, to: &path)
            path.append(try subtreeHash(start: start, count: k))
        }
    }

    /// The RFC 9162 §2.1.4.1 consistency proof between sizes `first` and `second`.
    ///
    /// For `first == 0` or `first == second` the proof is empty (`Specs/merkle-log.md` §6).
    /// - Throws: `CoreError.Code.outOfRange` unless `first <= second <= size`.
    public func consistencyProof(from first: UInt64, to second: UInt64) throws -> ConsistencyProof {
        guard first <= second, second <= size else {
            throw CoreError(.outOfRange, "no consistency proof from size \(first) to \(second) (the log has \(size) leaves)")
        }
        return try ConsistencyProof.build(from: first, to: second) { start, count in
            try subtreeHash(start: start, count: count)
        }
    }

    /// Drops every leaf from `newSize` on, and the nodes that covered them.
    ///
    /// For a ledger that lost its tail (recovery cut a torn block): the tree must not claim
    /// leaves the log no longer has. Signed heads above `newSize` are then unprovable, which
    /// `verify` reports.
    public mutating func truncate(toSize newSize: UInt64) throws {
        guard newSize < size else { return }
        var count = newSize
        var level = 0
        while store.count(level: level) > 0 {
            try store.truncate(level: level, count: count)
            level += 1
            count >>= 1
        }
    }

    /// Makes every appended node durable (delegates to the store).
    public mutating func sync() throws { try store.sync() }

    /// Restores `count(L + 1) == count(L) / 2` on every level, bottom up.
    private mutating func repairLevels() throws {
        var level = 0
        while store.count(level: level) > 0 || store.count(level: level + 1) > 0 {
            let want = store.count(level: level) / 2
            let have = store.count(level: level + 1)
            if have > want {
                try store.truncate(level: level + 1, count: want)
            } else if have < want {
                for index in have..<want {
                    let left = try store.node(level: level, index: 2 * index)
                    let right = try store.node(level: level, index: 2 * index + 1)
                    try store.append(MerkleHash.node(left, right), level: level + 1)
                }
            }
            level += 1
        }
    }
}

/// A tree over a `Sendable` store (the in-memory one) can cross tasks.
extension MerkleTree: Sendable where Store: Sendable {}
