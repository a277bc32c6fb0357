import Crypto

/// The two domain-separated hashes of RFC 9162 §2.1.1, and the empty-tree hash.
///
/// `Specs/merkle-log.md` §2: leaf = SHA-256(0x00 || data), node = SHA-256(0x01 || left || right).
/// The prefixes make a leaf's hash differ from any interior node's, which is what stops a
/// second-preimage attack from presenting an interior node as a leaf.
public enum MerkleHash {
    /// SHA-256 of the empty string: the root of the empty tree.
    public static let emptyRoot = Hash32.sha256([UInt8]())

    /// The hash of a leaf: SHA-256(0x00 || data).
    public static func leaf<Bytes: Sequence>(_ data: Bytes) -> Hash32 where Bytes.Element == UInt8 {
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x00)) { hasher.update(bufferPointer: $0) }
        let handled: Void? = data.withContiguousStorageIfAvailable { buffer in
            hasher.update(bufferPointer: UnsafeRawBufferPointer(buffer))
        }
        if handled == nil { hasher.update(data: Array(data)) }
        return Hash32(hasher.finalize())
    }

    /// The hash of an interior node: SHA-256(0x01 || left || right).
    public static func node(_ left: Hash32, _ right: Hash32) -> Hash32 {
        // On the stack (a homogeneous tuple is contiguous): a tree grows by about one node per leaf.
        var words = (left.w0.bigEndian, left.w1.bigEndian, left.w2.bigEndian, left.w3.bigEndian,
                     right.w0.bigEndian, right.w1.bigEndian, right.w2.bigEndian, right.w3.bigEndian)
        var hasher = SHA256()
        withUnsafeBytes(of: UInt8(0x01)) { hasher.update(bufferPointer: $0) }
        withUnsafeBytes(of: &words) { hasher.update(bufferPointer: $0) }
        return Hash32(hasher.finalize())
    }

    /// The leaf hash of an entry in a site's log: the leaf is the entry's full canonical
    /// encoding, signature included (`Specs/merkle-log.md` §3).
    public static func leaf(entry: Entry) -> Hash32 { leaf(entry.encoded) }

    /// The largest power of two strictly less than `n` (n ≥ 2): the RFC's split point k, where
    /// every RFC 9162 tree divides a range of `n` leaves (its own log's and a published one's tiles).
    public static func split(_ n: UInt64) -> UInt64 {
        precondition(n >= 2, "split needs at least two leaves")
        return UInt64(1) << (63 - (n - 1).leadingZeroBitCount)
    }
}
