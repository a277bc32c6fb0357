extension SiteIndex {
    /// Every table of the schema, dropped by a reset.
    static let tables = [
        "meta", "entries", "authors", "heads", "forks", "kinds", "consent_versions", "consent_supersedes", "consent_heads",
        "consents", "consent_undecodable", "decisions",
    ] + aggregateTables + consentSearchTables + voidedTables

    /// Schema 6 (Specs/site-layout.md §9.2; its aggregates §9.8, the Consent search's tables `consentSearchSchema`, the void entries `voidedSchema`). Hashes are 32-byte blobs, times HLC wall milliseconds.
    static let schema = [
        "CREATE TABLE meta(key TEXT PRIMARY KEY, value) WITHOUT ROWID",
        // One row per log record; author, sequence, kind NULL for a record that does not decode.
        "CREATE TABLE entries(ordinal INTEGER PRIMARY KEY, id BLOB, author BLOB, sequence INTEGER, kind TEXT, wall INTEGER, counter INTEGER)",
        "CREATE INDEX entries_kind ON entries(kind, ordinal)",
        "CREATE INDEX entries_position ON entries(author, sequence)",
        "CREATE TABLE authors(author BLOB PRIMARY KEY, next_sequence INTEGER NOT NULL, entries INTEGER NOT NULL) WITHOUT ROWID",
        "CREATE TABLE heads(author BLOB NOT NULL, id BLOB NOT NULL, PRIMARY KEY(author, id)) WITHOUT ROWID",
        // `found`: the ordinal of the entry that last made this position a fork (the evidence's order).
        "CREATE TABLE forks(author BLOB NOT NULL, sequence INTEGER NOT NULL, found INTEGER NOT NULL, PRIMARY KEY(author, sequence)) WITHOUT ROWID",
        "CREATE TABLE kinds(kind TEXT PRIMARY KEY, entries INTEGER NOT NULL) WITHOUT ROWID",
        // `supersedes`: the ids the version supersedes, 32 bytes each, in the payload's order (the report's conflict timeline).
        "CREATE TABLE consent_versions(ordinal INTEGER PRIMARY KEY, id BLOB NOT NULL, patient BLOB NOT NULL, consent_id TEXT NOT NULL, status TEXT NOT NULL, date_time INTEGER, supersedes BLOB NOT NULL)",
        "CREATE INDEX consent_versions_patient ON consent_versions(patient, ordinal)",
        "CREATE TABLE consent_supersedes(patient BLOB NOT NULL, consent_id TEXT NOT NULL, id BLOB NOT NULL, PRIMARY KEY(patient, consent_id, id)) WITHOUT ROWID",
        "CREATE TABLE consent_heads(patient BLOB NOT NULL, consent_id TEXT NOT NULL, id BLOB NOT NULL, PRIMARY KEY(patient, consent_id, id)) WITHOUT ROWID",
        "CREATE TABLE consents(patient BLOB NOT NULL, consent_id TEXT NOT NULL, heads INTEGER NOT NULL, PRIMARY KEY(patient, consent_id)) WITHOUT ROWID",
        "CREATE INDEX consents_conflicted ON consents(heads) WHERE heads > 1",
        "CREATE TABLE consent_undecodable(ordinal INTEGER PRIMARY KEY, id BLOB NOT NULL)",
        "CREATE TABLE decisions(ordinal INTEGER PRIMARY KEY, patient BLOB NOT NULL, actor TEXT NOT NULL, time INTEGER NOT NULL, outcome TEXT NOT NULL, emergency INTEGER NOT NULL, purpose TEXT NOT NULL, client TEXT)",
        "CREATE INDEX decisions_patient ON decisions(patient, actor, time)",
    ] + aggregateSchema + consentSearchSchema + voidedSchema
}
