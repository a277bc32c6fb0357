import Foundation
import LedgerCore
import Testing

/// Issue 18 item 5: the quarantine keeps at most its quota of entries of authors that are not
/// admitted, drops the oldest author first, counts what it dropped, and still releases what it
/// kept when the author is admitted (Specs/charter.md §4, Specs/site-layout.md §4.1).
@Suite("Quarantine quota")
struct QuarantineQuotaTests {
    /// Sets the quarantine quota in the `site.json` of the (closed) site at `path`.
    static func setQuota(_ quota: QuarantineQuota, at path: String) throws {
        let file = SiteLayout(root: path).metadata
        var metadata = try JSONDecoder().decode(SiteMetadata.self, from: Data(contentsOf: URL(fileURLWithPath: file)))
        metadata.quarantineQuota = quota
        try JSONEncoder().encode(metadata).write(to: URL(fileURLWithPath: file))
    }

    /// A site that joined but was never admitted, with `count` anchors: its key and its
    /// entries after the genesis (profile first, then the anchors), in sequence order.
    static func stranger(_ network: TestNetwork, _ name: String, anchors count: Int) throws -> (key: Hash32, entries: [[UInt8]]) {
        let path = try network.join(name)
        let site = try SiteLedger.open(at: path)
        try site.append(kind: "anchor", payloads: Ledgers.payloads(count, tag: name))
        return (site.siteKey, Array(try Ledgers.encodings(site).dropFirst()))
    }

    /// The ids of every entry the ledger would summarise and serve for sync.
    static func heldIDs(_ ledger: SiteLedger) throws -> Set<Hash32> {
        var ids = Set<Hash32>()
        try ledger.forEachHeldEntry { id, _ in ids.insert(id) }
        return ids
    }

    static func ids(_ encodings: [[UInt8]]) throws -> [Hash32] { try encodings.map { try Entry.decode($0).id } }

    @Test("a non-member with more entries than the per-author quota keeps only the quota, its lowest sequences, and the rest is counted as dropped")
    func perAuthorQuotaKeepsTheLowestSequences() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        try Self.setQuota(QuarantineQuota(perAuthor: 5, total: 100), at: network.founderPath)
        let flood = try Self.stranger(network, "flood", anchors: 19)
        let founder = try network.founder()
        let before = try Self.heldIDs(founder)
        let entriesBefore = founder.entryCount
        let report = try founder.ingest(flood.entries)
        #expect(report.quarantined == 5 && report.quarantineDropped == 15, "\(report)")
        #expect(founder.quarantined.count == 5)
        #expect(Set(founder.quarantined.map(\.entry.id)) == Set(try Self.ids(Array(flood.entries.prefix(5)))), "the lowest sequences are kept")
        #expect(founder.quarantineDropped == QuarantineDropCount(entries: 15, authors: 1))
        #expect(founder.entryCount == entriesBefore, "the member's log is untouched")
        let after = try Self.heldIDs(founder)
        #expect(after.subtracting(before) == Set(founder.quarantined.map(\.entry.id)), "sync summarises only what is kept")
        #expect(before.isSubset(of: after))
        let again = try founder.ingest(flood.entries)
        #expect(again.alreadyHad == 5 && again.quarantined == 0, "\(again)")
        #expect(founder.quarantineDropped == QuarantineDropCount(entries: 15, authors: 1), "the same flood offered again is counted once")
        #expect(founder.verify().ok)
    }

    @Test("when authors that are not admitted exceed the total quota, the author whose entries arrived first is dropped whole")
    func totalQuotaDropsTheOldestAuthorFirst() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        try Self.setQuota(QuarantineQuota(perAuthor: 10, total: 12), at: network.founderPath)
        let first = try Self.stranger(network, "first", anchors: 4)
        let second = try Self.stranger(network, "second", anchors: 4)
        let third = try Self.stranger(network, "third", anchors: 4)
        let founder = try network.founder()
        let entriesBefore = founder.entryCount
        _ = try founder.ingest(first.entries)
        _ = try founder.ingest(second.entries)
        #expect(founder.quarantined.count == 10 && founder.quarantineDropped.entries == 0)
        _ = try founder.ingest(third.entries)
        #expect(founder.quarantined.count == 10, "15 held would exceed 12: the oldest author goes")
        #expect(Set(founder.quarantined.map(\.entry.author)) == [second.key, third.key])
        #expect(founder.quarantineDropped == QuarantineDropCount(entries: 5, authors: 1))
        #expect(founder.entryCount == entriesBefore)
        #expect(try Self.heldIDs(founder).isDisjoint(with: Self.ids(first.entries)), "the dropped author is no longer relayed")
    }

    @Test("an author admitted later has its kept entries released, and the dropped ones arrive again from a site that kept them")
    func admissionReleasesKeptEntriesAndRecoversTheRest() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        try Self.setQuota(QuarantineQuota(perAuthor: 5, total: 100), at: network.founderPath)
        let late = try Self.stranger(network, "late", anchors: 11)
        let founder = try network.founder()
        let entriesBefore = founder.entryCount
        _ = try founder.ingest(late.entries)
        #expect(founder.quarantined.count == 5)
        _ = try founder.admit(AdmitPayload(key: late.key, agreementKey: nil, name: "late", role: .clinic))
        #expect(founder.quarantined.isEmpty)
        #expect(founder.entryCount == entriesBefore + 1 + 5, "the admission and the five kept entries")
        // Another site kept them all (its own log): a sync offers them again.
        let report = try founder.ingest(late.entries)
        #expect(report.imported == 7 && report.alreadyHad == 5, "\(report)")
        for id in try Self.ids(late.entries) { #expect(try founder.leafIndex(of: id) != nil) }
        #expect(founder.quarantineDropped.entries == 7, "the count is history: it stays")
        #expect(founder.verify().ok)
    }

    @Test("the kept quarantine and the dropped counts are the same after the site is closed and reopened")
    func countsSurviveReopen() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        try Self.setQuota(QuarantineQuota(perAuthor: 4, total: 6), at: network.founderPath)
        let a = try Self.stranger(network, "a", anchors: 5)
        let b = try Self.stranger(network, "b", anchors: 5)
        var held: Set<Hash32> = []
        var dropped = QuarantineDropCount(entries: 0, authors: 0)
        do {
            let founder = try network.founder()
            _ = try founder.ingest(a.entries)
            _ = try founder.ingest(b.entries)
            held = Set(founder.quarantined.map(\.entry.id))
            dropped = founder.quarantineDropped
            #expect(held.count == 4 && dropped == QuarantineDropCount(entries: 2 + 2 + 4, authors: 2))
        }
        let reopened = try network.founder()
        #expect(Set(reopened.quarantined.map(\.entry.id)) == held)
        #expect(reopened.quarantineDropped == dropped)
        #expect(reopened.verify().ok)
    }

    @Test("a torn last drop record is cut on open and the counts stay those of the whole records")
    func tornDropRecordIsCut() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        try Self.setQuota(QuarantineQuota(perAuthor: 3, total: 100), at: network.founderPath)
        let a = try Self.stranger(network, "a", anchors: 5)
        var held: Set<Hash32> = []
        var dropped = QuarantineDropCount(entries: 0, authors: 0)
        do {
            let founder = try network.founder()
            _ = try founder.ingest(a.entries)
            held = Set(founder.quarantined.map(\.entry.id))
            dropped = founder.quarantineDropped
        }
        let file = SiteLayout(root: network.founderPath).quarantineDropped
        let whole = try Data(contentsOf: URL(fileURLWithPath: file))
        #expect(whole.count % 64 == 0 && !whole.isEmpty)
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: file))
        try handle.seekToEnd()
        try handle.write(contentsOf: Data(repeating: 0xAB, count: 20))
        try handle.close()
        let reopened = try network.founder()
        #expect(Set(reopened.quarantined.map(\.entry.id)) == held)
        #expect(reopened.quarantineDropped == dropped)
        #expect(try Data(contentsOf: URL(fileURLWithPath: file)) == whole, "the torn tail is cut")
    }

    @Test("a crash after the quarantine append but before its drop record is settled on open: the quarantine is back within its quota")
    func missingDropRecordIsSettledOnOpen() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let a = try Self.stranger(network, "a", anchors: 5)
        let b = try Self.stranger(network, "b", anchors: 5)
        do {
            let founder = try network.founder()
            _ = try founder.ingest(a.entries)
            _ = try founder.ingest(b.entries)
            #expect(founder.quarantined.count == 12, "the standard quota keeps both")
        }
        // As if the quota had been in force and the crash came before the record was written.
        try Self.setQuota(QuarantineQuota(perAuthor: 100, total: 6), at: network.founderPath)
        let reopened = try network.founder()
        #expect(Set(reopened.quarantined.map(\.entry.author)) == [b.key], "the oldest author is dropped on open")
        #expect(reopened.quarantineDropped == QuarantineDropCount(entries: 6, authors: 1))
        let founderEntries = reopened.entryCount
        #expect(founderEntries > 0)
        #expect(reopened.verify().ok)
    }
}
