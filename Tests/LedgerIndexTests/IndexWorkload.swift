import Foundation
import LedgerConsent
import LedgerCore
import LedgerIndex
import LedgerSite
import LedgerStorage
import Logging
import TestSupport

/// A site workload that writes the derived-state database at every kind of commit: local
/// appends, a FHIR consent import, an ingest of another site's consent versions and anchors
/// (concurrent consent heads), a charter change (a member admitted), a recorded access
/// decision, and a reopen that catches the database up. Run on a copy of ``central`` with
/// any file system and database opener, for the crash-state replay and the fault sweep.
struct IndexWorkload {
    let folder: TemporaryDirectory
    /// The prepared central site (a clinic admitted, its database current).
    let central: String
    /// The clinic's entries central ingests, encoded.
    let clinicEntries: [[UInt8]]
    /// The admission of a third site, the workload's charter change.
    let labAdmission: AdmitPayload
    static let quiet = IndexedNetwork.quiet

    init() throws {
        folder = try TemporaryDirectory(prefix: "careledger-index-workload")
        central = folder.path + "/central"
        (clinicEntries, labAdmission) = try Self.prepare(in: folder.path)
        // The database is created and current before the workload starts.
        _ = try SiteAccess.openForWriting(at: central, wait: .seconds(5), logger: Self.quiet)
    }

    /// Founds central, joins a clinic (admitted, with consent versions and anchors of its
    /// own) and a lab (not yet admitted); every ledger is closed on return.
    private static func prepare(in folder: String) throws -> (clinicEntries: [[UInt8]], lab: AdmitPayload) {
        let founder = try SiteLedger.foundNetwork(at: folder + "/central", siteName: "central", networkName: "test", logger: quiet)
        try founder.writeGenesis(to: folder + "/genesis.json")
        let clinic = try SiteLedger.join(at: folder + "/clinic", siteName: "clinic", role: .clinic, genesisPath: folder + "/genesis.json", logger: quiet)
        let lab = try SiteLedger.join(at: folder + "/lab", siteName: "lab", role: .clinic, genesisPath: folder + "/genesis.json", logger: quiet)
        _ = try founder.admit(AdmitPayload(key: clinic.siteKey, agreementKey: clinic.metadata.agreementKey, name: "clinic", role: .clinic))
        var consent = try SiteConsent(clinic)
        let documents = (0..<3).map { ("c\($0).json", IndexedNetwork.consent(id: "c-mrn-\($0)", mrn: "mrn-\($0)", actor: "Organization/other")) }
        _ = try consent.importFHIR(documents)
        _ = try clinic.append(kind: "anchor", payloads: (0..<3).map { Array("{\"a\":\($0)}".utf8) })
        // Its whole log: the versions and anchors link to the clinic's earlier entries.
        var entries: [[UInt8]] = []
        try clinic.forEachEntry { _, entry in entries.append(entry.encoded) }
        return (entries, AdmitPayload(key: lab.siteKey, agreementKey: lab.metadata.agreementKey, name: "lab", role: .clinic))
    }

    /// Copies the prepared central site to `path`.
    func copyCentral(to path: String) throws {
        try FileManager.default.copyItem(atPath: central, toPath: path)
    }

    /// One step of the workload, named for messages.
    typealias Step = (name: String, run: (SiteLedger) throws -> Void)

    /// The steps of the first session, in order.
    var steps: [Step] {
        let clinicEntries = clinicEntries, labAdmission = labAdmission
        return [
            ("append", { ledger in _ = try ledger.append(kind: "note", payloads: (0..<4).map { Array("{\"n\":\($0)}".utf8) }) }),
            ("consent import", { ledger in
                var consent = try SiteConsent(ledger, patients: [])
                _ = try consent.importFHIR((0..<3).map { ("c\($0).json", IndexedNetwork.consent(id: "c-mrn-\($0)", mrn: "mrn-\($0)")) })
            }),
            ("ingest", { ledger in
                guard try !ledger.ingest(clinicEntries).storedIDs.isEmpty else { throw CoreError(.outOfRange, "the ingest stored nothing") }
            }),
            ("admit", { ledger in _ = try ledger.admit(labAdmission) }),
            ("recorded check", { ledger in
                let request = try IndexedNetwork.request(ledger, mrn: "mrn-1", time: 1_900_000_000_000)
                let consent = try SiteConsent(ledger, patients: [request.patient])
                _ = try consent.check(request, record: true)
            }),
            ("append", { ledger in _ = try ledger.append(kind: "note", payloads: [Array("{\"last\":1}".utf8)]) }),
        ]
    }

    /// Runs the workload at `path`: one session of ``steps``, then a reopen (which catches the
    /// database up) and one more append. A step that throws is reported to `failed` and the
    /// workload goes on with the next one (an open that throws ends its session).
    static func run(
        _ steps: [Step], at path: String, fileSystem: any FileSystem = POSIXFileSystem(), logger: Logger = quiet,
        opener: @escaping DerivedStateIndexOpener, after: (String) -> Void = { _ in }, failed: (String, any Error) -> Void
    ) {
        do {
            let ledger = try SiteLedger.open(at: path, logger: logger, lockTimeout: .seconds(5), fileSystem: fileSystem, derivedState: opener)
            after("open")
            for step in steps {
                do { try step.run(ledger) } catch { failed(step.name, error) }
                after(step.name)
            }
        } catch {
            failed("open", error)
        }
        do {
            let ledger = try SiteLedger.open(at: path, logger: logger, lockTimeout: .seconds(5), fileSystem: fileSystem, derivedState: opener)
            after("reopen")
            do { _ = try ledger.append(kind: "note", payloads: [Array("{\"again\":1}".utf8)]) } catch { failed("append after reopen", error) }
            after("append after reopen")
        } catch {
            failed("reopen", error)
        }
    }

    /// What `check` (four patients), `stats`, `conflicts`, fork evidence and the member list
    /// answer at `path`, opened as read commands open it.
    static func answers(at path: String) throws -> IndexedNetwork.Answers {
        let ledger = try SiteAccess.openForReading(at: path, wait: .seconds(5), logger: quiet)
        var decisions: [String] = []
        for patient in 0..<4 {
            let request = try IndexedNetwork.request(ledger, mrn: "mrn-\(patient)", time: 1_900_000_000_000)
            let decision = try SiteConsent(ledger, patients: [request.patient]).engine.check(request)
            decisions.append("\(decision.outcome) \(decision.basis.map(\.hex)) \(decision.reason)")
        }
        let conflicts = try ledger.loadConflictedConsent().engine.conflicts().map { "\($0.key) \($0.heads.map(\.hex))" }.sorted()
        let full = try ledger.loadConsent().engine.conflicts().map { "\($0.key) \($0.heads.map(\.hex))" }.sorted()
        return IndexedNetwork.Answers(decisions: decisions, conflicts: conflicts, conflictsFromLog: full, statistics: ledger.statistics(),
                                      forks: ledger.forks, members: ledger.charter.members.keys.map(\.hex).sorted())
    }

    /// The answers of a copy of `path` without its database: what a fresh `reindex` answers.
    static func reindexedAnswers(of path: String) throws -> IndexedNetwork.Answers {
        let copy = path + "-reindexed"
        try? FileManager.default.removeItem(atPath: copy)
        defer { try? FileManager.default.removeItem(atPath: copy) }
        try FileManager.default.copyItem(atPath: path, toPath: copy)
        SiteIndex.removeFiles(at: SiteLayout(root: copy).index)
        return try answers(at: copy)
    }
}
