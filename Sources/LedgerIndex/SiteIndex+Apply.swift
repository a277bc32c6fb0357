import Foundation
import GRDB
import LedgerConsent
import LedgerCore

extension SiteIndex {
    /// Applies committed records in one immediate transaction (Specs/site-layout.md §9.3):
    /// records below the mark are skipped, a batch that starts past the mark changes nothing.
    ///
    /// Per-author state (heads, next sequence, entry count) and kind counters are read once
    /// per touched author or kind, updated in memory and written once per batch; a record
    /// costs one `entries` row (plus its consent or decision rows). When the batch applies a
    /// record, `voided` replaces the entries held as void first (``takeVoided(_:in:)``), so the
    /// batch's consent versions are indexed under it.
    public func apply(_ entries: [IndexedEntry], voided: Set<Hash32>) throws {
        guard !entries.isEmpty else { return }
        wrote.withLock { $0 = true }
        let known = knownDecisions.withLock { $0 }
        let knownVersions = knownConsentVersions.withLock { $0 }
        var committed: Int?
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                guard try (Self.meta(db, "schema") as Int?) == Self.schemaVersion else { return .rollback }
                var mark: Int = try Self.meta(db, "applied_size") ?? 0
                defer { committed = mark }
                // Only an applier whose batch reaches the mark has a charter that covers the new mark.
                guard entries.first(where: { $0.ordinal >= mark })?.ordinal == mark else { return .commit }
                try Self.takeVoided(voided, in: db)
                var latest: (Int64, Int64)?
                if let wall: Int64 = try Self.meta(db, "latest_wall"), let counter: Int64 = try Self.meta(db, "latest_counter") {
                    latest = (wall, counter)
                }
                var batch = Batch(knownDecisions: known, knownConsentVersions: knownVersions, voided: voided)
                let rows = try RowWriter(db)
                var lastID: Hash32?
                for record in entries where record.ordinal >= mark {
                    guard record.ordinal == mark else { break }
                    try Self.insert(record, into: db, rows: rows, batch: &batch)
                    mark += 1
                    lastID = record.entry?.id
                    if let entry = record.entry {
                        let time = (Int64(entry.timestamp.wallMillis), Int64(entry.timestamp.counter))
                        if latest.map({ time > $0 }) ?? true { latest = time }
                    }
                }
                try batch.store(in: db)
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
        // Only once the transaction committed (a throw above leaves the last known mark).
        if let committed { committedMark.withLock { $0 = committed } }
    }

    /// One author's row and heads as a batch changes them.
    struct AuthorState {
        var nextSequence: Int64
        var entries: Int64
        var heads: Set<Hash32>
        let headsBefore: Set<Hash32>

        /// Takes in one entry of the author: next sequence, count, heads.
        mutating func record(_ entry: Entry) {
            nextSequence = Int64(bitPattern: max(UInt64(bitPattern: nextSequence), entry.sequence &+ 1))
            entries += 1
            for link in entry.links { heads.remove(link) }
            heads.insert(entry.id)
        }
    }

    /// Runs `body` (which applies entries through this index) telling ``apply(_:voided:)``
    /// what the `access.decision` payloads in `known` decode to, so it does not parse them
    /// again (Specs/fhir-api.md §4.3: the group commit's own decisions).
    ///
    /// The caller vouches that each payload is `AccessDecisionPayload.encode` of its decision
    /// and that the decision decodes back (``AccessDecisionPayload/decodes(_:)``): the rows are
    /// then exactly those the payload's decoding gives. A payload not in `known` is decoded.
    public func applying<T>(knownDecisions known: [[UInt8]: AccessDecision], _ body: () throws -> T) rethrows -> T {
        let keyed = Dictionary(known.map { (PayloadKey($0.key), $0.value) }, uniquingKeysWith: { first, _ in first })
        knownDecisions.withLock { $0 = keyed }
        defer { knownDecisions.withLock { $0 = [:] } }
        return try body()
    }

    /// One row of `decision_counts`.
    struct DecisionCountKey: Hashable {
        let purpose: String, outcome: String, emergency: Bool
    }

    /// What a batch changes in the per-author and per-kind tables, written at its end.
    struct Batch {
        var authors: [Hash32: AuthorState] = [:]
        var kinds: [String: Int64] = [:]
        /// Decisions counted by the batch, added to `decision_counts` once at its end.
        var decisionCounts: [DecisionCountKey: Int64] = [:]
        /// ``SiteIndex/applying(knownDecisions:_:)``'s decisions.
        var knownDecisions: [PayloadKey: AccessDecision] = [:]
        /// ``SiteIndex/applying(decoded:_:)``'s consent versions.
        var knownConsentVersions: [PayloadKey: ConsentVersionContent] = [:]
        /// The entries held as void (``SiteIndex/takeVoided(_:in:)`` made `voided_entries` this set).
        var voided: Set<Hash32> = []

        /// The author's state, read from the database the first time the batch touches it.
        mutating func author(_ author: Hash32, in db: Database) throws -> AuthorState {
            if let state = authors[author] { return state }
            let key = Data(author.bytes)
            let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT next_sequence, entries FROM authors WHERE author = ?"), arguments: [key])
            // Ids are written 32 bytes long, so every stored head reads back as a hash.
            let heads = Set(try Data.fetchAll(db.cachedStatement(sql: "SELECT id FROM heads WHERE author = ?"), arguments: [key])
                .compactMap { Hash32(bytes: $0) })
            let state = AuthorState(nextSequence: row?["next_sequence"] ?? 0, entries: row?["entries"] ?? 0, heads: heads, headsBefore: heads)
            authors[author] = state
            return state
        }

        func store(in db: Database) throws {
            for (author, state) in authors {
                let key = Data(author.bytes)
                try db.cachedStatement(sql: "INSERT INTO authors(author, next_sequence, entries) VALUES (?, ?, ?) ON CONFLICT(author) DO UPDATE SET next_sequence = excluded.next_sequence, entries = excluded.entries")
                    .execute(arguments: [key, state.nextSequence, state.entries])
                for gone in state.headsBefore.subtracting(state.heads) {
                    try db.cachedStatement(sql: "DELETE FROM heads WHERE author = ? AND id = ?").execute(arguments: [key, Data(gone.bytes)])
                }
                for new in state.heads.subtracting(state.headsBefore) {
                    try db.cachedStatement(sql: "INSERT OR IGNORE INTO heads(author, id) VALUES (?, ?)").execute(arguments: [key, Data(new.bytes)])
                }
            }
            for (kind, count) in kinds {
                try db.cachedStatement(sql: "INSERT INTO kinds(kind, entries) VALUES (?, ?) ON CONFLICT(kind) DO UPDATE SET entries = entries + excluded.entries")
                    .execute(arguments: [kind, count])
            }
            for (key, count) in decisionCounts {
                try SiteIndex.countDecisions(purpose: key.purpose, outcome: key.outcome, emergency: key.emergency, count: count, in: db)
            }
        }
    }

    /// One record's rows: `entries` now, the author's and kind's changes into `batch`.
    private static func insert(_ record: IndexedEntry, into db: Database, rows: RowWriter, batch: inout Batch) throws {
        guard let entry = record.entry else {
            try rows.run(IndexRowSQL.undecodableEntry) { $0.int(record.ordinal) }
            return
        }
        let sequence = Int64(bitPattern: entry.sequence)
        try rows.run(IndexRowSQL.entry) {
            $0.int(record.ordinal); $0.hash(entry.id); $0.hash(entry.author); $0.int(sequence); $0.text(entry.kind)
            $0.int(Int64(bitPattern: entry.timestamp.wallMillis)); $0.int(Int64(entry.timestamp.counter))
        }
        let nextSequence = try batch.author(entry.author, in: db).nextSequence
        // Only a position already reached can hold a second entry.
        if UInt64(bitPattern: sequence) < UInt64(bitPattern: nextSequence) {
            let author = Data(entry.author.bytes)
            let atPosition = try Int.fetchOne(
                db.cachedStatement(sql: "SELECT count(*) FROM entries WHERE author = ? AND sequence = ?"), arguments: [author, sequence]) ?? 0
            if atPosition > 1 {
                try db.cachedStatement(sql: "INSERT INTO forks(author, sequence, found) VALUES (?, ?, ?) ON CONFLICT(author, sequence) DO UPDATE SET found = excluded.found")
                    .execute(arguments: [author, sequence, record.ordinal])
            }
        }
        // In place: a copy taken out and put back would copy the heads' set every record.
        batch.authors[entry.author]?.record(entry)
        batch.kinds[entry.kind, default: 0] += 1
        switch entry.kind {
        case ConsentVersionPayload.kind:
            try insertConsentVersion(entry, known: batch.knownConsentVersions[PayloadKey(entry.payload)], ordinal: record.ordinal, into: db, rows: rows, voided: batch.voided)
        case AccessDecisionPayload.kind: try insertDecision(entry, ordinal: record.ordinal, rows: rows, batch: &batch)
        default: break
        }
    }

    /// A consent version: its row, and the consent's heads under the rule of Specs/consent.md §5.1
    /// (the versions no known version supersedes).
    ///
    /// The first version of a consent that supersedes nothing (every version of a catch-up's
    /// typical consent) skips the look-ups: no row of `consent_supersedes` or `consent_heads`
    /// names a consent before its first version, so the version is the one head, and the
    /// current version unless it is void (`voided`, the set `voided_entries` holds in this
    /// transaction) — the rows ``refreshCurrentVersion(patient:consentID:in:)`` would write.
    /// `known`: the payload's decoding when it was decoded ahead (``applying(decoded:_:)``).
    private static func insertConsentVersion(_ entry: Entry, known: ConsentVersionContent?, ordinal: Int, into db: Database,
                                             rows: RowWriter, voided: Set<Hash32>) throws {
        let content: ConsentVersionContent
        do {
            content = try known ?? ConsentVersionPayload.decode(entry.payload)
        } catch {
            try rows.run(IndexRowSQL.consentUndecodable) { $0.int(ordinal); $0.hash(entry.id) }
            return
        }
        let patientHash = content.key.patient.value, consent = content.key.consentId
        var supersedes: [UInt8] = []
        supersedes.reserveCapacity(32 * content.supersedes.count)
        for old in content.supersedes { old.append(to: &supersedes) }
        try rows.run(IndexRowSQL.consentVersion) {
            $0.int(ordinal); $0.hash(entry.id); $0.hash(patientHash); $0.text(consent); $0.text(content.status.rawValue)
            $0.int(content.dateTime); $0.blob(supersedes)
        }
        // Counted, learning whether it is the consent's first version.
        let versions = try rows.runReturningInteger(IndexRowSQL.countConsentVersion) { $0.hash(patientHash); $0.text(consent) } ?? 0
        if versions == 1 && content.supersedes.isEmpty {
            try rows.run(IndexRowSQL.consentHead) {
                $0.hash(patientHash); $0.text(consent); $0.hash(entry.id)
            }
            try rows.run(IndexRowSQL.consentOneHead) {
                $0.hash(patientHash); $0.text(consent)
            }
            try indexConsentSearchRows(content, ordinal: ordinal, rows: rows)
            if voided.contains(entry.id) {
                try rows.run(IndexRowSQL.deleteCurrentVersion) { $0.hash(patientHash); $0.text(consent) }
            } else {
                try rows.run(IndexRowSQL.currentVersion) {
                    $0.hash(patientHash); $0.text(consent); $0.int(ordinal); $0.text(content.status.rawValue); $0.int(content.dateTime)
                }
            }
            return
        }
        let patient = Data(patientHash.bytes), id = Data(entry.id.bytes)
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
        try indexConsentSearchRows(content, ordinal: ordinal, rows: rows)
        try refreshCurrentVersion(patient: patient, consentID: consent, in: db)
    }

    /// An access decision: who asked about whom, when, and the answer; counted in `batch`.
    private static func insertDecision(_ entry: Entry, ordinal: Int, rows: RowWriter, batch: inout Batch) throws {
        guard let decision = batch.knownDecisions[PayloadKey(entry.payload)] ?? (try? AccessDecisionPayload.decode(entry.payload)) else { return }
        try rows.run(IndexRowSQL.decision) {
            $0.int(ordinal); $0.hash(decision.request.patient.value); $0.text(decision.request.actor); $0.int(decision.request.time)
            $0.text(decision.outcome.rawValue); $0.bool(decision.emergency); $0.text(decision.request.purpose); $0.text(decision.request.client)
        }
        batch.decisionCounts[DecisionCountKey(purpose: decision.request.purpose, outcome: decision.outcome.rawValue, emergency: decision.emergency), default: 0] += 1
    }
}
