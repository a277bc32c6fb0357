import Foundation
import LedgerConsent
import LedgerCore
import LedgerIndex

extension SiteLedger {
    /// The site's derived-state database, brought level with this ledger's log (its
    /// snapshot's size) first; nil when the site was opened without one.
    /// - Throws: the database's and the log's errors.
    public func currentIndex() throws -> SiteIndex? {
        guard let index = derivedStateIndex as? SiteIndex else { return nil }
        try catchUpIndex()
        return index
    }

    /// Calls `body` with the trusted entries of some kinds only, in log order: found through
    /// the derived-state database (read by ordinal), or by reading the whole log without one.
    /// - Throws: the log's and the database's errors.
    public func forEachEntry(ofKinds kinds: Set<String>, _ body: (Int, Entry) throws -> Void) throws {
        guard let index = try currentIndex() else {
            return try forEachEntry { ordinal, entry in if kinds.contains(entry.kind) { try body(ordinal, entry) } }
        }
        var ordinals: [Int] = []
        for kind in kinds { ordinals += try index.ordinals(kind: kind, below: entryCount, newestFirst: false, limit: nil) }
        for ordinal in ordinals.sorted() { try body(ordinal, try entry(at: ordinal)) }
    }

    /// The consent versions of some patients only, read by ordinal through the
    /// derived-state database (Specs/site-layout.md §9): what a check or an export costs
    /// does not grow with the site. Without the database, every version is read.
    /// - Throws: only when the log or the database cannot be read.
    public func loadConsent(patients: [PatientPseudonym]) throws -> LoadedConsent {
        guard let index = try currentIndex() else { return try loadConsent() }
        var engine = ConsentEngine(policy: consentPolicy)
        var skipped = try index.undecodableConsentVersions(below: entryCount)
        var ordinals: [Int] = []
        for patient in Set(patients) { ordinals += try index.consentVersionOrdinals(patient: patient, below: entryCount) }
        let voided = charter.upheldEntries  // Specs/consent.md §5.5: an upheld dispute voids a version.
        for ordinal in ordinals.sorted() {
            let entry = try entry(at: ordinal)
            guard !voided.contains(entry.id) else { continue }
            do {
                try engine.ingest(entryId: entry.id, time: entry.timestamp, author: entry.author, payload: entry.payload)
            } catch {
                skipped.append(entry.id)
            }
        }
        return LoadedConsent(engine: engine, skipped: skipped)
    }

    /// The versions of every patient with an open conflict (and only those): what
    /// `conflicts` and `status` need, found through the derived-state database.
    /// - Throws: only when the log or the database cannot be read.
    public func loadConflictedConsent(progress: (Int) -> Void = { _ in }) throws -> LoadedConsent {
        guard let index = try currentIndex() else { return try loadConsent(progress: progress) }
        return try loadConsent(patients: index.conflictedPatients())
    }
}

extension SiteConsent {
    /// Reads only the given patients' consent versions (through the derived-state
    /// database when the site has one): for a check or an export about those patients.
    /// - Throws: only when the log cannot be read.
    public init(_ ledger: SiteLedger, patients: [PatientPseudonym]) throws {
        let loaded = try ledger.loadConsent(patients: patients)
        self.init(ledger: ledger, loaded: loaded)
    }

    /// Reads only the versions of the patients the FHIR documents in `files` name: an
    /// import costs what it imports, not what the site holds. A file that cannot be read
    /// or parsed here is left for the import itself to report.
    /// - Throws: only when the log cannot be read.
    public init(_ ledger: SiteLedger, importing files: [String]) throws {
        var patients = Set<PatientPseudonym>()
        if let key = try? ledger.pseudonymKey() {
            let importer = FHIRConsentImporter(pseudonymKey: key)
            for file in files {
                guard let data = FileManager.default.contents(atPath: file),
                      let read = try? importer.read(Array(data), engine: ConsentEngine()) else { continue }
                for imported in read { patients.insert(imported.content.key.patient) }
            }
        }
        try self.init(ledger, patients: Array(patients))
    }
}
