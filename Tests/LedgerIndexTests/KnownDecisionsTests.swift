import GRDB
import LedgerConsent
import LedgerCore
@testable import LedgerIndex
import Testing
import TestSupport

/// The group commit's own decisions handed to the index (`applying(knownDecisions:_:)`,
/// Specs/fhir-api.md §4.3): the rows and counts must be exactly those decoding the payloads gives.
@Suite("Decisions the group commit hands to the index")
struct KnownDecisionsTests {
    /// `count` decisions of a few purposes, actors and outcomes, and their signed entries
    /// (one undecodable payload among them at `count / 2`).
    private static func decisions(_ count: Int, seed: UInt64) throws -> (decisions: [AccessDecision], entries: [Entry]) {
        var rng = SeededGenerator(seed: seed)
        let keys = SiteKeys.generate()
        let decisions = (0..<count).map { i in
            let request = AccessRequest(
                patient: PatientPseudonym(Hash32(bytes: (0..<32).map { _ in UInt8(truncatingIfNeeded: rng.next() % 4) })!),
                actor: ["Organization/a", "Organization/b"][Int(rng.next() % 2)], purpose: ["TREAT", "ETREAT", "HPAYMT"][Int(rng.next() % 3)],
                classes: ["Observation"], time: 1_900_000_000_000 + Int64(i), emergency: rng.next() % 4 == 0,
                client: rng.next() % 2 == 0 ? nil : "ehr-1")
            return AccessDecision(request: request, outcome: rng.next() % 2 == 0 ? .permit : .deny, basis: [], reason: "r\(i)",
                                  emergency: request.emergency)
        }
        var payloads = decisions.map(AccessDecisionPayload.encode)
        payloads[count / 2] = Array(#"{"format":1}"#.utf8)
        let entries = try EntryBatch.signChain(count: count, with: keys) { i, previous in
            try EntryContent(networkID: .zero, author: keys.signingPublicKey, sequence: UInt64(i), links: previous.map { [$0] } ?? [],
                             timestamp: HybridTimestamp(wallMillis: 1_900_000_000_000 + UInt64(i), counter: 0),
                             kind: AccessDecisionPayload.kind, payload: payloads[i])
        }
        return (decisions, entries)
    }

    private static func index(_ folder: TemporaryDirectory, _ name: String) throws -> SiteIndex {
        let index = try SiteIndex(path: folder.path + "/\(name).sqlite")
        try index.reset()
        return index
    }

    /// `decision_counts` as text, and the same counts recomputed from the `decisions` rows.
    private static func counts(_ index: SiteIndex) throws -> (stored: [String], recomputed: [String]) {
        try index.pool.read { db in
            (try String.fetchAll(db, sql: "SELECT purpose || ' ' || outcome || ' ' || emergency || ' ' || decisions FROM decision_counts ORDER BY 1"),
             try String.fetchAll(db, sql: """
                SELECT purpose || ' ' || outcome || ' ' || emergency || ' ' || count(*) FROM decisions
                GROUP BY purpose, outcome, emergency ORDER BY 1
                """))
        }
    }

    @Test("rows and counts equal those of decoding every payload, batch by batch, and the hint is gone afterwards")
    func sameRowsAsDecoding() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let (decisions, entries) = try Self.decisions(40, seed: 15)
        let decoded = try Self.index(folder, "decoded"), known = try Self.index(folder, "known")
        var hints: [[UInt8]: AccessDecision] = [:]
        // As the group commit does: each decision under its own encoding (the entry at 20 holds another payload).
        for decision in decisions where AccessDecisionPayload.decodes(decision) { hints[AccessDecisionPayload.encode(decision)] = decision }
        #expect(hints.count == 40)
        for start in stride(from: 0, to: entries.count, by: 7) {
            let batch = (start..<min(start + 7, entries.count)).map { IndexedEntry(ordinal: $0, entry: entries[$0]) }
            try decoded.apply(batch, voided: [])
            try known.applying(knownDecisions: hints) { try known.apply(batch, voided: []) }
        }
        #expect(known.knownDecisions.withLock { $0.isEmpty })
        let rows = try decoded.decisions(below: entries.count)
        #expect(rows.count == 39)
        #expect(try known.decisions(below: entries.count) == rows)
        let (stored, recomputed) = try Self.counts(known)
        #expect(stored == recomputed)
        #expect(try Self.counts(decoded).stored == stored)
        #expect(try known.decisionCount(.init(), below: entries.count) == 39)
    }

    @Test("a payload in the hint is not parsed: its row is the hint's decision")
    func theHintIsUsed() throws {
        let folder = try TemporaryDirectory()
        defer { folder.remove() }
        let (decisions, entries) = try Self.decisions(3, seed: 16)
        let index = try Self.index(folder, "hinted")
        var other = decisions[0]
        other.request.actor = "Organization/hinted"
        try index.applying(knownDecisions: [entries[0].payload: other]) {
            try index.apply(entries.enumerated().map { IndexedEntry(ordinal: $0.offset, entry: $0.element) }, voided: [])
        }
        let rows = try index.decisions(below: 3)
        #expect(rows.map(\.actor) == ["Organization/hinted", decisions[2].request.actor])
    }
}
