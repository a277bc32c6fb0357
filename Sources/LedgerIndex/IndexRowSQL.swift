/// A statement ``RowWriter`` runs once per record, with its place among the writer's prepared
/// statements: found by that place, not by hashing its text (Specs/static-log.md §11.3).
struct RowSQL: Sendable {
    /// Its place in ``RowWriter``'s statements: unique among ``IndexRowSQL/all``, and below
    /// their count (the writer holds that many).
    let slot: Int
    /// The SQL.
    let text: String
}

/// Every statement ``SiteIndex/apply(_:voided:)`` runs per record through ``RowWriter``.
///
/// Why: a catch-up runs about two million of them, and a look-up by text hashed the whole
/// statement each time (about 100 bytes) before SQLite saw it.
enum IndexRowSQL {
    /// An undecodable record's `entries` row.
    static let undecodableEntry = RowSQL(slot: 0, text: "INSERT INTO entries(ordinal) VALUES (?)")
    /// A record's `entries` row.
    static let entry = RowSQL(slot: 1, text: "INSERT INTO entries(ordinal, id, author, sequence, kind, wall, counter) VALUES (?, ?, ?, ?, ?, ?, ?)")
    /// A consent version that does not decode.
    static let consentUndecodable = RowSQL(slot: 2, text: "INSERT INTO consent_undecodable(ordinal, id) VALUES (?, ?)")
    /// A consent version's row.
    static let consentVersion = RowSQL(slot: 3, text: "INSERT INTO consent_versions(ordinal, id, patient, consent_id, status, date_time, supersedes) VALUES (?, ?, ?, ?, ?, ?, ?)")
    /// Counts a consent version, returning the consent's count.
    static let countConsentVersion = RowSQL(slot: 4, text: SiteIndex.countConsentVersionReturning)
    /// A consent's head.
    static let consentHead = RowSQL(slot: 5, text: "INSERT OR IGNORE INTO consent_heads(patient, consent_id, id) VALUES (?, ?, ?)")
    /// A consent with one head.
    static let consentOneHead = RowSQL(slot: 6, text: "INSERT INTO consents(patient, consent_id, heads) VALUES (?, ?, 1) ON CONFLICT(patient, consent_id) DO UPDATE SET heads = excluded.heads")
    /// A consent without a current version.
    static let deleteCurrentVersion = RowSQL(slot: 7, text: "DELETE FROM consent_current WHERE patient = ? AND consent_id = ?")
    /// A consent's current version.
    static let currentVersion = RowSQL(slot: 8, text: SiteIndex.currentVersionUpsert)
    /// An access decision's row.
    static let decision = RowSQL(slot: 9, text: "INSERT INTO decisions(ordinal, patient, actor, time, outcome, emergency, purpose, client) VALUES (?, ?, ?, ?, ?, ?, ?, ?)")
    /// A consent version's actor.
    static let consentActor = RowSQL(slot: 10, text: "INSERT OR IGNORE INTO consent_actors(actor, ordinal) VALUES (?, ?)")
    /// A consent version's purpose.
    static let consentPurpose = RowSQL(slot: 11, text: "INSERT OR IGNORE INTO consent_purposes(code, system, ordinal) VALUES (?, ?, ?)")

    /// All of them, in slot order.
    static let all: [RowSQL] = [undecodableEntry, entry, consentUndecodable, consentVersion, countConsentVersion, consentHead,
                                consentOneHead, deleteCurrentVersion, currentVersion, decision, consentActor, consentPurpose]
}
