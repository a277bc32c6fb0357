import LedgerCore
import Testing
import TestSupport
@testable import LedgerSync

/// A bundle from `sender` to `recipients` carrying every item of `site`.
func bundle(from sender: SiteKeys, to recipients: [SiteKeys], site: MemorySite,
            created: HybridTimestamp = HybridTimestamp(wallMillis: 1_700_000_000_000, counter: 0),
            declared: UInt64? = nil) throws -> [UInt8] {
    let ids = BundleContents.ids(from: site.set, lastKnown: [nil])
    let items = ids.map { SyncItem(id: $0, bytes: site.items[$0] ?? []) }
    return try sender.writer().write(recipients: recipients.map(\.recipient), created: created,
                                     treeHead: Array("signed tree head".utf8), set: site.set, items: items,
                                     declaredSizeOverride: declared)
}

@Suite("Bundles: writing, importing and the rejection catalogue")
struct BundleTests {
    let alice = SiteKeys(), bob = SiteKeys(), carol = SiteKeys()

    func fixture(_ seed: UInt64 = 3) -> (source: MemorySite, target: MemorySite) {
        var rng = SeededGenerator(seed: seed)
        let shared = randomItems(5, using: &rng)
        return (MemorySite(shared + randomItems(12, using: &rng)), MemorySite(shared))
    }

    func expectRejected(_ bytes: [UInt8], by keys: SiteKeys, into target: MemorySite, code: SyncError.Code?,
                        cap: Int = 1 << 30, sourceLocation: SourceLocation = #_sourceLocation) {
        let before = target.state
        do {
            _ = try keys.reader(cap: cap).importBundle(bytes, fileName: "b.clbundle", set: target.set,
                                                       verifier: HashCheckingVerifier(), store: target)
            Issue.record("bundle was accepted", sourceLocation: sourceLocation)
        } catch {
            if let code { #expect(error.code == code, "\(error)", sourceLocation: sourceLocation) }
            #expect(error.file == "b.clbundle", sourceLocation: sourceLocation)
        }
        #expect(target.state == before, "store changed after a rejection", sourceLocation: sourceLocation)
    }

    @Test("a bundle imports every item atomically and carries the sender's summary and tree head")
    func roundTrip() throws {
        let (source, target) = fixture()
        let bytes = try bundle(from: alice, to: [bob], site: source)
        let result = try bob.reader().importBundle(bytes, set: target.set, verifier: HashCheckingVerifier(), store: target)
        #expect(target.set.rootHash == source.set.rootHash)
        #expect(result.imported.count == 12 && result.alreadyHad == 5)
        #expect(result.senderSummary.snapshot.rootHash == source.set.rootHash)
        #expect(result.senderSummary.peer == alice.siteKey)
        #expect(result.treeHead == Array("signed tree head".utf8))
        #expect(target.commits == 1)
        // The learned summary covers what alice lacks: bob's extras go back.
        var rng = SeededGenerator(seed: 77)
        let extra = randomItems(3, using: &rng)
        target.add(extra)
        let back = BundleContents.ids(from: target.set, lastKnown: [result.senderSummary.snapshot])
        #expect(Set(back).isSuperset(of: extra.map(\.id)))
    }

    @Test("writing from a provider carries only what the recipient's last summary lacks")
    func writeFromProvider() throws {
        var rng = SeededGenerator(seed: 21)
        let shared = randomItems(300, using: &rng)
        let source = MemorySite(shared), target = MemorySite(shared)
        let known = SummarySnapshot(of: target.set, salt: rng.bytes(16), maxRangeCount: 4)
        let extra = randomItems(2, using: &rng)
        source.add(extra)
        let (bytes, count) = try alice.writer().write(recipients: [bob.recipient], lastKnown: [known],
                                                      created: HybridTimestamp(wallMillis: 9, counter: 0), treeHead: [],
                                                      set: source.set, provider: source)
        #expect(count >= 2 && count <= 10, "\(count) items for 2 differences")
        let result = try bob.reader().importBundle(bytes, set: target.set, verifier: HashCheckingVerifier(), store: target)
        #expect(Set(result.imported) == Set(extra.map(\.id)))
        #expect(target.set.rootHash == source.set.rootHash)
        // With no summary known, everything goes.
        let (_, all) = try alice.writer().write(recipients: [bob.recipient], lastKnown: [nil], created: HybridTimestamp(wallMillis: 10, counter: 0),
                                                treeHead: [], set: source.set, provider: source)
        #expect(all == source.set.count)
    }

    @Test("importing the same bundle again, or an older one after a newer one, is idempotent and not an error")
    func replayIsIdempotent() throws {
        let (source, target) = fixture()
        let old = try bundle(from: alice, to: [bob], site: source, created: HybridTimestamp(wallMillis: 1, counter: 0))
        var rng = SeededGenerator(seed: 5)
        source.add(randomItems(4, using: &rng))
        let new = try bundle(from: alice, to: [bob], site: source, created: HybridTimestamp(wallMillis: 2, counter: 0))
        let first = try bob.reader().importBundle(new, set: target.set, verifier: HashCheckingVerifier(), store: target)
        let state = target.state
        let again = try bob.reader().importBundle(new, set: target.set, verifier: HashCheckingVerifier(), store: target)
        let older = try bob.reader().importBundle(old, set: target.set, verifier: HashCheckingVerifier(), store: target)
        #expect(again.imported.isEmpty && older.imported.isEmpty)
        #expect(target.state == state)
        #expect(older.senderSummary.keepingNewer(first.senderSummary) == first.senderSummary)
    }

    @Test("a bundle cut at any byte is rejected as truncated and changes nothing")
    func truncatedAtEveryOffset() throws {
        let (source, target) = fixture()
        let bytes = try bundle(from: alice, to: [bob], site: source)
        for cut in 0..<bytes.count {
            expectRejected(Array(bytes.prefix(cut)), by: bob, into: target, code: .truncatedBundle)
        }
    }

    @Test("flipping any single byte is detected and changes nothing")
    func flippedByteAnywhere() throws {
        let (source, target) = fixture()
        let bytes = try bundle(from: alice, to: [bob], site: source)
        for offset in 0..<bytes.count {
            var damaged = bytes
            damaged[offset] ^= 0x20
            expectRejected(damaged, by: bob, into: target, code: nil)
        }
        // Past the header, damage is reported as a checksum mismatch.
        var damaged = bytes
        damaged[bytes.count - 200] ^= 1
        expectRejected(damaged, by: bob, into: target, code: .checksumMismatch)
    }

    @Test("a bundle for another site is rejected as wrong-recipient")
    func wrongRecipient() throws {
        let (source, target) = fixture()
        expectRejected(try bundle(from: alice, to: [carol], site: source), by: bob, into: target, code: .notARecipient)
    }

    @Test("every recipient of a multi-recipient bundle can open it")
    func multipleRecipients() throws {
        let (source, _) = fixture()
        let bytes = try bundle(from: alice, to: [bob, carol], site: source)
        for keys in [bob, carol] {
            let target = MemorySite()
            _ = try keys.reader().importBundle(bytes, set: target.set, verifier: HashCheckingVerifier(), store: target)
            #expect(target.set.rootHash == source.set.rootHash)
        }
    }

    @Test("a forged sender signature is rejected even when the checksum is recomputed")
    func forgedSignature() throws {
        let (source, target) = fixture()
        // Mallory writes the bundle, then claims it came from alice.
        var bytes = try bundle(from: carol, to: [bob], site: source)
        bytes.replaceSubrange(12..<44, with: alice.siteKey.bytes)
        bytes = resealChecksum(bytes)
        expectRejected(bytes, by: bob, into: target, code: .badSignature)
    }

    @Test("a declared decompressed size over the cap is rejected before decompression")
    func sizeOverCap() throws {
        let (source, target) = fixture()
        let huge = try bundle(from: alice, to: [bob], site: source, declared: 4 << 30)
        expectRejected(huge, by: bob, into: target, code: .declaredSizeOverCap)
        let honest = try bundle(from: alice, to: [bob], site: source)
        expectRejected(honest, by: bob, into: target, code: .declaredSizeOverCap, cap: 64)
    }

    @Test("a bundle from a newer format version is rejected with a clear message")
    func newerVersion() throws {
        let (source, target) = fixture()
        var bytes = try bundle(from: alice, to: [bob], site: source)
        bytes[9] = 3
        expectRejected(resealChecksum(bytes), by: bob, into: target, code: .newerFormatVersion)
        do {
            _ = try bob.reader().open(bytes)
        } catch {
            #expect(error.message.contains("newer") && error.message.contains("upgrade"))
        }
    }

    @Test("a file that is not a bundle is rejected as such")
    func notABundle() {
        let target = MemorySite()
        expectRejected(Array("{\"json\": true}".utf8), by: bob, into: target, code: .notABundle)
    }

    @Test("a bundle carrying one forged item is rejected whole: none of its items are stored")
    func forgedItemRejectsWholeBundle() throws {
        let (source, target) = fixture()
        var rng = SeededGenerator(seed: 8)
        let good = randomItems(1, using: &rng)[0]
        source.add([SyncItem(id: good.id, bytes: [0xFF] + good.bytes.dropFirst())])
        expectRejected(try bundle(from: alice, to: [bob], site: source), by: bob, into: target, code: .itemRejected)
    }

    @Test("a failing store during import stores nothing and reports commit-failed")
    func failingStore() throws {
        let (source, target) = fixture()
        target.failCommits = true
        expectRejected(try bundle(from: alice, to: [bob], site: source), by: bob, into: target, code: .commitFailed)
    }

    @Test("a hint that matches but a key that does not decrypt is reported as a decryption failure")
    func wrongAgreementKey() throws {
        let (source, target) = fixture()
        let bytes = try bundle(from: alice, to: [bob], site: source)
        let impostor = BundleReader(siteKey: bob.siteKey, agreementKey: carol.agreement, compressor: StoredCompressor())
        #expect(throws: SyncError.self) { try impostor.open(bytes) }
        do { _ = try impostor.open(bytes) } catch { #expect(error.code == .decryptionFailed) }
        #expect(target.commits == 0)
    }

    @Test("the golden bundle vector opens with the recipient's fixed key and yields its items")
    func goldenVector() throws {
        let file = try VectorFile.load("bundle-vectors.json")
        let keys = try FixedKeys(file)
        let opened = try keys.reader.open(file.bytes("bundle"))
        #expect(opened.header.sender.hex == file.string("sender_key"))
        #expect(opened.treeHead == Array(file.string("tree_head").utf8))
        let items = opened.messages.flatMap { message -> [SyncItem] in
            if case .items(let items) = message { return items } else { return [] }
        }
        #expect(items.map(\.id.hex) == file.strings("item_ids"))
        guard case .summary(let summary)? = opened.messages.first else { Issue.record("no summary"); return }
        #expect(summary.rootHash.hex == file.string("summary_root"))
    }
}

/// Recomputes the trailing SHA-256 so that a test's edit reaches the signature check.
func resealChecksum(_ bytes: [UInt8]) -> [UInt8] {
    let body = Array(bytes.dropLast(32))
    return body + sha256(body)
}
