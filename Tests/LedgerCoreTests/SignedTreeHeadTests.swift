import LedgerCore
import TestSupport
import Testing

@Suite struct SignedTreeHeadTests {
    static func head(_ keys: SiteKeys) throws -> SignedTreeHead {
        try SignedTreeHead.sign(
            networkID: Fixtures.network, treeSize: 1_234, rootHash: Hash32.sha256(Array("root".utf8)),
            timestamp: HybridTimestamp(wallMillis: 1_764_000_000_000, counter: 9), keys: keys)
    }

    @Test func aSignedHeadVerifiesAndRoundTripsThroughItsEncoding() throws {
        var rng = SeededGenerator(seed: 9_162)
        let keys = try Fixtures.keys(&rng)
        let head = try Self.head(keys)
        #expect(head.isSignatureValid())
        #expect(head.encoded.count == SignedTreeHead.encodedSize)
        let decoded = try SignedTreeHead.decode(head.encoded)
        #expect(decoded == head)
        #expect(decoded.isSignatureValid())
        #expect(decoded.signer == keys.signingPublicKey)
        #expect(head.signingMessage.starts(with: SignedTreeHead.context))
    }

    @Test func anyFlippedByteOfAnEncodedHeadIsDetected() throws {
        var rng = SeededGenerator(seed: 9_163)
        let head = try Self.head(try Fixtures.keys(&rng))
        for position in 0..<head.encoded.count {
            var bytes = head.encoded
            bytes[position] ^= 0x04
            if let tampered = try? SignedTreeHead.decode(bytes) {
                #expect(!tampered.isSignatureValid(), "byte \(position)")
            }
        }
    }

    @Test func aHeadSignedByAnotherKeyOrForAnotherNetworkFails() throws {
        var rng = SeededGenerator(seed: 9_164)
        let alice = try Fixtures.keys(&rng), mallory = try Fixtures.keys(&rng)
        let head = try Self.head(alice)
        let forged = try Self.head(mallory)
        let claimed = SignedTreeHead(
            networkID: head.networkID, treeSize: head.treeSize, rootHash: head.rootHash,
            timestamp: head.timestamp, signer: alice.signingPublicKey, signature: forged.signature)
        #expect(!claimed.isSignatureValid())
        let moved = SignedTreeHead(
            networkID: Hash32.zero, treeSize: head.treeSize, rootHash: head.rootHash,
            timestamp: head.timestamp, signer: head.signer, signature: head.signature)
        #expect(!moved.isSignatureValid())
    }

    @Test func truncatedOrPaddedHeadsAreRejected() throws {
        var rng = SeededGenerator(seed: 9_165)
        let encoded = try Self.head(try Fixtures.keys(&rng)).encoded
        for cut in 0..<encoded.count {
            #expect { try SignedTreeHead.decode(Array(encoded[0..<cut])) } throws: { ($0 as? CoreError)?.code == .truncated }
        }
        #expect { try SignedTreeHead.decode(encoded + [0]) } throws: { ($0 as? CoreError)?.code == .trailingBytes }
        var version2 = encoded
        version2[0] = 2
        #expect { try SignedTreeHead.decode(version2) } throws: { ($0 as? CoreError)?.code == .unsupportedVersion }
    }
}
