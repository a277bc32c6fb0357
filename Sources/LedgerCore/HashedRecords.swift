/// Encoded entries with their RFC 9162 leaf hashes, each hash computed here from its record's
/// bytes (`Specs/merkle-log.md` §3: a log's leaf is the entry's full encoding).
///
/// Why: a catch-up from a mirror hashes every record on a download thread to check it against
/// the published tiles (Specs/static-log.md §11.3); handing those hashes to ingest lets the
/// site's Merkle tree grow without hashing each stored entry again. The only initializer
/// hashes the bytes it is given and neither can change afterwards, so a hash that is not the
/// leaf of its record cannot be handed in.
public struct HashedRecords: Sendable {
    /// The encoded entries, in the order given.
    public let records: [[UInt8]]
    /// `MerkleHash.leaf(records[i])` for each record, in the same order.
    public let leaves: [Hash32]

    /// Hashes each record: `leaves[i]` = SHA-256(0x00 || `records[i]`).
    public init(_ records: [[UInt8]]) {
        self.records = records
        leaves = records.map { MerkleHash.leaf($0) }
    }

    /// How many records.
    public var count: Int { records.count }
}
