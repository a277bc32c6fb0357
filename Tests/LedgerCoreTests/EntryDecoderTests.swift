import LedgerCore
import TestSupport
import Testing

/// The entry decoder against hostile input: every truncation, byte-at-a-time feeding, random
/// garbage, and round trips of random entries (seeded; the seed is printed on failure).
@Suite struct EntryDecoderTests {
    static let seed: UInt64 = 0xC0FF_EE00_E47A_1E5

    @Test func everyPrefixOfAnEntryIsRejectedAsTruncated() throws {
        var rng = SeededGenerator(seed: Self.seed)
        let keys = try Fixtures.keys(&rng)
        let entries = try Fixtures.chain(4, keys: keys, rng: &rng)
        for entry in entries {
            let bytes = entry.encoded
            for cut in 0..<bytes.count {
                do {
                    _ = try Entry.decode(bytes[0..<cut])
                    Issue.record("a \(cut)-byte prefix of a \(bytes.count)-byte entry decoded (seed \(Self.seed))")
                } catch let error as CoreError {
                    #expect(error.code == .truncated, "prefix \(cut): \(error)")
                    #expect(error.offset == cut, "prefix \(cut): \(error)")
                }
            }
            #expect(try Entry.decode(bytes[...]) == entry)
        }
    }

    @Test func feedingOneByteAtATimeDecodesOnlyWhenTheLastByteArrives() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 1)
        let keys = try Fixtures.keys(&rng)
        let entry = try #require(try Fixtures.chain(2, keys: keys, rng: &rng).last)
        var buffer = [UInt8]()
        var decodedAt: Int?
        for (i, byte) in entry.encoded.enumerated() {
            buffer.append(byte)
            if let decoded = try? Entry.decode(buffer) {
                #expect(decodedAt == nil)
                decodedAt = i + 1
                #expect(decoded == entry)
            }
        }
        #expect(decodedAt == entry.encoded.count)
    }

    @Test func randomGarbageNeverCrashesTheDecoder() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 2)
        var accepted = 0
        for _ in 0..<5_000 {
            let count = Int(rng.next() % 400)
            var bytes = rng.bytes(count)
            if !bytes.isEmpty && rng.next() % 2 == 0 { bytes[0] = EntryFormat.version }
            if let entry = try? Entry.decode(bytes) {
                // Anything accepted must be canonical: it re-encodes to the same bytes.
                accepted += 1
                #expect(entry.encoded == bytes, "seed \(Self.seed &+ 2)")
            }
        }
        #expect(accepted < 5_000)
    }

    @Test func randomEntriesRoundTripThroughTheirEncoding() throws {
        let seed = Self.seed &+ 3
        var rng = SeededGenerator(seed: seed)
        let keys = try Fixtures.keys(&rng)
        for _ in 0..<200 {
            let links = (0..<Int(rng.next() % 17)).map { _ in Hash32(w0: rng.next(), w1: rng.next(), w2: rng.next(), w3: rng.next()) }
            let kindBytes = (0..<(1 + Int(rng.next() % 64))).map { _ in UInt8(0x21 + rng.next() % 94) }
            let content = try EntryContent(
                networkID: Hash32(w0: rng.next(), w1: 1, w2: 2, w3: 3), author: keys.signingPublicKey,
                sequence: rng.next(), links: links,
                timestamp: HybridTimestamp(wallMillis: rng.next(), counter: UInt32(truncatingIfNeeded: rng.next())),
                kind: String(decoding: kindBytes, as: UTF8.self), payload: rng.bytes(Int(rng.next() % 2_000)))
            let entry = try Entry.sign(content, with: keys)
            let decoded = try Entry.decode(entry.encoded)
            #expect(decoded == entry, "seed \(seed)")
            #expect(decoded.content == content, "seed \(seed)")
            #expect(decoded.id == content.id, "seed \(seed)")
            #expect(decoded.links == content.links.sorted(), "seed \(seed)")
            #expect(decoded.isSignatureValid(), "seed \(seed)")
        }
    }

    @Test func unknownKindsFromNewerPeersDecodeAndRoundTripUntouched() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 4)
        let keys = try Fixtures.keys(&rng)
        let content = try EntryContent(
            networkID: Fixtures.network, author: keys.signingPublicKey, sequence: 3, links: [],
            timestamp: HybridTimestamp(wallMillis: 5, counter: 0), kind: "future.kind~v9/x", payload: [0xFF, 0x00])
        let entry = try Entry.sign(content, with: keys)
        let decoded = try Entry.decode(entry.encoded)
        #expect(decoded.kind == "future.kind~v9/x")
        #expect(decoded.encoded == entry.encoded)
    }

    @Test func contentOutsideTheLimitsIsRefusedBeforeEncoding() throws {
        let author = Hash32.zero
        let stamp = HybridTimestamp(wallMillis: 1, counter: 0)
        let tooManyLinks = (0..<17).map { Hash32(w0: UInt64($0), w1: 0, w2: 0, w3: 0) }
        #expect(throws: CoreError.self) {
            try EntryContent(networkID: author, author: author, sequence: 0, links: tooManyLinks, timestamp: stamp, kind: "a", payload: [])
        }
        #expect(throws: CoreError.self) {
            try EntryContent(networkID: author, author: author, sequence: 0, links: [], timestamp: stamp, kind: "", payload: [])
        }
        #expect(throws: CoreError.self) {
            try EntryContent(networkID: author, author: author, sequence: 0, links: [], timestamp: stamp, kind: "é", payload: [])
        }
        #expect(throws: CoreError.self) {
            try EntryContent(
                networkID: author, author: author, sequence: 0, links: [], timestamp: stamp, kind: "a",
                payload: [UInt8](repeating: 0, count: EntryFormat.maxPayloadBytes + 1))
        }
        // Duplicate links collapse and order is canonical: one content, one encoding.
        let a = Hash32(w0: 2, w1: 0, w2: 0, w3: 0), b = Hash32(w0: 1, w1: 0, w2: 0, w3: 0)
        let content = try EntryContent(networkID: author, author: author, sequence: 0, links: [a, b, a], timestamp: stamp, kind: "a", payload: [])
        #expect(content.links == [b, a])
    }

    @Test func aMaximalEntryStillDecodes() throws {
        var rng = SeededGenerator(seed: Self.seed &+ 5)
        let keys = try Fixtures.keys(&rng)
        let links = (0..<EntryFormat.maxLinks).map { Hash32(w0: UInt64($0), w1: 0, w2: 0, w3: 0) }
        let content = try EntryContent(
            networkID: Fixtures.network, author: keys.signingPublicKey, sequence: .max, links: links,
            timestamp: HybridTimestamp(wallMillis: .max, counter: .max),
            kind: String(repeating: "k", count: EntryFormat.maxKindBytes),
            payload: [UInt8](repeating: 0x7B, count: EntryFormat.maxPayloadBytes))
        let entry = try Entry.sign(content, with: keys)
        #expect(entry.encoded.count == EntryFormat.maximumEncodedSize)
        #expect(try Entry.decode(entry.encoded) == entry)
    }
}
