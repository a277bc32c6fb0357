/// An inclusion proof with the hashes a verifier needs beside it.
public struct LedgerInclusionProof: Sendable, Equatable {
    /// The entry's position in the log.
    public var leafIndex: UInt64
    /// The tree size the proof is against.
    public var treeSize: UInt64
    /// RFC 9162 leaf hash of the entry's encoding.
    public var leafHash: Hash32
    /// The root at `treeSize`.
    public var rootHash: Hash32
    /// The audit path, leaf level first.
    public var auditPath: [Hash32]
}

/// A consistency proof with both roots.
public struct LedgerConsistencyProof: Sendable, Equatable {
    /// The earlier size.
    public var firstSize: UInt64
    /// The later size.
    public var secondSize: UInt64
    /// The root at the earlier size.
    public var firstRoot: Hash32
    /// The root at the later size.
    public var secondRoot: Hash32
    /// The RFC 9162 proof nodes.
    public var path: [Hash32]
}

extension SiteLedger {
    /// An RFC 9162 inclusion proof for a trusted entry at a tree size.
    /// - Throws: `CoreError` `.notFound` for an unknown or quarantined entry, `.outOfRange`
    ///   when the entry is not within `treeSize` or `treeSize` exceeds the log.
    public func inclusionProof(for id: Hash32, treeSize: UInt64) throws -> LedgerInclusionProof {
        guard let ordinal = try log.ordinal(of: id) else {
            throw CoreError(.notFound, "entry \(id.hex) is not in this site's trusted log", entryID: id)
        }
        guard UInt64(ordinal) < treeSize, treeSize <= UInt64(log.count) else {
            throw CoreError(.outOfRange, "entry \(id.hex) is leaf \(ordinal), not within tree size \(treeSize) (log holds \(log.count))", entryID: id)
        }
        let proof = try merkle.inclusionProof(leafIndex: UInt64(ordinal), treeSize: treeSize)
        return LedgerInclusionProof(leafIndex: proof.leafIndex, treeSize: proof.treeSize,
                                    leafHash: try merkle.leafHash(at: UInt64(ordinal)),
                                    rootHash: try merkle.root(atSize: treeSize), auditPath: proof.auditPath)
    }

    /// An RFC 9162 consistency proof between two tree sizes.
    /// - Throws: `CoreError` `.outOfRange` unless `0 < first <= second <= log size`.
    public func consistencyProof(from first: UInt64, to second: UInt64) throws -> LedgerConsistencyProof {
        guard first > 0, first <= second, second <= UInt64(log.count) else {
            throw CoreError(.outOfRange, "a consistency proof needs 0 < from (\(first)) <= to (\(second)) <= \(log.count)")
        }
        let proof = try merkle.consistencyProof(from: first, to: second)
        return LedgerConsistencyProof(firstSize: first, secondSize: second, firstRoot: try merkle.root(atSize: first),
                                      secondRoot: try merkle.root(atSize: second), path: proof.path)
    }
}
