import LedgerCore

/// The Merkle arithmetic of tiles (Specs/static-log.md §3): the root of a full tile, and the
/// tree's root from the partial tiles of a tree size.
public enum TileHashing {
    /// The root of a perfect subtree given its 2^k leaves (hashes of the level below), as
    /// RFC 9162 §2.1.1 defines it: pairs hashed level by level.
    /// - Precondition: `hashes.count` is a power of two, at least 1.
    public static func perfectRoot(_ hashes: ArraySlice<Hash32>) -> Hash32 {
        precondition(!hashes.isEmpty && hashes.count & (hashes.count - 1) == 0, "a perfect subtree has 2^k leaves")
        var row = Array(hashes)
        while row.count > 1 {
            var next: [Hash32] = []
            next.reserveCapacity(row.count / 2)
            var i = 0
            while i < row.count {
                next.append(MerkleHash.node(row[i], row[i + 1]))
                i += 2
            }
            row = next
        }
        return row[0]
    }

    /// The root of a tree from the hashes that cover it: for each level from the top down,
    /// the hashes of that level's partial tile (each the root of 256^level leaves).
    ///
    /// Together they cover leaves `[0, size)` left to right. Each level's hashes split, by the
    /// binary decomposition of their count, into perfect subtrees of strictly decreasing
    /// size; RFC 9162's root is then `node(P1, node(P2, … Pk))`.
    /// - Parameter partials: index `L` holds the level-`L` partial tile's hashes (possibly none).
    /// - Returns: the empty-tree hash when there are no hashes at all.
    public static func root(partials: [[Hash32]]) -> Hash32 {
        var subtrees: [Hash32] = []
        for hashes in partials.reversed() {
            var start = 0
            var remaining = hashes.count
            while remaining > 0 {
                let group = 1 << (Int.bitWidth - 1 - remaining.leadingZeroBitCount)
                subtrees.append(perfectRoot(hashes[start..<start + group]))
                start += group
                remaining -= group
            }
        }
        guard var root = subtrees.popLast() else { return MerkleHash.emptyRoot }
        while let left = subtrees.popLast() { root = MerkleHash.node(left, root) }
        return root
    }

    /// A hash tile's bytes: its hashes concatenated, 32 bytes each.
    public static func encode(_ hashes: [Hash32]) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(32 * hashes.count)
        for hash in hashes { hash.append(to: &out) }
        return out
    }

    /// A hash tile's hashes, or nil when its length is not a multiple of 32.
    public static func decode(_ bytes: [UInt8]) -> [Hash32]? {
        guard bytes.count % 32 == 0 else { return nil }
        return stride(from: 0, to: bytes.count, by: 32).compactMap { Hash32(bytes: bytes[$0..<$0 + 32]) }
    }
}
