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

/// The signed tree head vector from an independent Python implementation, byte for byte.
@Suite struct SignedTreeHeadVectorTests {
    @Test func theVectorHeadDecodesVerifiesAndIsReproducedByOurSigner() throws {
        let v = try Fixtures.vector("merkle-signed-tree-head.json")
        let encoded = try Fixtures.bytes(try #require(v["encoded_hex"] as? String))
        let head = try SignedTreeHead.decode(encoded)
        #expect(head.networkID.hex == v["network_id"] as? String)
        #expect(head.treeSize == UInt64(try #require(v["tree_size"] as? Int)))
        #expect(head.rootHash.hex == v["root_hash"] as? String)
        #expect(String(head.timestamp.wallMillis) == v["wall_millis"] as? String)
        #expect(Int(head.timestamp.counter) == v["counter"] as? Int)
        #expect(head.signer.hex == v["signer"] as? String)
        #expect(Hex.encode(head.signingMessage) == v["signing_message_hex"] as? String)
        #expect(head.isSignatureValid())
        #expect(head.encoded == encoded)
        let seed = try Fixtures.bytes(try #require(v["signer_seed"] as? String))
        let keys = try SiteKeys(signingSeed: seed, agreementPrivateKey: [UInt8](repeating: 1, count: 32))
        let ours = try SignedTreeHead.sign(
            networkID: head.networkID, treeSize: head.treeSize, rootHash: head.rootHash, timestamp: head.timestamp, keys: keys)
        #expect(ours.encoded == encoded)
    }
}

/// Two signed heads and a consistency proof expose a site that rewrote its log.
@Suite struct SignedTreeHeadHistoryTests {
    @Test func headsOfAGrowingLogAreConsistentAndARewrittenLogIsCaught() throws {
        var rng = SeededGenerator(seed: 9_166)
        let keys = try Fixtures.keys(&rng)
        var honest = try MerkleTree(store: InMemoryMerkleNodeStore())
        var rewritten = try MerkleTree(store: InMemoryMerkleNodeStore())
        for i in 0..<20 {
            let leaf = rng.bytes(16)
            try honest.append(leaf: leaf)
            // The rewritten log changed entry 3 after the first head was signed.
            try rewritten.append(leaf: i == 3 ? [0xEE] : leaf)
        }
        func head(_ tree: MerkleTree<InMemoryMerkleNodeStore>, _ size: UInt64) throws -> SignedTreeHead {
            try SignedTreeHead.sign(
                networkID: Fixtures.network, treeSize: size, rootHash: try tree.root(atSize: size),
                timestamp: HybridTimestamp(wallMillis: size, counter: 0), keys: keys)
        }
        let early = try head(honest, 7)
        let late = try head(honest, 20)
        #expect(try honest.consistencyProof(from: 7, to: 20).verify(from: early, to: late))
        let lateRewritten = try head(rewritten, 20)
        #expect(lateRewritten.isSignatureValid())
        #expect(!(try rewritten.consistencyProof(from: 7, to: 20)).verify(from: early, to: lateRewritten))
        // A proof for other sizes than the heads' is refused even if it verifies on its own.
        #expect(!(try honest.consistencyProof(from: 6, to: 20)).verify(from: early, to: late))
    }
}
