import LedgerConsent
import LedgerCore
import LedgerIndex
import LedgerSite
import TestSupport
import Testing

@Suite("The audit report read from the derived-state database")
struct AuditFromIndexTests {
    @Test("the report's versions, decisions and figures from the database equal those read from the log")
    func reportFromIndexEqualsReportFromLog() throws {
        let network = try IndexedNetwork()
        var generator = SeededGenerator(seed: 13)
        try network.randomTraffic(steps: 60, generator: &generator)
        do {
            // A break-glass decision, which the report lists whole.
            let ledger = try network.openCentral()
            let pseudonym = try ledger.pseudonymKey().resolve(patient: "urn:test:mrn|mrn-1")
            let consent = try SiteConsent(ledger, patients: [pseudonym])
            let request = AccessRequest(patient: pseudonym, actor: "Organization/er", purpose: "ETREAT", classes: ["Observation"],
                                        time: 1_900_000_000_000, emergency: true)
            _ = try consent.check(request, record: false)
            // A resolution: a version that supersedes the conflict's heads.
            var all = try SiteConsent(ledger)
            let conflict = try #require(all.engine.conflicts().first, "seed 13 makes conflicts")
            _ = try all.resolve(conflict.key)
        }
        let fromLog = try AuditScan.read(try SiteLedger.openSnapshot(at: network.central, logger: IndexedNetwork.quiet)) { _ in }
        let indexed = try SiteLedger.openSnapshot(at: network.central, logger: IndexedNetwork.quiet, derivedState: SiteIndex.opener)
        #expect(indexed.derivedStateIndex != nil)
        let fromIndex = try AuditScan.read(indexed) { _ in }
        #expect(!fromLog.versions.isEmpty && !fromLog.decisions.isEmpty, "seed 13")
        #expect(fromIndex.entries == fromLog.entries)
        #expect(fromIndex.undecodable == fromLog.undecodable)
        // The database path leaves out consents' only versions, which never open a conflict.
        let shared = Dictionary(grouping: fromLog.versions, by: \.consent).filter { $0.value.count > 1 }
        #expect(fromIndex.versions == fromLog.versions.filter { shared[$0.consent] != nil }, "seed 13")
        #expect(fromIndex.versions.contains { !$0.supersedes.isEmpty }, "seed 13: some version supersedes another")
        let conflicts = (AuditAnalysis.conflicts(fromIndex), AuditAnalysis.conflicts(fromLog))
        #expect(conflicts.0.conflicts == conflicts.1.conflicts && conflicts.0.resolved > 0, "seed 13")
        let access = (AuditAnalysis.access(fromIndex), AuditAnalysis.access(fromLog))
        #expect(access.0.total == access.1.total)
        #expect(access.0.byPurpose == access.1.byPurpose)
        #expect(access.0.breakGlass == access.1.breakGlass && access.0.breakGlass.count == 1)
    }
}
