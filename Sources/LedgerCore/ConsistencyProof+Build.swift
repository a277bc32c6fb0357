extension ConsistencyProof {
    /// The RFC 9162 §2.1.4.1 consistency proof from size `first` to size `second`, from any
    /// source of subtree hashes: `subtreeHash(start, count)` must return MTH(D[start : start+count]).
    ///
    /// One algorithm for every tree that can hash its ranges: the log's own node store
    /// (`MerkleTree`) and a published log's tiles (`TileTree`, Specs/static-log.md §8.3).
    /// For `first == 0` or `first == second` the proof is empty (`Specs/merkle-log.md` §6).
    /// The caller checks `first <= second` and that `second` is within its tree.
    public static func build(from first: UInt64, to second: UInt64,
                             subtreeHash: (_ start: UInt64, _ count: UInt64) throws -> Hash32) rethrows -> ConsistencyProof {
        var path = [Hash32]()
        if first > 0 && first < second {
            try appendSubproof(m: first, start: 0, count: second, complete: true, to: &path, subtreeHash: subtreeHash)
        }
        return ConsistencyProof(firstSize: first, secondSize: second, path: path)
    }

    /// SUBPROOF(m, D[start : start+count], b).
    private static func appendSubproof(m: UInt64, start: UInt64, count: UInt64, complete: Bool, to path: inout [Hash32],
                                       subtreeHash: (UInt64, UInt64) throws -> Hash32) rethrows {
        if m == count {
            if !complete { path.append(try subtreeHash(start, count)) }
            return
        }
        let k = MerkleHash.split(count)
        if m <= k {
            try appendSubproof(m: m, start: start, count: k, complete: complete, to: &path, subtreeHash: subtreeHash)
            path.append(try subtreeHash(start + k, count - k))
        } else {
            try appendSubproof(m: m - k, start: start + k, count: count - k, complete: false, to: &path, subtreeHash: subtreeHash)
            path.append(try subtreeHash(start, k))
        }
    }
}
