import LedgerCore

extension TileTree {
    /// The RFC 9162 §2.1.4.1 consistency proof from size `first` to the checkpoint's size,
    /// built from checked tiles (Specs/static-log.md §8.3: the proof a split-view entry carries).
    /// - Throws: `SiteError` `.invalidRequest` when `first` exceeds the checkpoint's size or a
    ///   tile is missing or does not match its parent.
    public mutating func consistencyProof(from first: UInt64) throws -> ConsistencyProof {
        let second = checkpoint.treeSize
        guard first <= second else {
            throw SiteError(.invalidRequest, "tree size \(first) is beyond the checkpoint's \(second)")
        }
        return try ConsistencyProof.build(from: first, to: second) { start, count in
            try subtreeHash(start: start, count: count)
        }
    }

    /// MTH(D[start : start+count]) from checked tiles: a perfect aligned subtree is a run of
    /// 2^r hashes in one tile of level ⌊e/8⌋ (count = 2^e, r = e mod 8); any other range
    /// splits at the largest power of two below its size.
    mutating func subtreeHash(start: UInt64, count: UInt64) throws -> Hash32 {
        guard count > 0 else { return MerkleHash.emptyRoot }
        if count & (count - 1) == 0 && start % count == 0 {
            let exponent = count.trailingZeroBitCount
            let level = exponent / 8
            let run = 1 << (exponent % 8)
            let first = start >> UInt64(8 * level)
            let tile = try hashes(level: level, index: first >> 8)
            let offset = Int(first & 0xff)
            guard offset + run <= tile.count else {
                throw SiteError(.invalidRequest, "leaves \(start)..<\(start + count) are beyond tree size \(checkpoint.treeSize)")
            }
            return TileHashing.perfectRoot(tile[offset..<offset + run])
        }
        let k = MerkleHash.split(count)
        return MerkleHash.node(try subtreeHash(start: start, count: k), try subtreeHash(start: start + k, count: count - k))
    }
}
