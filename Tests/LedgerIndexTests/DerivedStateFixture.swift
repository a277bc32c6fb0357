import Foundation
import LedgerConsent
import LedgerCore
import LedgerIndex
import LedgerSite
import Logging
import TestSupport

/// A network of two sites whose `central` is written through its derived-state database,
/// with seeded random traffic: notes, consent imports (some conflicting, from the clinic),
/// recorded checks and ingests.
struct IndexedNetwork {
    let folder: TemporaryDirectory
    let central: String
    let clinic: String
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    init() throws {
        folder = try TemporaryDirectory(prefix: "careledger-index-test")
        central = folder.path + "/central"
        clinic = folder.path + "/clinic"
        let founder = try SiteLedger.foundNetwork(at: central, siteName: "central", networkName: "test", logger: Self.quiet)
        try founder.writeGenesis(to: folder.path + "/genesis.json")
        let joined = try SiteLedger.join(at: clinic, siteName: "clinic", role: .clinic, genesisPath: folder.path + "/genesis.json", logger: Self.quiet)
        _ = try founder.admit(AdmitPayload(key: joined.siteKey, agreementKey: joined.metadata.agreementKey, name: "clinic", role: .clinic))
    }

    /// The central site opened as commands open it (with its derived-state database).
    func openCentral() throws -> SiteLedger {
        try SiteAccess.openForWriting(at: central, wait: .seconds(5), logger: Self.quiet)
    }

    /// `steps` random operations at central (and the clinic, ingested by central).
    func randomTraffic(steps: Int, generator: inout SeededGenerator) throws {
        let ledger = try openCentral()
        let clinicLedger = try SiteLedger.open(at: clinic, logger: Self.quiet)
        for _ in 0..<steps {
            switch generator.next() % 5 {
            case 0:
                let count = Int(generator.next() % 20) + 1
                try ledger.append(kind: "note", payloads: (0..<count).map { Array("{\"n\":\($0)}".utf8) })
            case 1:
                var consent = try SiteConsent(ledger, patients: [])
                let mrn = "mrn-\(generator.next() % 8)"
                _ = try consent.importFHIR([("c.json", Self.consent(id: "c-\(mrn)", mrn: mrn))])
            case 2:
                // The clinic imports the same consent on its own: concurrent heads once central ingests it.
                var consent = try SiteConsent(clinicLedger)
                let mrn = "mrn-\(generator.next() % 8)"
                let entries = try consent.importFHIR([("c.json", Self.consent(id: "c-\(mrn)", mrn: mrn, actor: "Organization/other"))]).entries
                _ = try ledger.ingest(entries.map(\.encoded))
            case 3:
                let mrn = "mrn-\(generator.next() % 8)"
                let consent = try SiteConsent(ledger, patients: [try ledger.pseudonymKey().resolve(patient: "urn:test:mrn|\(mrn)")])
                _ = try consent.check(try Self.request(ledger, mrn: mrn), record: true)
            default:
                let payloads = (0..<Int(generator.next() % 5 + 1)).map { Array("{\"c\":\($0)}".utf8) }
                let entries = try clinicLedger.append(kind: "anchor", payloads: payloads)
                _ = try ledger.ingest(entries.map(\.encoded))
            }
        }
    }

    /// What `check`, `stats` and `conflicts` answer at central, as comparable values.
    func answers() throws -> Answers {
        let ledger = try SiteAccess.openForReading(at: central, wait: .seconds(5), logger: Self.quiet)
        var decisions: [String] = []
        for patient in 0..<8 {
            let pseudonym = try ledger.pseudonymKey().resolve(patient: "urn:test:mrn|mrn-\(patient)")
            let consent = try SiteConsent(ledger, patients: [pseudonym])
            let decision = consent.engine.check(try Self.request(ledger, mrn: "mrn-\(patient)", time: 1_900_000_000_000))
            decisions.append("\(decision.outcome) \(decision.basis.map(\.hex)) \(decision.reason)")
        }
        let conflicts = try ledger.loadConflictedConsent().engine.conflicts().map { "\($0.key) \($0.heads.map(\.hex))" }.sorted()
        let full = try ledger.loadConsent().engine.conflicts().map { "\($0.key) \($0.heads.map(\.hex))" }.sorted()
        return Answers(decisions: decisions, conflicts: conflicts, conflictsFromLog: full, statistics: ledger.statistics(),
                       forks: ledger.forks, members: ledger.charter.members.keys.map(\.hex).sorted())
    }

    /// Comparable answers of one site.
    struct Answers: Equatable {
        var decisions: [String]
        var conflicts: [String]
        var conflictsFromLog: [String]
        var statistics: LedgerStatistics
        var forks: [ForkEvidence]
        var members: [String]
    }

    static func request(_ ledger: SiteLedger, mrn: String, time: Int64 = Int64(Date().timeIntervalSince1970 * 1000)) throws -> AccessRequest {
        AccessRequest(patient: try ledger.pseudonymKey().resolve(patient: "urn:test:mrn|\(mrn)"), actor: "Organization/clinic",
                      purpose: "TREAT", classes: ["Observation"], time: time, emergency: false)
    }

    /// A FHIR R4 Consent permitting `actor` to read patient `mrn`'s data for treatment.
    static func consent(id: String, mrn: String, actor: String = "Organization/clinic") -> [UInt8] {
        Array("""
        {"resourceType": "Consent", "id": "\(id)", "status": "active",
         "scope": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/consentscope", "code": "patient-privacy"}]},
         "category": [{"coding": [{"system": "http://loinc.org", "code": "59284-0"}]}],
         "patient": {"identifier": {"system": "urn:test:mrn", "value": "\(mrn)"}},
         "policyRule": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActCode", "code": "OPTIN"}]},
         "provision": {"type": "permit",
           "actor": [{"role": {"coding": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ParticipationType", "code": "PRCP"}]},
                      "reference": {"reference": "\(actor)"}}],
           "purpose": [{"system": "http://terminology.hl7.org/CodeSystem/v3-ActReason", "code": "TREAT"}]}}
        """.utf8)
    }
}
