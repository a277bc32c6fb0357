import LedgerCore
import TestSupport
import Testing

/// Tampering with a signed entry is always detected at the entry level.
@Suite struct EntryTamperTests {
    static let seed: UInt64 = 0x7A3B_E12D

    @Test func flippingAnySingleByteChangesTheIdOrBreaksTheSignature() throws {
        var rng = SeededGenerator(seed: Self.seed)
        let keys = try Fixtures.keys(&rng)
        let entries = try Fixtures.chain(3, keys: keys, rng: &rng)
        for entry in entries {
            for position in 0..<entry.encoded.count {
                for mask: UInt8 in [0x01, 0x80, 0xFF] {
                    var bytes = entry.encoded
                    bytes[position] ^= mask
                    guard let tampered = try? Entry.decode(bytes) else { continue }
                    // Decoded: then its id moved (content byte) or its signature bytes did;
                    // either way the signature no longer verifies.
                    #expect(tampered.id != entry.id || tampered.signature != entry.signature)
                    #expect(!tampered.isSignatureValid(), "byte \(position) mask \(mask) went unnoticed (seed \(Self.seed))")
                }
            }
        }
    }

    @Test func reSigningWithAnotherKeyIsDetected() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 1)
        let alice = try Fixtures.keys(&rng)
        let mallory = try Fixtures.keys(&rng)
        let entry = try #require(try Fixtures.chain(1, keys: alice, rng: &rng).first)

        // Mallory's signature over Alice's entry id does not verify: the author is Alice.
        let forged = try Entry(content: entry.content, signature: Array(mallory.signing.signature(for: EntrySignature.message(for: entry.id))))
        #expect(!forged.isSignatureValid())
        #expect(!(try Entry.decode(forged.encoded)).isSignatureValid())

        // Claiming the entry as Mallory's gives a valid signature but a different id, so
        // every link to the original id (and every proof of it) no longer matches.
        let claimed = try EntryContent(
            networkID: entry.networkID, author: mallory.signingPublicKey, sequence: entry.sequence, links: entry.links,
            timestamp: entry.timestamp, kind: entry.kind, payload: entry.payload)
        let reSigned = try Entry.sign(claimed, with: mallory)
        #expect(reSigned.isSignatureValid())
        #expect(reSigned.id != entry.id)

        // And signing with a key that is not the content's author is refused outright.
        #expect(throws: CoreError.self) { try Entry.sign(entry.content, with: mallory) }
    }

    @Test func aSignatureNeverVerifiesForAnotherEntry() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 2)
        let keys = try Fixtures.keys(&rng)
        let entries = try Fixtures.chain(2, keys: keys, rng: &rng)
        let swapped = try Entry(content: entries[0].content, signature: entries[1].signature)
        #expect(!swapped.isSignatureValid())
    }
}
