import Crypto
import LedgerCore
import LedgerNet
import Testing

/// The payload of handshake messages 2 and 3 (Specs/sync-transport.md §4.4) against vectors
/// made independently with Python's `cryptography` (Tests/Tools/make_handshake_identity_vectors.py).
@Suite("Handshake identity payload")
struct HandshakeIdentityTests {
    static let file = "transport-handshake-identity.json"

    @Test("signing with the vector's keys gives the vector's payload byte for byte, and it decodes and binds")
    func positiveVectors() throws {
        let vectors = try loadVector(Self.file).objects("vectors")
        #expect(vectors.count == 2)
        for vector in vectors {
            let name = try vector.string("name")
            let network = try #require(Hash32(bytes: try vector.bytes("network_id")))
            let staticKey = try #require(Hash32(bytes: try vector.bytes("static_key")))
            let signing = try Curve25519.Signing.PrivateKey(rawRepresentation: try vector.bytes("identity_seed"))
            let made = try HandshakeIdentity.sign(with: signing, networkID: network, staticKey: staticKey,
                                                  attachment: try vector.bytes("attachment"))
            #expect(made.encoded() == (try vector.bytes("payload")), "\(name)")
            let decoded = try HandshakeIdentity(decoding: try vector.bytes("payload"))
            #expect(decoded == made, "\(name)")
            #expect(decoded.binds(staticKey: staticKey, networkID: network), "\(name)")
        }
    }

    @Test("negative vectors do not bind, or fail to decode with handshake_failed")
    func negativeVectors() throws {
        let vectors = try loadVector(Self.file).objects("negative")
        #expect(vectors.count >= 8)
        for vector in vectors {
            let name = try vector.string("name")
            let network = try #require(Hash32(bytes: try vector.bytes("network_id")))
            let staticKey = try #require(Hash32(bytes: try vector.bytes("static_key")))
            let payload = try vector.bytes("payload")
            switch try vector.string("outcome") {
            case "does_not_bind":
                #expect(!(try HandshakeIdentity(decoding: payload)).binds(staticKey: staticKey, networkID: network), "\(name)")
            default:
                do {
                    _ = try HandshakeIdentity(decoding: payload)
                    Issue.record("\(name): decoded")
                } catch let error as TransportError {
                    #expect(error.code == .handshakeFailed, "\(name)")
                }
            }
        }
    }

    @Test("every cut of a payload fails to decode")
    func everyCutFails() throws {
        let payload = try loadVector(Self.file).objects("vectors")[0].bytes("payload")
        for length in 0..<payload.count {
            #expect(throws: TransportError.self, "cut at \(length)") { try HandshakeIdentity(decoding: Array(payload.prefix(length))) }
        }
    }
}
