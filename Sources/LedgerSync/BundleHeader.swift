import Crypto
import Foundation
import LedgerCore

/// The clear-text, signed part of a bundle (Specs/bundle-format.md §3).
public struct BundleHeader: Hashable, Sendable {
    /// `\x89CLBND\r\n`: a high byte first so text tools see binary, CR LF to catch line-ending damage.
    public static let magic: [UInt8] = [0x89, 0x43, 0x4C, 0x42, 0x4E, 0x44, 0x0D, 0x0A]
    /// The newest format version this build reads: 1 (per-recipient bundles) and 2 (mailbox
    /// bundles with a signed id index, Specs/bundle-format.md §2.1). It writes both.
    public static let formatVersion: UInt16 = 2
    /// The version of a bundle without an id index.
    public static let plainVersion: UInt16 = 1
    /// The version of a mailbox bundle, with its signed id index.
    public static let indexedVersion: UInt16 = 2
    /// Length of the fixed part before the recipient list.
    static let fixedLength = 74
    /// Length of one recipient entry: hint 8, HPKE encapsulated key 32, wrapped content key 48.
    static let recipientLength = 88
    /// Most recipients in one bundle.
    public static let maxRecipients = 1024
    /// Largest bundle file a reader reads by default, 1 GiB (Specs/bundle-format.md §7 step 0):
    /// the payload is one AEAD message, so a signed bundle's ciphertext is held whole.
    public static let maxBundleBytes = 1 << 30
    /// Largest clear header: the fixed part, `maxRecipients` entries and the two sizes.
    public static let maxHeaderBytes = fixedLength + maxRecipients * recipientLength + 16
    /// Trailer: Ed25519 signature 64, SHA-256 checksum 32.
    static let trailerLength = 96
    /// HPKE info string binding wrapped keys to this format.
    static let hpkeInfo = Data("careledger bundle v1".utf8)
    static var ciphersuite: HPKE.Ciphersuite { .Curve25519_SHA256_ChachaPoly }

    /// The bundle's format version.
    public let version: UInt16
    /// The payload codec: 0 stored, 1 LZ4 frame.
    public let codecID: UInt8
    /// The sender's site (Ed25519 signing) key.
    public let sender: Hash32
    /// When the sender wrote the bundle (orders summaries of the same sender).
    public let created: HybridTimestamp
    /// 16 random bytes: unique per bundle; salts recipient hints and the summary.
    public let nonce: [UInt8]
    /// How many recipients the bundle is encrypted to.
    public let recipientCount: Int
    /// The payload's size after decompression, checked against the reader's cap first.
    public let decompressedSize: UInt64
    /// Version 2: the id digests of the items carried, ascending (``StickIndex``); empty in version 1.
    public var index: [UInt64] = []

    /// The 8-byte hint that marks `recipient`'s entry without naming its key:
    /// SHA-256(0x10 || nonce || recipient key)[0..<8].
    public static func hint(for recipient: Hash32, nonce: [UInt8]) -> [UInt8] {
        var writer = ByteWriter(.bigEndian)
        writer.u8(0x10)
        writer.raw(nonce)
        writer.hash(recipient)
        return Array(SHA256.hash(data: writer.bytes).prefix(8))
    }
}

/// A recipient of a bundle: its site key (which names it) and its X25519 key-agreement key.
public struct BundleRecipient: Hashable, Sendable {
    /// The recipient's site (Ed25519 signing) key.
    public let siteKey: Hash32
    /// The raw 32-byte X25519 public key the payload key is encrypted to.
    public let agreementKey: [UInt8]

    /// Creates a recipient.
    public init(siteKey: Hash32, agreementKey: [UInt8]) {
        self.siteKey = siteKey
        self.agreementKey = agreementKey
    }
}
