import Crypto
import Foundation
import LedgerCore
import LedgerNet
import LedgerSite
import Logging
import TestSupport
import Testing

/// Admission by the identity key the handshake binds to the static key
/// (`SiteLedger.admitPeer`, Specs/sync-transport.md §4.4).
@Suite("Handshake identity admission")
struct HandshakeAdmissionTests {
    static func refusal(_ body: () throws -> PeerIdentity) -> TransportError? {
        do { _ = try body(); return nil } catch let error as TransportError { return error } catch { return nil }
    }

    @Test("a member's own payload is admitted by its identity key and its signed tree head is kept")
    func ownPayloadIsAdmitted() throws {
        let sites = try TwoSites()
        let payload = try sites.clinic.handshakeIdentity().encoded()
        let identity = try sites.central.admitPeer(staticKey: sites.clinic.metadata.agreementKey, payload: payload)
        #expect(identity.name == "clinic" && identity.signingKey == sites.clinic.siteKey)
        #expect(try sites.central.peerTreeHead(of: sites.clinic.siteKey) != nil)
    }

    @Test("a payload whose identity key signed someone else's static key is refused, naming the key")
    func borrowedPayloadIsRefused() throws {
        let sites = try TwoSites()
        let payload = try sites.clinic.handshakeIdentity().encoded()
        let forger = Hash32(bytes: Array(Curve25519.KeyAgreement.PrivateKey().publicKey.rawRepresentation)) ?? .zero
        let error = Self.refusal { try sites.central.admitPeer(staticKey: forger, payload: payload) }
        #expect(error?.code == .peerNotAuthorized)
        #expect(error?.message.contains(sites.clinic.siteKey.hex) == true && error?.message.contains("did not sign") == true, "\(String(describing: error))")
    }

    @Test("an empty, cut or foreign-network payload is refused")
    func damagedPayloadsAreRefused() throws {
        let sites = try TwoSites()
        let agreement = sites.clinic.metadata.agreementKey
        let payload = try sites.clinic.handshakeIdentity().encoded()
        #expect(Self.refusal { try sites.central.admitPeer(staticKey: agreement, payload: []) }?.code == .peerNotAuthorized)
        for length in [1, 50, HandshakeIdentity.fixedSize, payload.count - 1] {
            #expect(Self.refusal { try sites.central.admitPeer(staticKey: agreement, payload: Array(payload.prefix(length))) }?.code == .handshakeFailed, "cut at \(length)")
        }
        let foreign = try HandshakeIdentity.sign(with: sites.clinic.signingKeyForBundles, networkID: .zero, staticKey: agreement)
        #expect(Self.refusal { try sites.central.admitPeer(staticKey: agreement, payload: foreign.encoded()) }?.code == .peerNotAuthorized)
    }

    @Test("over TCP, a client presenting another member's payload with its own static key is refused before any entry flows")
    func forgedIdentityIsRefusedOverTCP() async throws {
        let sites = try TwoSites()
        let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        let stolen = try sites.clinic.handshakeIdentity().encoded()
        let before = sites.central.entryCount
        let server = try await LedgerServing.bind(ledger: sites.central, host: "127.0.0.1", port: 0, idleTimeout: 600,
                                                  exchangeTimeout: 1200, maximumConcurrentSessions: 4,
                                                  admission: AdmissionLimits(handshakeTimeout: 600), logger: quiet)
        let serving = Task(executorPreference: NetworkTestExecutor.shared) { try await server.run() }  // off the cooperative pool
        let service = try LedgerSyncService(ledger: sites.clinic)
        var configuration = TransportConfiguration(networkID: sites.central.networkID, idleTimeout: 600, exchangeTimeout: 1200)
        configuration.handshakePayload = { stolen }
        let client = SyncClient(configuration: configuration, staticKey: Curve25519.KeyAgreement.PrivateKey(),
                                authorizer: { try await service.authorize($0, handshake: $1) })
        var failure: TransportError?
        do {
            _ = try await client.sync(host: "127.0.0.1", port: server.port) { try await service.conversation(role: .initiator, peer: $0) }
        } catch let error as TransportError {
            failure = error
        }
        await server.shutdown()
        _ = try? await serving.value
        #expect(failure?.code == .refusedByPeer && failure?.code.category == .refused, "\(String(describing: failure))")
        #expect(sites.central.entryCount == before, "nothing flowed")
    }
}
