import LedgerConsent
import LedgerCore
@testable import LedgerIndex
import Testing
import TestSupport

/// Payloads a catch-up's verify threads decode ahead for the index (`DecodedPayloads`,
/// Specs/static-log.md §11.3): each held value is its payload's decoding, nothing else is held.
@Suite("Payloads decoded ahead for the index")
struct DecodedPayloadsTests {
    /// Signed entries: decisions at even places (the one at 6 with a payload that does not
    /// decode), notes at odd places.
    private static func entries() throws -> (decisions: [Int: AccessDecision], entries: [Entry]) {
        let keys = SiteKeys.generate()
        var decisions: [Int: AccessDecision] = [:]
        var payloads: [[UInt8]] = []
        for i in 0..<12 {
            guard i % 2 == 0 else { payloads.append(Array("note \(i)".utf8)); continue }
            let request = AccessRequest(
                patient: PatientPseudonym(Hash32(bytes: Array(repeating: UInt8(i), count: 32))!), actor: "Organization/a",
                purpose: i % 4 == 0 ? "TREAT" : "ETREAT", classes: ["Observation"], time: 1_900_000_000_000 + Int64(i),
                emergency: i % 4 != 0, client: nil)
            let decision = AccessDecision(request: request, outcome: i % 3 == 0 ? .permit : .deny, basis: [], reason: "r\(i)",
                                          emergency: request.emergency)
            if i == 6 {
                payloads.append(Array(#"{"format":1}"#.utf8))
            } else {
                decisions[i] = decision
                payloads.append(AccessDecisionPayload.encode(decision))
            }
        }
        let entries = try EntryBatch.signChain(count: payloads.count, with: keys) { i, previous in
            try EntryContent(networkID: .zero, author: keys.signingPublicKey, sequence: UInt64(i), links: previous.map { [$0] } ?? [],
                             timestamp: HybridTimestamp(wallMillis: 1_900_000_000_000 + UInt64(i), counter: 0),
                             kind: i % 2 == 0 ? AccessDecisionPayload.kind : "clinical.note", payload: payloads[i])
        }
        return (decisions, entries)
    }

    @Test("add keeps each decodable decision under its payload, skips the undecodable one and other kinds; merge keeps both halves")
    func holdsExactlyTheDecodings() throws {
        let (decisions, entries) = try Self.entries()
        var first = DecodedPayloads(), second = DecodedPayloads()
        for entry in entries.prefix(6) { first.add(entry) }
        for entry in entries.dropFirst(6) { second.add(entry) }
        #expect(first.decisions.count == 3 && second.decisions.count == 2)
        first.merge(second)
        #expect(first.consentVersions.isEmpty)
        #expect(first.decisions.count == decisions.count)
        for (place, decision) in decisions {
            #expect(first.decision(for: entries[place].payload) == decision)
            #expect(try AccessDecisionPayload.decode(entries[place].payload) == decision)
        }
        #expect(first.decision(for: entries[6].payload) == nil)
        first.removeAll()
        #expect(first.isEmpty)
    }

    @Test("an index applying decoded payloads writes the rows decoding gives, and holds no hint afterwards")
    func sameRowsThroughTheIndex() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let (_, entries) = try Self.entries()
        let plain = try SiteIndex(path: folder.path + "/plain.sqlite"), ahead = try SiteIndex(path: folder.path + "/ahead.sqlite")
        try plain.reset()
        try ahead.reset()
        var decoded = DecodedPayloads()
        for entry in entries { decoded.add(entry) }
        let batch = entries.enumerated().map { IndexedEntry(ordinal: $0.offset, entry: $0.element) }
        try plain.apply(batch, voided: [])
        try ahead.applying(decoded: decoded) { try ahead.apply(batch, voided: []) }
        #expect(ahead.knownDecisions.withLock { $0.isEmpty } && ahead.knownConsentVersions.withLock { $0.isEmpty })
        let rows = try plain.decisions(below: entries.count)
        #expect(rows.count == 5)
        #expect(try ahead.decisions(below: entries.count) == rows)
    }
}
