import Foundation
import GRDB
import LedgerCore

/// The entries under an upheld dispute (Specs/consent.md §5.5, Specs/site-layout.md §9.2):
/// a consent version among them is void, so the Consent search's current version
/// (`consent_current`) never is one, as `GET /fhir/Consent/{id}` and the consent engine skip it.
///
/// Why the ledger hands the set over instead of the index working it out: whether a dispute is
/// upheld depends on the charter (governance members, quorum, approvals, later reversals;
/// Specs/charter.md §6.2), which the ledger already keeps and the index does not. The set is a
/// function of the entries held, so a rebuild from the log gets it again from the ledger.
extension SiteIndex {
    /// The table, dropped by a reset with the others.
    static let voidedTables = ["voided_entries"]

    /// Its schema, and the look-up of a consent version by id that a newly void entry needs.
    static let voidedSchema = [
        "CREATE TABLE voided_entries(id BLOB PRIMARY KEY) WITHOUT ROWID",
        "CREATE INDEX consent_versions_id ON consent_versions(id)",
    ]

    /// Makes `voided_entries` hold exactly `voided`, and chooses again the current version of
    /// every consent that has a version entering or leaving it. The set is small (one entry per
    /// upheld dispute) and changes only when a dispute's outcome does: a commit reads the table
    /// and writes nothing else.
    static func takeVoided(_ voided: Set<Hash32>, in db: Database) throws {
        let held = Set(try Data.fetchAll(db.cachedStatement(sql: "SELECT id FROM voided_entries")))
        let wanted = Set(voided.map { Data($0.bytes) })
        guard held != wanted else { return }
        for id in held.subtracting(wanted) {
            try db.cachedStatement(sql: "DELETE FROM voided_entries WHERE id = ?").execute(arguments: [id])
        }
        for id in wanted.subtracting(held) {
            try db.cachedStatement(sql: "INSERT INTO voided_entries(id) VALUES (?)").execute(arguments: [id])
        }
        struct Consent: Hashable { let patient: Data, id: String }
        var consents = Set<Consent>()
        for id in held.symmetricDifference(wanted) {
            for row in try Row.fetchAll(db.cachedStatement(sql: "SELECT patient, consent_id FROM consent_versions WHERE id = ?"), arguments: [id]) {
                consents.insert(Consent(patient: row["patient"], id: row["consent_id"]))
            }
        }
        for consent in consents {
            try refreshCurrentVersion(patient: consent.patient, consentID: consent.id, in: db)
        }
    }
}
