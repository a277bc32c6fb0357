import LedgerConsent
import LedgerCore
import LedgerSite
import Testing

@Suite("Audit analysis through the library")
struct AuditAnalysisTests {
    static func decision(_ n: UInt64, purpose: String, outcome: AccessOutcome, emergency: Bool) -> DecisionRecord {
        let request = AccessRequest(patient: PatientPseudonym(Hash32(w0: 99, w1: 0, w2: 0, w3: 0)), actor: "Organization/clinic",
                                    purpose: purpose, classes: ["Observation"], time: Int64(n * 1000), emergency: emergency)
        return DecisionRecord(entryId: Hash32(w0: n, w1: 0, w2: 0, w3: 0), author: Hash32(w0: 7, w1: 0, w2: 0, w3: 0),
                              time: HybridTimestamp(wallMillis: n * 1000, counter: 0),
                              decision: AccessDecision(request: request, outcome: outcome, basis: [], reason: "r\(n)", emergency: emergency))
    }

    @Test("access figures count decisions by purpose and list every break-glass decision in time order")
    func accessFigures() {
        var scan = AuditScan(site: SiteSummary(name: "central", key: "k", role: "governance", networkId: "n"))
        scan.names[Hash32(w0: 7, w1: 0, w2: 0, w3: 0).hex] = "clinic"
        scan.decisions = [Self.decision(3, purpose: "TREAT", outcome: .deny, emergency: false),
                          Self.decision(2, purpose: "ETREAT", outcome: .permit, emergency: true),
                          Self.decision(1, purpose: "TREAT", outcome: .permit, emergency: false),
                          Self.decision(4, purpose: "HRESCH", outcome: .deny, emergency: true)]
        let access = AuditAnalysis.access(scan)
        #expect(access.total == 4)
        #expect(access.permit == 2)
        #expect(access.deny == 2)
        #expect(access.emergency == 2)
        #expect(access.byPurpose.map(\.purpose) == ["ETREAT", "HRESCH", "TREAT"])
        #expect(access.breakGlass.map(\.reason) == ["r2", "r4"])
        #expect(access.breakGlass.first?.site == "clinic")
    }

    @Test("conflict figures come from the versions' supersedes graph")
    func conflictFigures() {
        func id(_ n: UInt64) -> Hash32 { Hash32(w0: n, w1: 0, w2: 0, w3: 0) }
        var scan = AuditScan(site: SiteSummary(name: "central", key: "k", role: "governance", networkId: "n"))
        scan.versions = [VersionNode(consent: "p/c", id: id(1), time: HybridTimestamp(wallMillis: 1000, counter: 0), supersedes: []),
                         VersionNode(consent: "p/c", id: id(2), time: HybridTimestamp(wallMillis: 2000, counter: 0), supersedes: [id(1)]),
                         VersionNode(consent: "p/c", id: id(3), time: HybridTimestamp(wallMillis: 2100, counter: 0), supersedes: [id(1)])]
        let conflicts = AuditAnalysis.conflicts(scan)
        #expect(conflicts.opened == 1)
        #expect(conflicts.open == 1)
        #expect(conflicts.resolved == 0)
    }
}
