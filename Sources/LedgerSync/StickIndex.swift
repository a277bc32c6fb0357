import Crypto
import LedgerCore

/// The id index a mailbox bundle declares in its signed clear part (Specs/bundle-format.md
/// §2.1): one 8-byte digest per item carried, ascending, signed by the sender on its own so
/// that a site can learn what a stick carries from the first bytes of each bundle, without
/// the bundle's key and without reading the payload.
///
/// A digest is the first 8 bytes of SHA-256(0x11 ‖ id), read as a big-endian integer: it
/// tells the number of entries and lets someone who already holds an id tell whether the
/// bundle carries it; it tells nothing of an entry to anyone else (§10).
public enum StickIndex {
    /// Most digests in one index (32 MiB of index).
    public static let maxDigests = 1 << 22
    /// The domain string of the index signature.
    static let signatureDomain = Array("careledger bundle v2 index".utf8)

    /// The digest of `id`.
    public static func digest(_ id: Hash32) -> UInt64 {
        var hasher = SHA256()
        hasher.update(data: [0x11])
        hasher.update(data: id.bytes)
        return SHA256.hashPrefix64(hasher.finalize())
    }

    /// The ascending, duplicate-free digests of `ids`.
    public static func digests<S: Sequence>(of ids: S) -> [UInt64] where S.Element == Hash32 {
        Array(Set(ids.map(digest))).sorted()
    }

    /// The message the sender signs for the index: the domain, then SHA-256 of every byte
    /// before the index signature.
    static func signatureMessage(_ bytesBefore: some Sequence<UInt8>) -> [UInt8] {
        signatureDomain + Array(SHA256.hash(data: Array(bytesBefore)))
    }
}

extension SHA256 {
    /// The first 8 bytes of `digest` as a big-endian integer.
    static func hashPrefix64(_ digest: SHA256.Digest) -> UInt64 {
        digest.prefix(8).reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
    }
}

/// What the clear, signed part of a mailbox bundle says, read without its key
/// (``BundleReader/readIndex(file:fileSystem:)``): who sent it and when, its recipient
/// hints, and the digests of the items it carries.
public struct StickBundleIndex: Sendable {
    /// The bundle's header (its `index` holds the digests).
    public let header: BundleHeader
    /// One 8-byte hint per recipient (§4.1).
    public let hints: [[UInt8]]
    /// The file's length in bytes.
    public let length: UInt64

    /// Which of `keys` the bundle is addressed to (a recipient whose key is not among them is not named).
    public func recipients(among keys: [Hash32]) -> Set<Hash32> {
        let wanted = Set(hints)
        return Set(keys.filter { wanted.contains(BundleHeader.hint(for: $0, nonce: header.nonce)) })
    }

    /// Whether `key` is among the recipients.
    public func isAddressed(to key: Hash32) -> Bool {
        hints.contains(BundleHeader.hint(for: key, nonce: header.nonce))
    }
}
