import LedgerCore

/// A peer the authorizer admitted: who is on the other end of an authenticated session.
///
/// Why: after the Noise handshake proves the peer holds the private half of an X25519 key, the
/// site still has to map that key to a charter member (name, signing key, role) and refuse it if
/// the key is unknown or revoked. The conversation factory receives this identity.
public struct PeerIdentity: Sendable, Equatable {
    /// The member's name in the charter.
    public var name: String
    /// The member's Ed25519 signing key.
    public var signingKey: Hash32
    /// The member's X25519 agreement key (the Noise static key proven in the handshake).
    public var agreementKey: Hash32
    /// The member's role name (clinic, field, central, auditor, governance).
    public var role: String

    /// Creates an identity.
    public init(name: String, signingKey: Hash32, agreementKey: Hash32, role: String) {
        self.name = name
        self.signingKey = signingKey
        self.agreementKey = agreementKey
        self.role = role
    }
}

/// Decides whether a peer's proven static X25519 key, and the payload of its handshake
/// message (a ``HandshakeIdentity`` binding that key to an Ed25519 identity key, §4.4),
/// belong to an admitted, non-revoked member.
///
/// Return nil (or throw a `TransportError` `.peerNotAuthorized` whose message says which
/// key is unknown and how to admit it) to refuse: the session then ends before any ledger
/// data flows, with `TransportError.peerNotAuthorized` on this side and `refusedByPeer` on
/// the other. It is consulted once per session, as soon as the peer's key is proven.
public typealias PeerAuthorizer = @Sendable (_ peerAgreementKey: Hash32, _ handshakePayload: [UInt8]) async throws -> PeerIdentity?
