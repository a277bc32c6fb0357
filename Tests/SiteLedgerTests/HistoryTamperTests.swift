import Crypto
import Foundation
import LedgerCore
import Testing

/// Issue 3 acceptance: dropping, re-ordering and re-signing entries are reported by `verify`.
///
/// Each attacker rewrites the segment log consistently and deletes the Merkle store (which
/// the site rebuilds from the log on open), so only signatures, author links and the
/// signed tree heads stand between the rewrite and an auditor.
@Suite("Rewriting an author's history", .serialized)
struct HistoryTamperTests {
    @Test("dropping an entry from the middle of an author's history names the entry that linked to it")
    func droppedEntryIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let dropped = try fixture.ordinal(ofEntry: 2, by: fixture.founderKey)
        var records = fixture.records
        records.remove(at: dropped)
        try LogRewriter.replace(site: fixture.site, with: records)
        try LogRewriter.dropMerkleStore(site: fixture.site)
        let outcome = TamperOutcome.check(fixture.site)
        // The founder's next entry now sits at the dropped one's position and links to a missing id.
        let successor = fixture.entries[try fixture.ordinal(ofEntry: 3, by: fixture.founderKey)]
        let fault = try #require(outcome.faults.first { $0.entryID == successor.id }, "\(outcome)")
        #expect(fault.isInLog(atOrdinal: dropped), "\(fault)")
        #expect(outcome.faults.contains { $0.file == "heads.log" }, "signed heads no longer match: \(outcome)")
    }

    @Test("dropping an entry while the Merkle store is left as it was is noticed")
    func droppedEntryWithStaleMerkleStoreIsNoticed() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        var records = fixture.records
        records.remove(at: try fixture.ordinal(ofEntry: 2, by: fixture.founderKey))
        try LogRewriter.replace(site: fixture.site, with: records)
        let outcome = TamperOutcome.check(fixture.site)
        #expect(!outcome.isUndetected)
        #expect(outcome.openError == nil, "\(outcome)")
    }

    @Test("swapping two entries of one author names the entry that now precedes its predecessor")
    func reorderedEntriesOfOneAuthorAreReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let first = try fixture.ordinal(ofEntry: 2, by: fixture.founderKey)
        let second = try fixture.ordinal(ofEntry: 3, by: fixture.founderKey)
        var records = fixture.records
        records.swapAt(first, second)
        try LogRewriter.replace(site: fixture.site, with: records)
        try LogRewriter.dropMerkleStore(site: fixture.site)
        let outcome = TamperOutcome.check(fixture.site)
        // The later entry, now first, links to an entry that is not earlier in the log.
        let fault = try #require(outcome.faults.first { $0.entryID == fixture.entries[second].id }, "\(outcome)")
        #expect(fault.isInLog(atOrdinal: first), "\(fault)")
    }

    @Test("swapping entries of two different authors breaks every signed tree head that covers them")
    func reorderedEntriesOfTwoAuthorsAreReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let founderEntry = try fixture.ordinal(ofEntry: 4, by: fixture.founderKey)
        let memberEntry = try fixture.ordinal(ofEntry: 1, by: fixture.entries[7].author)
        var records = fixture.records
        records.swapAt(founderEntry, memberEntry)
        try LogRewriter.replace(site: fixture.site, with: records)
        try LogRewriter.dropMerkleStore(site: fixture.site)
        let outcome = TamperOutcome.check(fixture.site)
        let heads = outcome.faults.filter { $0.file == "heads.log" }
        #expect(!heads.isEmpty, "\(outcome)")
        #expect(heads.allSatisfy { $0.offset % Int64(SignedTreeHead.encodedSize) == 0 }, "offsets name head records: \(heads)")
    }

    @Test("an entry re-signed by another member under that member's name is reported at its position")
    func reSignedWithAuthorChangedIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let ordinal = try fixture.ordinal(ofEntry: 3, by: fixture.founderKey)
        let original = fixture.entries[ordinal]
        let memberKeys = try Ledgers.keys(of: fixture.member)
        let content = try EntryContent(
            networkID: original.networkID, author: memberKeys.signingPublicKey, sequence: original.sequence,
            links: original.links, timestamp: original.timestamp, kind: original.kind, payload: original.payload)
        let forged = try Entry.sign(content, with: memberKeys)
        #expect(forged.isSignatureValid(), "the forgery is a valid signature by another member")
        var records = fixture.records
        records[ordinal] = LogRewriter.Record(key: forged.id.bytes, value: forged.encoded)
        try LogRewriter.replace(site: fixture.site, with: records)
        try LogRewriter.dropMerkleStore(site: fixture.site)
        let outcome = TamperOutcome.check(fixture.site)
        #expect(outcome.faults.contains { $0.entryID == forged.id && $0.isInLog(atOrdinal: ordinal) }, "\(outcome)")
    }

    @Test("an entry re-signed by another member with its author unchanged is a bad signature at its position")
    func reSignedWithAuthorUnchangedIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let ordinal = try fixture.ordinal(ofEntry: 3, by: fixture.founderKey)
        let original = fixture.entries[ordinal]
        let memberKeys = try Ledgers.keys(of: fixture.member)
        let signature = Array(try memberKeys.signing.signature(for: EntrySignature.message(for: original.id)))
        let forged = try Entry(content: original.content, signature: signature)
        #expect(forged.id == original.id && !forged.isSignatureValid())
        var records = fixture.records
        records[ordinal].value = forged.encoded
        try LogRewriter.replace(site: fixture.site, with: records)
        let outcome = TamperOutcome.check(fixture.site)
        let fault = try #require(outcome.faults.first { $0.entryID == original.id }, "\(outcome)")
        #expect(fault.isInLog(atOrdinal: ordinal) && fault.what.contains("signature"), "\(fault)")
    }
}
