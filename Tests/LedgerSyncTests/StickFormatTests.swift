import Foundation
import LedgerCore
import LedgerStorage
import Testing
import TestSupport
@testable import LedgerSync

/// Version 2 bundles (the signed id index), markers, mailbox names and the collector
/// (Specs/bundle-format.md §2.1, §9).
@Suite("The stick's formats: id index, markers, names, collection")
struct StickFormatTests {
    let alice = SiteKeys(), bob = SiteKeys(), carol = SiteKeys()

    func indexedBundle(items: [SyncItem], set: ReconcilableSet, to recipients: [SiteKeys]) throws -> [UInt8] {
        try alice.writer().write(recipients: recipients.map(\.recipient), created: HybridTimestamp(wallMillis: 5, counter: 1),
                                 treeHead: Array("head".utf8), set: set, items: items, indexed: true)
    }

    @Test("a version 2 bundle declares its items' digests in the clear, signed, and still imports whole")
    func indexedRoundTrip() throws {
        var rng = SeededGenerator(seed: 11)
        let items = randomItems(9, using: &rng)
        let source = MemorySite(items)
        let bytes = try indexedBundle(items: items, set: source.set, to: [bob, carol])
        #expect(bytes[9] == 2)
        let folder = try TemporaryDirectory(prefix: "careledger-stick-format")
        let path = folder.path + "/b.clmail"
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let index = try BundleReader.readIndex(file: path)
        #expect(index.header.index == StickIndex.digests(of: items.map(\.id)))
        #expect(index.recipients(among: [alice.siteKey, bob.siteKey, carol.siteKey]) == [bob.siteKey, carol.siteKey])
        #expect(index.header.sender == alice.siteKey)
        let target = MemorySite()
        let result = try carol.reader().importBundle(bytes, set: target.set, verifier: HashCheckingVerifier(), store: target)
        #expect(result.imported.count == 9)
        #expect(target.set.rootHash == source.set.rootHash)
    }

    @Test("a version 1 bundle has no index to read, and a version 3 one asks for an upgrade")
    func versions() throws {
        let source = MemorySite([makeItem([1, 2, 3])])
        let folder = try TemporaryDirectory(prefix: "careledger-stick-format")
        let plain = try bundle(from: alice, to: [bob], site: source)
        try Data(plain).write(to: URL(fileURLWithPath: folder.path + "/v1"))
        #expect(throws: SyncError.self) { try BundleReader.readIndex(file: folder.path + "/v1") }
        var newer = try indexedBundle(items: [makeItem([1, 2, 3])], set: source.set, to: [bob])
        newer[9] = 3
        try Data(newer).write(to: URL(fileURLWithPath: folder.path + "/v3"))
        let error = try #require(throws: SyncError.self) { try BundleReader.readIndex(file: folder.path + "/v3") }
        #expect(error.code == .newerFormatVersion)
    }

    @Test("an index whose digests are out of order is malformed, even when signed")
    func unorderedIndex() throws {
        let items = [makeItem([1]), makeItem([2])]
        let source = MemorySite(items)
        let digests = StickIndex.digests(of: items.map(\.id))
        let bytes = try alice.writer().write(recipients: [bob.recipient], created: HybridTimestamp(wallMillis: 5, counter: 1),
                                             treeHead: [], set: source.set, items: items, indexed: true, indexOverride: digests.reversed())
        let error = try #require(throws: SyncError.self) { try bob.reader().open(bytes) }
        #expect(error.code == .malformedBundle)
    }

    @Test("a marker round-trips, and a flipped bit, a cut or a trailing byte is rejected with its code")
    func markers() throws {
        let ref = StickMarker.BundleRef(senderPrefix: Array(alice.siteKey.bytes.prefix(8)), created: HybridTimestamp(wallMillis: 9, counter: 2))
        let marker = StickMarker(site: bob.siteKey, created: HybridTimestamp(wallMillis: 10, counter: 0), entriesHeld: 42, holds: [ref, ref])
        let bytes = try marker.encoded(signingKey: bob.signing)
        #expect(bytes.count == 62 + 4 + 20 + 4 + 64)
        #expect(try StickMarker(decoding: bytes) == StickMarker(site: bob.siteKey, created: marker.created, entriesHeld: 42, holds: [ref]))
        var flipped = bytes
        flipped[70] ^= 0x01
        #expect(throws: SyncError.self) { try StickMarker(decoding: flipped) }
        #expect((try? StickMarker(decoding: flipped)) == nil)
        do { _ = try StickMarker(decoding: flipped) } catch { #expect(error.code == .markerSignature) }
        do { _ = try StickMarker(decoding: Array(bytes.dropLast())) } catch { #expect(error.code == .truncatedMarker) }
        do { _ = try StickMarker(decoding: bytes + [0]) } catch { #expect(error.code == .malformedMarker) }
        // A refused list round-trips; a bundle both held and refused is refused by the reader.
        let other = StickMarker.BundleRef(senderPrefix: Array(carol.siteKey.bytes.prefix(8)), created: HybridTimestamp(wallMillis: 11, counter: 0))
        let withRefused = StickMarker(site: bob.siteKey, created: marker.created, entriesHeld: 42, holds: [ref], refused: [other, ref])
        #expect(withRefused.refused == [other])
        #expect(try StickMarker(decoding: try withRefused.encoded(signingKey: bob.signing)).refused == [other])
        // Signed by another key in bob's name.
        let forged = try StickMarker(site: bob.siteKey, created: marker.created, entriesHeld: 42, holds: [ref]).encoded(signingKey: carol.signing)
        do { _ = try StickMarker(decoding: forged) } catch { #expect(error.code == .markerSignature) }
    }

    @Test("mailbox and marker names parse back, and other names are refused")
    func names() throws {
        let created = HybridTimestamp(wallMillis: 0x7d0, counter: 5)
        let name = MailboxPlanner.mailboxFileName(from: alice.siteKey, created: created)
        #expect(name == MailboxPlanner.keyPrefix(alice.siteKey) + "-00000000000007d0-00000005.clmail")
        let parsed = try MailboxPlanner.parse(mailboxName: name)
        #expect(parsed.created == created && parsed.fromPrefix == MailboxPlanner.keyPrefix(alice.siteKey))
        #expect(try MailboxPlanner.parse(markerName: MailboxPlanner.markerFileName(of: bob.siteKey)) == MailboxPlanner.keyPrefix(bob.siteKey))
        for bad in ["../x.clmail", "ABC.clmark", "0123.clmark", "zz-00000000000007d0-00000005.clmail", ".clmark"] {
            let plan = MailboxPlanner(siteKey: alice.siteKey).plan(listing: [bad], members: [], created: created)
            #expect(plan.ignored.map(\.name) == [bad] && plan.mailbox.isEmpty && plan.markers.isEmpty, "\(bad)")
        }
        let plan = MailboxPlanner(siteKey: alice.siteKey).plan(listing: [name, MailboxPlanner.markerFileName(of: bob.siteKey)], members: [], created: created)
        #expect(plan.mailbox.map(\.name) == [name] && plan.markers.count == 1 && plan.ignored.isEmpty)
    }

    @Test("a bundle goes when every current recipient holds it or a newer bundle carries it to them, and never on an unknown recipient")
    func collection() {
        func ref(_ t: UInt64) -> StickMarker.BundleRef { StickMarker.BundleRef(senderPrefix: [UInt8](repeating: 1, count: 8), created: HybridTimestamp(wallMillis: t, counter: 0)) }
        let (b, c) = (bob.siteKey, carol.siteKey)
        let old = StickCollector.Bundle(name: "old", ref: ref(1), recipients: [b, c], allRecipientsKnown: true, digests: [1, 2])
        let newer = StickCollector.Bundle(name: "newer", ref: ref(2), recipients: [c], allRecipientsKnown: true, digests: [1, 2, 3])
        let unknown = StickCollector.Bundle(name: "unknown", ref: ref(3), recipients: [], allRecipientsKnown: false, digests: [4])
        // bob holds old; carol gets its ids from newer: old goes, newer stays (carol has not got it), unknown stays.
        #expect(StickCollector.removable([newer, old, unknown], holds: [b: [ref(1)]]) == ["old"])
        // Nobody holds anything: nothing goes.
        #expect(StickCollector.removable([old, newer, unknown], holds: [:]).isEmpty)
        // A bundle whose recipients have all been revoked goes.
        let orphan = StickCollector.Bundle(name: "orphan", ref: ref(4), recipients: [], allRecipientsKnown: true, digests: [9])
        #expect(StickCollector.removable([orphan], holds: [:]) == ["orphan"])
    }
}
