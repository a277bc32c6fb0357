import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import Logging

/// One site of the demo network: its name, data folder and open ledger.
///
/// The demo runs in one task and touches a site's ledger from that task only (the TCP step
/// hands it to a `LedgerSyncService` for the length of one session and waits for it).
final class DemoSite {
    let name: String
    let role: MemberRole
    let directory: String
    let ledger: SiteLedger

    init(name: String, role: MemberRole, directory: String, ledger: SiteLedger) {
        self.name = name
        self.role = role
        self.directory = directory
        self.ledger = ledger
    }

    /// A logger that drops everything: recovery warnings would break the narration.
    static let quietLogger = Logger(label: "careledger.demo", factory: { _ in SwiftLogNoOpLogHandler() })

    /// Entries in this site's trusted log.
    var entries: Int { ledger.entryCount }

    /// Entries in this site's trusted log written by `author`.
    func entries(by author: Hash32) throws -> Int {
        var count = 0
        try ledger.forEachEntry { _, entry in if entry.author == author { count += 1 } }
        return count
    }

    /// Imports FHIR R4 Consent JSON (a resource or a Bundle) as `consent import` does:
    /// pseudonymised, validated as a whole, then appended as consent versions.
    @discardableResult
    func importConsents(_ json: String, name: String = "embedded FHIR consent") throws -> [Entry] {
        var consent = try SiteConsent(ledger)
        return try consent.importFHIR([(name, Array(json.utf8))]).entries
    }

    /// The patient's pseudonym under the network's key.
    func pseudonym(_ mrn: String) throws -> PatientPseudonym {
        let key = try ledger.pseudonymKey()
        do { return try key.resolve(patient: DemoFHIR.token(mrn)) } catch { throw CLIFailure.from(error) }
    }

    /// The access decision for a request, as `check` answers it; `record` writes it as an
    /// `access.decision` entry (`check --record`).
    func check(mrn: String, actor: String, purpose: String, classes: [String], record: Bool) throws -> AccessDecision {
        try check(mrn: mrn, actor: actor, purpose: purpose, classes: classes, record: record, emergency: false).decision
    }

    /// The access decision for a request, as `check [--record] [--emergency]` answers it, and
    /// the id of the `access.decision` entry written for it.
    ///
    /// As in `check`, a break-glass decision is always recorded: emergency access is
    /// permitted only with its audit entry.
    func check(mrn: String, actor: String, purpose: String, classes: [String], record: Bool,
               emergency: Bool) throws -> (decision: AccessDecision, entry: Hash32?) {
        let request = AccessRequest(patient: try pseudonym(mrn), actor: actor, purpose: purpose, classes: classes,
                                    time: Int64(Date().timeIntervalSince1970 * 1000), emergency: emergency)
        let checked = try SiteConsent(ledger).check(request, record: record)
        return (checked.decision, checked.entry?.id)
    }

    /// Open consent conflicts here.
    func conflicts() throws -> [ConsentConflict] { try SiteConsent(ledger).engine.conflicts() }

    /// Writes the version that resolves a conflict under the network's rule (`consent resolve`).
    func resolve(_ key: ConsentKey) throws -> Entry {
        var consent = try SiteConsent(ledger)
        do { return try consent.resolve(key) } catch let error as ConsentError { throw CLIFailure.from(error) }
    }

    /// The summary root (equal at two sites exactly when they hold the same entries).
    func summaryRoot() throws -> Hash32 { try ledger.summaryRoot() }
}
