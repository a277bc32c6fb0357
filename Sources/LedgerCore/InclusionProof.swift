/// An RFC 9162 inclusion proof: the audit path from one leaf to the root of a tree size.
///
/// Its JSON form uses the CLI's field names (`leaf_index`, `tree_size`, `audit_path` as hex).
public struct InclusionProof: Hashable, Sendable, Codable {
    /// The 0-based index of the leaf.
    public let leafIndex: UInt64
    /// The size of the tree the proof is against.
    public let treeSize: UInt64
    /// The sibling hashes from the leaf's level up to the root's children.
    public let auditPath: [Hash32]

    /// Creates a proof (usually `MerkleTree.inclusionProof` does).
    public init(leafIndex: UInt64, treeSize: UInt64, auditPath: [Hash32]) {
        self.leafIndex = leafIndex
        self.treeSize = treeSize
        self.auditPath = auditPath
    }

    enum CodingKeys: String, CodingKey {
        case leafIndex = "leaf_index", treeSize = "tree_size", auditPath = "audit_path"
    }

    /// The root this proof yields for `leafHash`, or nil when the path has the wrong shape.
    ///
    /// RFC 9162 §2.1.3.2, step by step; `verify` then compares with the expected root.
    public func rootHash(forLeafHash leafHash: Hash32) -> Hash32? {
        // 1. leaf_index must be below tree_size.
        guard leafIndex < treeSize else { return nil }
        // 2. fn = leaf_index, sn = tree_size - 1. 3. r = hash.
        var fn = leafIndex
        var sn = treeSize - 1
        var r = leafHash
        // 4. Fold in each path element.
        for p in auditPath {
            // a. A path longer than the tree is high fails.
            if sn == 0 { return nil }
            // b. fn is a right child, or the last node of its level: p is on the left.
            if fn & 1 == 1 || fn == sn {
                r = MerkleHash.node(p, r)
                if fn & 1 == 0 {
                    // Skip levels where this node had no right sibling.
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                r = MerkleHash.node(r, p)
            }
            // c. Up one level.
            fn >>= 1
            sn >>= 1
        }
        // 5. The path must have reached the root.
        return sn == 0 ? r : nil
    }

    /// Whether this proof shows that `leafHash` is leaf `leafIndex` of the tree with `rootHash`.
    public func verify(leafHash: Hash32, rootHash expected: Hash32) -> Bool {
        rootHash(forLeafHash: leafHash) == expected
    }
}
