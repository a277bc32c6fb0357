import Crypto
import LedgerPrimitives

/// A site's signed statement "my log had `treeSize` entries with root `rootHash`".
///
/// `Specs/merkle-log.md` §7. Two heads from the same signer whose consistency proof fails are
/// evidence that the site rewrote its history. The signature covers a context string and
/// every field, including the network, so a head cannot be replayed in another network.
public struct SignedTreeHead: Hashable, Sendable {
    /// The network the log belongs to.
    public let networkID: Hash32
    /// The number of leaves (entries) in the log.
    public let treeSize: UInt64
    /// The RFC 9162 root hash at that size.
    public let rootHash: Hash32
    /// When the head was signed (the site's hybrid logical clock).
    public let timestamp: HybridTimestamp
    /// The signing site's Ed25519 public key.
    public let signer: Hash32
    /// The Ed25519 signature over `signingMessage`.
    public let signature: [UInt8]

    /// The format version in byte 0 of an encoded head.
    public static let version: UInt8 = 1
    /// The signed message's ASCII context prefix.
    public static let context: [UInt8] = Array("CareLedger-STH-v1".utf8)
    /// The size of an encoded head: 117 bytes of fields and a 64-byte signature.
    public static let encodedSize = 181
    static let fieldsSize = 117

    /// Signs a head with the site's keys.
    /// - Throws: `CoreError.Code.signingFailed`.
    public static func sign(
        networkID: Hash32, treeSize: UInt64, rootHash: Hash32, timestamp: HybridTimestamp, keys: SiteKeys
    ) throws -> SignedTreeHead {
        let fields = encodeFields(networkID: networkID, treeSize: treeSize, rootHash: rootHash, timestamp: timestamp, signer: keys.signingPublicKey)
        do {
            let signature = Array(try keys.signing.signature(for: context + fields))
            return SignedTreeHead(
                networkID: networkID, treeSize: treeSize, rootHash: rootHash, timestamp: timestamp,
                signer: keys.signingPublicKey, signature: signature)
        } catch {
            throw CoreError(.signingFailed, "Ed25519 signing of a tree head failed", underlying: error)
        }
    }

    /// Creates a head from parts (e.g. received from a peer); check it with `isSignatureValid`.
    public init(networkID: Hash32, treeSize: UInt64, rootHash: Hash32, timestamp: HybridTimestamp, signer: Hash32, signature: [UInt8]) {
        self.networkID = networkID
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.timestamp = timestamp
        self.signer = signer
        self.signature = signature
    }

    static func encodeFields(networkID: Hash32, treeSize: UInt64, rootHash: Hash32, timestamp: HybridTimestamp, signer: Hash32) -> [UInt8] {
        var out = ByteWriter(.bigEndian, capacity: encodedSize)
        out.u8(version)
        out.hash(networkID)
        out.u64(treeSize)
        out.hash(rootHash)
        out.timestamp(timestamp)
        out.hash(signer)
        return out.bytes
    }

    /// The exact bytes signed: `context || fields` (§7.2).
    public var signingMessage: [UInt8] {
        Self.context + Self.encodeFields(networkID: networkID, treeSize: treeSize, rootHash: rootHash, timestamp: timestamp, signer: signer)
    }

    /// Whether `signature` is `signer`'s valid Ed25519 signature over `signingMessage`.
    public func isSignatureValid() -> Bool {
        guard signature.count == 64,
            let key = try? Curve25519.Signing.PublicKey(rawRepresentation: signer.bytes)
        else { return false }
        return key.isValidSignature(signature, for: signingMessage)
    }

    /// The 181-byte encoding (§7.1): fields then signature.
    public var encoded: [UInt8] {
        Self.encodeFields(networkID: networkID, treeSize: treeSize, rootHash: rootHash, timestamp: timestamp, signer: signer) + signature
    }

    /// Decodes exactly one encoded head; does not verify the signature.
    /// - Throws: `CoreError` `.truncated`, `.trailingBytes`, `.unsupportedVersion`.
    public static func decode(_ bytes: [UInt8]) throws -> SignedTreeHead {
        try bytes.withUnsafeBytes { raw in
            var r = EntryReader(raw, byteOrder: .bigEndian)
            try r.version(Self.version, of: "tree head")
            let network = try r.hash("network id")
            let size = try r.u64("tree size")
            let root = try r.hash("root hash")
            let timestamp = try r.timestamp("timestamp")
            let signer = try r.hash("signer key")
            let signature = try r.raw(64, "signature")
            guard r.remaining == 0 else {
                throw CoreError(.trailingBytes, "\(r.remaining) bytes follow the tree head", offset: r.position)
            }
            return SignedTreeHead(
                networkID: network, treeSize: size, rootHash: root,
                timestamp: timestamp, signer: signer, signature: signature)
        }
    }
}
