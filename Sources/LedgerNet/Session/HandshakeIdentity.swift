import Crypto
import LedgerCore

/// The payload of handshake messages 2 and 3 (Specs/sync-transport.md §4.4): the site's
/// Ed25519 identity key, its signature over the Noise static X25519 key, and an attachment
/// (the site's signed tree head).
///
/// Why: the charter admits a site by its Ed25519 key; the handshake proves only the X25519
/// static key. Binding the two with a signature — as libp2p's Noise handshake payload binds
/// a peer's identity key to its static key — lets a site admitted by its identity key alone
/// sync at once, with no profile entry to carry the X25519 key first. The payload travels
/// encrypted (messages 2 and 3 follow `ee`), so an eavesdropper learns neither key.
public struct HandshakeIdentity: Sendable, Equatable {
    /// Payload version (byte 0).
    public static let version: UInt8 = 1
    /// The signed message's prefix: the signature is over this, the network id, then the
    /// 32-byte static key.
    public static let context = Array("careledger-noise-static-key:".utf8)
    /// The largest attachment accepted.
    public static let maximumAttachment = 1_024
    /// Bytes before the attachment: version, identity key, signature, attachment length.
    public static let fixedSize = 1 + 32 + 64 + 2

    /// The site's Ed25519 public key (its charter key).
    public let identityKey: Hash32
    /// Ed25519 by `identityKey` over ``signingMessage(networkID:staticKey:)``.
    public let signature: [UInt8]
    /// The site's signed tree head (Specs/merkle-log.md §7.1), or empty.
    public let attachment: [UInt8]

    /// Creates a payload from its parts (no check).
    public init(identityKey: Hash32, signature: [UInt8], attachment: [UInt8]) {
        self.identityKey = identityKey
        self.signature = signature
        self.attachment = attachment
    }

    /// Signs the binding of `staticKey` to `signingKey`'s public key for `networkID`.
    /// - Throws: what Ed25519 signing throws.
    public static func sign(with signingKey: Curve25519.Signing.PrivateKey, networkID: Hash32, staticKey: Hash32,
                            attachment: [UInt8] = []) throws -> HandshakeIdentity {
        let signature = try signingKey.signature(for: signingMessage(networkID: networkID, staticKey: staticKey))
        return HandshakeIdentity(identityKey: Hash32(bytes: Array(signingKey.publicKey.rawRepresentation)) ?? .zero,
                                 signature: Array(signature), attachment: attachment)
    }

    /// What the signature covers: ``context``, the network id, the static key.
    public static func signingMessage(networkID: Hash32, staticKey: Hash32) -> [UInt8] {
        context + networkID.bytes + staticKey.bytes
    }

    /// Whether the signature binds `staticKey` (the key the handshake proved) to the identity key.
    public func binds(staticKey: Hash32, networkID: Hash32) -> Bool {
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: identityKey.bytes) else { return false }
        return key.isValidSignature(signature, for: Self.signingMessage(networkID: networkID, staticKey: staticKey))
    }

    /// The payload bytes (§4.4).
    public func encoded() -> [UInt8] {
        let length = UInt16(min(attachment.count, Self.maximumAttachment))
        return [Self.version] + identityKey.bytes + signature + [UInt8(length >> 8), UInt8(length & 0xff)]
            + attachment.prefix(Int(length))
    }

    /// Reads a payload.
    /// - Throws: `TransportError.handshakeFailed` on a wrong version, a short or long payload,
    ///   or an attachment over ``maximumAttachment``.
    public init(decoding bytes: [UInt8]) throws {
        func failure(_ why: String) -> TransportError {
            TransportError(.handshakeFailed, "the peer's handshake identity \(why)")
        }
        guard bytes.count >= Self.fixedSize else { throw failure("has \(bytes.count) bytes, fewer than \(Self.fixedSize)") }
        guard bytes[0] == Self.version else { throw failure("has version \(bytes[0]), not \(Self.version)") }
        let length = Int(bytes[97]) << 8 | Int(bytes[98])
        guard length <= Self.maximumAttachment else { throw failure("announces a \(length)-byte attachment (at most \(Self.maximumAttachment))") }
        guard bytes.count == Self.fixedSize + length else {
            throw failure("has \(bytes.count) bytes where its attachment length says \(Self.fixedSize + length)")
        }
        identityKey = Hash32(bytes: Array(bytes[1..<33])) ?? .zero
        signature = Array(bytes[33..<97])
        attachment = Array(bytes[99...])
    }
}
