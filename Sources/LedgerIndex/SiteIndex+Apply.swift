import Foundation
import GRDB
import LedgerConsent
import LedgerCore

extension SiteIndex {
    /// Applies committed records in one immediate transaction (Specs/site-layout.md §9.3):
    /// records below the mark are skipped, a batch that starts past the mark changes nothing.
    public func apply(_ entries: [IndexedEntry]) throws {
        guard !entries.isEmpty else { return }
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                guard try (Self.meta(db, "schema") as Int?) == Self.schemaVersion else { return .rollback }
                var mark: Int = try Self.meta(db, "applied_size") ?? 0
                var latest: (Int64, Int64)?
                if let wall: Int64 = try Self.meta(db, "latest_wall"), let counter: Int64 = try Self.meta(db, "latest_counter") {
                    latest = (wall, counter)
                }
                var lastID: Hash32?
                for record in entries where record.ordinal >= mark {
                    guard record.ordinal == mark else { break }
                    try Self.insert(record, into: db)
                    mark += 1
                    lastID = record.entry?.id
                    if let entry = record.entry {
                        let time = (Int64(entry.timestamp.wallMillis), Int64(entry.timestamp.counter))
                        if latest.map({ time > $0 }) ?? true { latest = time }
                    }
                }
                try Self.setMeta(db, "applied_size", mark)
                if let lastID { try Self.setMeta(db, "last_entry_id", Data(lastID.bytes)) }
                else { try db.execute(sql: "DELETE FROM meta WHERE key = 'last_entry_id'") }
                if let latest {
                    try Self.setMeta(db, "latest_wall", latest.0)
                    try Self.setMeta(db, "latest_counter", latest.1)
                }
                return .commit
            }
        }
    }

    /// One record's rows in every table.
    private static func insert(_ record: IndexedEntry, into db: Database) throws {
        guard let entry = record.entry else {
            try db.cachedStatement(sql: "INSERT INTO entries(ordinal) VALUES (?)").execute(arguments: [record.ordinal])
            return
        }
        let author = Data(entry.author.bytes), id = Data(entry.id.bytes), sequence = Int64(bitPattern: entry.sequence)
        try db.cachedStatement(sql: "INSERT INTO entries(ordinal, id, author, sequence, kind, wall, counter) VALUES (?, ?, ?, ?, ?, ?, ?)")
            .execute(arguments: [record.ordinal, id, author, sequence, entry.kind,
                                 Int64(bitPattern: entry.timestamp.wallMillis), Int64(entry.timestamp.counter)])
        try db.cachedStatement(sql: """
            INSERT INTO authors(author, next_sequence, entries) VALUES (?, ?, 1)
            ON CONFLICT(author) DO UPDATE SET next_sequence = max(next_sequence, excluded.next_sequence), entries = entries + 1
            """).execute(arguments: [author, Int64(bitPattern: entry.sequence &+ 1)])
        for link in entry.links {
            try db.cachedStatement(sql: "DELETE FROM heads WHERE author = ? AND id = ?").execute(arguments: [author, Data(link.bytes)])
        }
        try db.cachedStatement(sql: "INSERT OR IGNORE INTO heads(author, id) VALUES (?, ?)").execute(arguments: [author, id])
        let atPosition = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT count(*) FROM entries WHERE author = ? AND sequence = ?"), arguments: [author, sequence]) ?? 0
        if atPosition > 1 {
            try db.cachedStatement(sql: "INSERT INTO forks(author, sequence, found) VALUES (?, ?, ?) ON CONFLICT(author, sequence) DO UPDATE SET found = excluded.found")
                .execute(arguments: [author, sequence, record.ordinal])
        }
        try db.cachedStatement(sql: "INSERT INTO kinds(kind, entries) VALUES (?, 1) ON CONFLICT(kind) DO UPDATE SET entries = entries + 1")
            .execute(arguments: [entry.kind])
        switch entry.kind {
        case ConsentVersionPayload.kind: try insertConsentVersion(entry, ordinal: record.ordinal, into: db)
        case AccessDecisionPayload.kind: try insertDecision(entry, ordinal: record.ordinal, into: db)
        default: break
        }
    }

    /// A consent version: its row, and the consent's heads under the rule of Specs/consent.md §5.1
    /// (the versions no known version supersedes).
    private static func insertConsentVersion(_ entry: Entry, ordinal: Int, into db: Database) throws {
        let id = Data(entry.id.bytes)
        let content: ConsentVersionContent
        do {
            content = try ConsentVersionPayload.decode(entry.payload)
        } catch {
            try db.cachedStatement(sql: "INSERT INTO consent_undecodable(ordinal, id) VALUES (?, ?)").execute(arguments: [ordinal, id])
            return
        }
        let patient = Data(content.key.patient.value.bytes), consent = content.key.consentId
        try db.cachedStatement(sql: "INSERT INTO consent_versions(ordinal, id, patient, consent_id, status, date_time) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [ordinal, id, patient, consent, content.status.rawValue, content.dateTime])
        let superseded = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT count(*) FROM consent_supersedes WHERE patient = ? AND consent_id = ? AND id = ?"),
            arguments: [patient, consent, id]) ?? 0
        if superseded == 0 {
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO consent_heads(patient, consent_id, id) VALUES (?, ?, ?)")
                .execute(arguments: [patient, consent, id])
        }
        for old in content.supersedes {
            let oldID = Data(old.bytes)
            try db.cachedStatement(sql: "INSERT OR IGNORE INTO consent_supersedes(patient, consent_id, id) VALUES (?, ?, ?)")
                .execute(arguments: [patient, consent, oldID])
            try db.cachedStatement(sql: "DELETE FROM consent_heads WHERE patient = ? AND consent_id = ? AND id = ?")
                .execute(arguments: [patient, consent, oldID])
        }
        let heads = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT count(*) FROM consent_heads WHERE patient = ? AND consent_id = ?"), arguments: [patient, consent]) ?? 0
        try db.cachedStatement(sql: "INSERT INTO consents(patient, consent_id, heads) VALUES (?, ?, ?) ON CONFLICT(patient, consent_id) DO UPDATE SET heads = excluded.heads")
            .execute(arguments: [patient, consent, heads])
    }

    /// An access decision: who asked about whom, when, and the answer.
    private static func insertDecision(_ entry: Entry, ordinal: Int, into db: Database) throws {
        guard let decision = try? AccessDecisionPayload.decode(entry.payload) else { return }
        try db.cachedStatement(sql: "INSERT INTO decisions(ordinal, patient, actor, time, outcome, emergency) VALUES (?, ?, ?, ?, ?, ?)")
            .execute(arguments: [ordinal, Data(decision.request.patient.value.bytes), decision.request.actor, decision.request.time,
                                 decision.outcome.rawValue, decision.emergency])
    }
}
