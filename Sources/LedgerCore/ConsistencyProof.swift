/// An RFC 9162 consistency proof: that the tree of `secondSize` leaves extends the tree of
/// `firstSize` leaves, i.e. the log only grew.
///
/// Its JSON form uses the CLI's field names (`first_size`, `second_size`, `proof` as hex).
public struct ConsistencyProof: Hashable, Sendable, Codable {
    /// The earlier tree size.
    public let firstSize: UInt64
    /// The later tree size.
    public let secondSize: UInt64
    /// The proof's node hashes, in RFC 9162 SUBPROOF order.
    public let path: [Hash32]

    /// Creates a proof (usually `MerkleTree.consistencyProof` does).
    public init(firstSize: UInt64, secondSize: UInt64, path: [Hash32]) {
        self.firstSize = firstSize
        self.secondSize = secondSize
        self.path = path
    }

    enum CodingKeys: String, CodingKey {
        case firstSize = "first_size", secondSize = "second_size", path = "proof"
    }

    /// Whether this proof shows the tree with `secondRoot` extends the tree with `firstRoot`.
    ///
    /// RFC 9162 §2.1.4.2 for 0 < first < second; the degenerate sizes follow
    /// `Specs/merkle-log.md` §6: first == second needs an empty proof and equal roots,
    /// first == 0 needs an empty proof and `firstRoot` equal to the empty-tree hash.
    public func verify(firstRoot: Hash32, secondRoot: Hash32) -> Bool {
        let first = firstSize, second = secondSize
        guard first <= second else { return false }
        if first == 0 { return path.isEmpty && firstRoot == MerkleHash.emptyRoot }
        if first == second { return path.isEmpty && firstRoot == secondRoot }
        // 1. An empty path cannot prove anything for 0 < first < second.
        guard !path.isEmpty else { return false }
        // 2. When first is a power of two, its root is itself the first node of the proof.
        var nodes = path
        if first & (first - 1) == 0 { nodes.insert(firstRoot, at: 0) }
        // 3. fn = first - 1, sn = second - 1.
        var fn = first - 1
        var sn = second - 1
        // 4. Skip the levels where the first tree's last node is a right child.
        while fn & 1 == 1 {
            fn >>= 1
            sn >>= 1
        }
        // 5. fr = sr = first node.
        var fr = nodes[0]
        var sr = nodes[0]
        // 6. Fold in each subsequent node.
        for c in nodes.dropFirst() {
            if sn == 0 { return false }
            if fn & 1 == 1 || fn == sn {
                fr = MerkleHash.node(c, fr)
                sr = MerkleHash.node(c, sr)
                if fn & 1 == 0 {
                    while fn & 1 == 0 && fn != 0 {
                        fn >>= 1
                        sn >>= 1
                    }
                }
            } else {
                sr = MerkleHash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        // 7. Both roots reproduced, and the path reached the top.
        return fr == firstRoot && sr == secondRoot && sn == 0
    }

    /// Whether this proof shows that `newer` extends `older`: the sizes must be the heads'
    /// sizes and the roots their roots (`Specs/merkle-log.md` §7.3).
    ///
    /// Checks neither head's signature; do that first with `isSignatureValid()`.
    public func verify(from older: SignedTreeHead, to newer: SignedTreeHead) -> Bool {
        firstSize == older.treeSize && secondSize == newer.treeSize
            && verify(firstRoot: older.rootHash, secondRoot: newer.rootHash)
    }
}
