import Foundation
import LedgerCore
import TestSupport
import Testing

/// Issue 3 acceptance: altering any single byte of any entry is reported by `verify`.
///
/// The attacker rewrites the segment log consistently (valid blocks, checksums and index),
/// so storage checks see nothing; the ledger's signatures, links and signed heads must.
@Suite("Altering bytes of entries", .serialized)
struct ByteTamperTests {
    /// One altered byte and what the site said about it.
    struct Case {
        var ordinal: Int
        var offset: Int
        var mask: UInt8
        var outcome: TamperOutcome
    }

    /// Alters byte `offset` of the entry at `ordinal` (XOR with a non-zero mask), swaps the
    /// rewritten log in, and opens and verifies the site.
    static func alter(_ fixture: TamperSite, ordinal: Int, offset: Int, mask: UInt8) throws -> Case {
        var records = fixture.records
        records[ordinal].value[offset] ^= mask
        try LogRewriter.replace(site: fixture.site, with: records)
        return Case(ordinal: ordinal, offset: offset, mask: mask, outcome: TamperOutcome.check(fixture.site))
    }

    /// Every offset of two small entries (one per author) and 6 seeded offsets of each other entry.
    static func sweep(_ fixture: TamperSite, rng: inout SeededGenerator) throws -> [Case] {
        let full: Set<Int> = [try fixture.ordinal(ofEntry: 3, by: fixture.founderKey), 7]
        var cases: [Case] = []
        for ordinal in fixture.records.indices {
            let size = fixture.records[ordinal].value.count
            let offsets = full.contains(ordinal) ? Array(0..<size) : (0..<6).map { _ in Int(rng.next() % UInt64(size)) }
            for offset in offsets {
                let mask = UInt8(truncatingIfNeeded: rng.next() % 255 + 1)
                cases.append(try alter(fixture, ordinal: ordinal, offset: offset, mask: mask))
            }
        }
        return cases
    }

    @Test("no altered byte of any entry goes unnoticed, and every report names the entry or its position")
    func everyAlteredByteIsNoticed() throws {
        let seed: UInt64 = 0x5EED_0003
        var rng = SeededGenerator(seed: seed)
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let cases = try Self.sweep(fixture, rng: &rng)
        #expect(cases.count > 400, "the sweep should cover hundreds of offsets")
        for item in cases where item.outcome.isUndetected {
            Issue.record("seed \(seed): byte \(item.offset) of entry \(item.ordinal) altered without any fault")
        }
        for item in cases {
            guard case .reported = item.outcome else { continue }
            var altered = fixture.records[item.ordinal].value
            altered[item.offset] ^= item.mask
            var ids: Set<Hash32> = [fixture.entries[item.ordinal].id]
            if let decoded = try? Entry.decode(altered) { ids.insert(decoded.id) }
            #expect(item.outcome.names(ordinal: item.ordinal, orAnyOf: ids),
                    "seed \(seed): byte \(item.offset) of entry \(item.ordinal): \(item.outcome)")
        }
        let failedOpens = cases.filter { $0.outcome.openError != nil }
        #expect(failedOpens.isEmpty, "\(failedOpens.count) of \(cases.count) altered bytes made the site unopenable, e.g. byte \(failedOpens.first?.offset ?? -1) of entry \(failedOpens.first?.ordinal ?? -1): \(failedOpens.first?.outcome.description ?? "")")
    }

    @Test("an altered signature byte is reported as a bad signature at the entry's position")
    func alteredSignatureIsABadSignature() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let ordinal = try fixture.ordinal(ofEntry: 2, by: fixture.founderKey)
        let size = fixture.records[ordinal].value.count
        let result = try Self.alter(fixture, ordinal: ordinal, offset: size - 10, mask: 0x01)
        let fault = try #require(result.outcome.faults.first { $0.isInLog(atOrdinal: ordinal) }, "\(result.outcome)")
        #expect(fault.entryID == fixture.entries[ordinal].id)
        #expect(fault.what.contains("signature"))
    }

    @Test("an altered payload byte is reported at the entry's position and breaks the signed tree heads")
    func alteredPayloadIsReported() throws {
        let fixture = try TamperSite.make()
        defer { fixture.remove() }
        let ordinal = try fixture.ordinal(ofEntry: 4, by: fixture.founderKey)
        let size = fixture.records[ordinal].value.count
        let result = try Self.alter(fixture, ordinal: ordinal, offset: size - 64 - 3, mask: 0x04)
        #expect(result.outcome.faults.contains { $0.isInLog(atOrdinal: ordinal) }, "\(result.outcome)")
        #expect(result.outcome.faults.contains { $0.file == "heads.log" }, "\(result.outcome)")
    }
}
