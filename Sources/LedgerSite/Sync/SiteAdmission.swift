import LedgerCore
import LedgerNet

/// One key admits a site (Specs/sync-transport.md §4.4): the TCP handshake carries each
/// side's Ed25519 identity key, a signature binding its Noise static key, and its signed
/// tree head; the charter is consulted for the identity key, and the tree head is checked
/// and kept by the same code as a bundle's (Specs/bundle-format.md §5.1).
extension SiteLedger {
    /// This site's handshake payload: its identity key, its signature over its static key,
    /// and its current signed tree head.
    /// - Throws: `CoreError` when the tree head cannot be signed.
    public func handshakeIdentity() throws -> HandshakeIdentity {
        let head = try signTreeHead()
        return try HandshakeIdentity.sign(with: signingKeyForBundles, networkID: networkID,
                                          staticKey: metadata.agreementKey, attachment: head.encoded)
    }

    /// Admits the peer whose handshake proved `staticKey` and sent `payload`, or throws why
    /// not, naming the key and the command that admits it. Keeps its signed tree head (or
    /// the evidence it reveals) as a bundle's would be kept.
    /// - Throws: `TransportError` `.peerNotAuthorized` (exit 4) for an unknown, revoked or
    ///   not-bound key; `.handshakeFailed` for a payload or tree head that does not decode
    ///   or verify.
    public func admitPeer(staticKey: Hash32, payload: [UInt8]) throws -> PeerIdentity {
        func refuse(_ message: String) -> TransportError {
            TransportError(.peerNotAuthorized, message, peerKey: staticKey)
        }
        guard !payload.isEmpty else {
            throw refuse("the peer with static key \(staticKey.hex) sent no identity key in its handshake (an older CareLedger); it cannot be admitted until it is updated")
        }
        let identity = try HandshakeIdentity(decoding: payload)
        let key = identity.identityKey
        guard identity.binds(staticKey: staticKey, networkID: networkID) else {
            throw refuse("the peer presents site key \(key.hex) but that key did not sign the peer's static key \(staticKey.hex): it is not that site (a signature over someone else's static key); refused")
        }
        let admit = "careledger members admit --key \(key.hex) --name NAME --role ROLE"
        guard let member = charter.members[key] else {
            // An admission waiting for its quorum (Specs/charter.md §5) names the approving command.
            let pending = charter.pendingProposals.first { proposal in
                if case .admit(let payload) = proposal.change { return payload.key == key }
                return false
            }
            if let pending {
                throw refuse("site key \(key.hex) is not a member of this network yet: its admission \(pending.entryID.hex) has \(pending.approvers.count) of \(charter.quorum) governance approvals; other governance sites approve it with `careledger members approve \(pending.entryID.hex)`")
            }
            throw refuse("site key \(key.hex) is not a member of this network; a governance site admits it with `\(admit)`")
        }
        switch charter.status(of: key, at: currentTime()) {
        case .member(let role):
            if let expected = member.agreementKey, expected != staticKey {
                throw refuse("site key \(key.hex) (\(member.name)) is admitted with agreement key \(expected.hex), but its handshake proves \(staticKey.hex); re-admit it with `\(admit)` if its keys changed")
            }
            do {
                let verdict = try checkPeerTreeHead(identity.attachment, from: key, sentAt: currentTime())
                if !verdict.changesNothing { try remember(verdict) }
            } catch let error as CoreError where error.code == .treeHeadInvalid {
                throw TransportError(.handshakeFailed, error.message, peerKey: staticKey)
            }
            return PeerIdentity(name: member.name, signingKey: key, agreementKey: staticKey, role: role.rawValue)
        case .revoked:
            throw refuse("site key \(key.hex) (\(member.name)) was revoked; it cannot sync with this network")
        case .unknown:
            throw refuse("site key \(key.hex) (\(member.name)) is not admitted at this time; a governance site admits it with `\(admit)`")
        }
    }
}

extension LedgerSyncService {
    /// This site's handshake payload, made on the writer queue for each session.
    public func handshakePayload() async throws -> [UInt8] {
        try await withLedger { ledger, _ in try ledger.handshakeIdentity().encoded() }
    }

    /// The member the handshake proved, admitted and not revoked now, with its tree head
    /// checked and kept (``SiteLedger/admitPeer(staticKey:payload:)``).
    /// - Throws: `TransportError` saying why the peer is refused.
    public func authorize(_ staticKey: Hash32, handshake payload: [UInt8]) async throws -> PeerIdentity? {
        try await withLedger { ledger, _ in try ledger.admitPeer(staticKey: staticKey, payload: payload) }
    }

    /// The transport settings of a session of this site: its network, the timeouts, and its
    /// handshake identity.
    public func transportConfiguration(networkID: Hash32, idleTimeout: Double, exchangeTimeout: Double,
                                       maximumConcurrentSessions: Int = 256) -> TransportConfiguration {
        var configuration = TransportConfiguration(networkID: networkID, idleTimeout: idleTimeout, exchangeTimeout: exchangeTimeout,
                                                   maximumConcurrentSessions: maximumConcurrentSessions)
        configuration.handshakePayload = { try await self.handshakePayload() }
        return configuration
    }
}
