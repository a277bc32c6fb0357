import Foundation
import LedgerCore
import Testing

/// Entry encoding checked byte for byte against `Tests/Vectors/entry-encoding.json`, which an
/// independent Python implementation of `Specs/entry-format.md` produced.
@Suite struct EntryVectorTests {
    @Test func everyValidVectorEncodesDecodesAndVerifiesByteForByte() throws {
        let doc = try Fixtures.vector("entry-encoding.json")
        let valid = try #require(doc["valid"] as? [[String: Any]])
        #expect(valid.count >= 4)
        #expect(doc["signing_context"] as? String == String(decoding: EntrySignature.context, as: UTF8.self))
        for v in valid {
            let name = v["name"] as? String ?? "?"
            let encoded = try Fixtures.bytes(try #require(v["encoded_hex"] as? String))
            let entry = try Entry.decode(encoded)
            #expect(entry.networkID == (try Fixtures.hash(try #require(v["network_id"] as? String))), "\(name)")
            #expect(entry.author == (try Fixtures.hash(try #require(v["author"] as? String))), "\(name)")
            #expect(String(entry.sequence) == v["sequence"] as? String, "\(name)")
            #expect(entry.links.map(\.hex) == v["links"] as? [String], "\(name)")
            #expect(String(entry.timestamp.wallMillis) == v["wall_millis"] as? String, "\(name)")
            #expect(Int(entry.timestamp.counter) == v["counter"] as? Int, "\(name)")
            #expect(entry.kind == v["kind"] as? String, "\(name)")
            #expect(entry.payload == (try Fixtures.bytes(try #require(v["payload_hex"] as? String))), "\(name)")
            #expect(entry.id.hex == v["id"] as? String, "\(name)")
            #expect(Hex.encode(EntrySignature.message(for: entry.id)) == v["signing_message_hex"] as? String)
            #expect(Hex.encode(entry.signature) == v["signature"] as? String, "\(name)")
            #expect(entry.isSignatureValid(), "\(name)")

            // Building the same content in Swift gives the same body, id and bytes.
            let rebuilt = try EntryContent(
                networkID: entry.networkID, author: entry.author, sequence: entry.sequence, links: entry.links,
                timestamp: entry.timestamp, kind: entry.kind, payload: entry.payload)
            #expect(Hex.encode(rebuilt.encodedBody()) == v["body_hex"] as? String, "\(name)")
            #expect(rebuilt.id == entry.id)
            #expect(try Entry(content: rebuilt, signature: entry.signature).encoded == encoded)

            // Ed25519 is deterministic (RFC 8032): our signer reproduces the vector's signature.
            let seed = try Fixtures.bytes(try #require(v["author_seed"] as? String))
            let keys = try SiteKeys(signingSeed: seed, agreementPrivateKey: [UInt8](repeating: 7, count: 32))
            #expect(try Entry.sign(rebuilt, with: keys).encoded == encoded, "\(name)")
        }
    }

    @Test func everyInvalidVectorIsRejectedWithItsCodeAndOffset() throws {
        let doc = try Fixtures.vector("entry-encoding.json")
        let invalid = try #require(doc["invalid"] as? [[String: Any]])
        #expect(invalid.count >= 10)
        for v in invalid {
            let name = v["name"] as? String ?? "?"
            let bytes = try Fixtures.bytes(try #require(v["encoded_hex"] as? String))
            do {
                _ = try Entry.decode(bytes)
                Issue.record("vector '\(name)' decoded but must be rejected")
            } catch let error as CoreError {
                #expect(error.code.name == v["error"] as? String, "\(name): \(error)")
                #expect(error.offset == v["offset"] as? Int, "\(name): \(error)")
            }
        }
    }
}
