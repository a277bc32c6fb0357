import GRDB
import LedgerConsent
import LedgerCore
import LedgerIndex
import LedgerSite
import TestSupport
import Testing

@Suite("The audit report's aggregates in the derived-state database")
struct AuditAggregatesTests {
    /// Seeded traffic, then recorded checks of several purposes, actors and break-glass flags.
    private static func site(seed: UInt64) throws -> IndexedNetwork {
        let network = try IndexedNetwork()
        var generator = SeededGenerator(seed: seed)
        try network.randomTraffic(steps: 40, generator: &generator)
        try recordChecks(network, count: 12, generator: &generator)
        return network
    }

    private static func recordChecks(_ network: IndexedNetwork, count: Int, generator: inout SeededGenerator) throws {
        let ledger = try network.openCentral()
        let purposes = ["TREAT", "ETREAT", "HPAYMT"], actors = ["Organization/clinic", "Organization/er", "Practitioner/p-1"]
        for _ in 0..<count {
            let pseudonym = try ledger.pseudonymKey().resolve(patient: "urn:test:mrn|mrn-\(generator.next() % 8)")
            let consent = try SiteConsent(ledger, patients: [pseudonym])
            let request = AccessRequest(patient: pseudonym, actor: actors[Int(generator.next() % 3)], purpose: purposes[Int(generator.next() % 3)],
                                        classes: ["Observation"], time: 1_900_000_000_000, emergency: generator.next() % 4 == 0)
            _ = try consent.check(request, record: true)
        }
    }

    /// The report's sections from a scan, as comparable text.
    private static func sections(_ scan: AuditScan) -> [String] {
        let access = AuditAnalysis.access(scan), conflicts = AuditAnalysis.conflicts(scan)
        return ["entries \(scan.entries) undecodable \(scan.undecodable)",
                "access \(access.total) \(access.permit) \(access.deny) \(access.emergency)",
                "purposes \(access.byPurpose.map { "\($0.purpose):\($0.permit)/\($0.deny)/\($0.emergency)" })",
                "break-glass \(access.breakGlass.map { "\($0.time) \($0.actor) \($0.purpose) \($0.decision) \($0.entryId)" })",
                "conflicts \(conflicts.opened) \(conflicts.resolved) \(conflicts.open)",
                "episodes \(conflicts.conflicts.map { "\($0.consent) \($0.openedAt) \($0.resolvedAt ?? "-") \($0.heads)" })"]
    }

    @Test("the report's sections from the aggregates equal a full recomputation from the log", arguments: [3, 29, 2026] as [UInt64])
    func sectionsFromAggregatesEqualRecomputation(seed: UInt64) throws {
        let network = try Self.site(seed: seed)
        let fromLog = try AuditScan.read(try SiteLedger.openSnapshot(at: network.central, logger: IndexedNetwork.quiet)) { _ in }
        let indexed = try SiteLedger.openSnapshot(at: network.central, logger: IndexedNetwork.quiet, derivedState: SiteIndex.opener)
        let fromIndex = try AuditScan.read(indexed) { _ in }
        #expect(fromLog.decisionCounts == nil && fromIndex.decisionCounts != nil, "seed \(seed)")
        let onlyBreakGlass = fromIndex.decisions.allSatisfy { $0.decision.emergency }
        #expect(onlyBreakGlass, "seed \(seed): only break-glass decisions are read whole")
        #expect(Self.sections(fromIndex) == Self.sections(fromLog), "seed \(seed)")
        #expect(AuditAnalysis.access(fromLog).total > 0, "seed \(seed)")
    }

    @Test("a snapshot that another writer has passed reads the aggregates less the rows past it", arguments: [5, 41] as [UInt64])
    func aggregatesOfAnOlderSnapshotLeaveOutTheTail(seed: UInt64) throws {
        let network = try Self.site(seed: seed)
        let snapshot = try SiteLedger.openSnapshot(at: network.central, logger: IndexedNetwork.quiet, derivedState: SiteIndex.opener)
        let fromLog = try AuditScan.read(try SiteLedger.openSnapshot(at: network.central, logger: IndexedNetwork.quiet)) { _ in }
        var generator = SeededGenerator(seed: seed &+ 1)
        try Self.recordChecks(network, count: 8, generator: &generator)
        try network.randomTraffic(steps: 10, generator: &generator)
        let index = try #require(try snapshot.currentIndex(), "seed \(seed)")
        #expect(try index.appliedSize() > snapshot.entryCount, "seed \(seed): the writer moved the database on")
        let older = try AuditScan.read(snapshot) { _ in }
        #expect(older.decisionCounts != nil, "seed \(seed)")
        #expect(Self.sections(older) == Self.sections(fromLog), "seed \(seed)")
    }

    @Test("a rebuilt database holds the same aggregates as one kept current commit by commit")
    func rebuiltAggregatesEqualIncrementalOnes() throws {
        let network = try Self.site(seed: 8)
        let (end, before) = try Self.aggregates(network)
        SiteIndex.removeFiles(at: network.central + "/index.sqlite")
        _ = try network.openCentral()
        let (rebuiltEnd, rebuilt) = try Self.aggregates(network)
        #expect(rebuiltEnd == end && rebuilt == before, "seed 8")
    }

    @Test("a schema-3 database, without the aggregates, is rebuilt with them by the first open")
    func schemaThreeDatabaseIsRebuilt() throws {
        let network = try Self.site(seed: 11)
        let (end, before) = try Self.aggregates(network)
        do {
            let queue = try DatabaseQueue(path: network.central + "/index.sqlite")
            try queue.write { db in
                for statement in ["DROP TABLE decision_counts", "DROP TABLE consent_version_counts", "DROP INDEX decisions_emergency",
                                  "UPDATE meta SET value = 3 WHERE key = 'schema'"] { try db.execute(sql: statement) }
            }
        }
        let (rebuiltEnd, rebuilt) = try Self.aggregates(network)
        #expect(rebuiltEnd == end && rebuilt == before && before != nil, "seed 11")
    }

    private static func aggregates(_ network: IndexedNetwork) throws -> (Int, SiteIndex.AuditAggregates?) {
        let ledger = try SiteLedger.openSnapshot(at: network.central, logger: IndexedNetwork.quiet, derivedState: SiteIndex.opener)
        let index = try #require(try ledger.currentIndex())
        return (ledger.entryCount, try index.auditAggregates(below: ledger.entryCount))
    }
}
