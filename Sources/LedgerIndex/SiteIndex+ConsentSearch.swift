import Foundation
import GRDB
import LedgerConsent
import LedgerCore

/// The Consent search across patients (Specs/fhir-api.md §4.2; tables of
/// Specs/site-layout.md §9.2, schema 6): each consent's current version with its status and
/// date, and every version's actors and purposes, so that a search by any of them reads the
/// rows it answers through an index instead of the whole consent table.
extension SiteIndex {
    /// The search tables, dropped by a reset with the others.
    static let consentSearchTables = ["consent_current", "consent_actors", "consent_purposes"]

    /// Their schema. `consent_current` holds one row per consent: its newest head (latest HLC
    /// time, then version id; Specs/consent.md §5.1) among the versions not void
    /// (Specs/consent.md §5.5, `voided_entries`), as `GET /fhir/Consent/{id}` answers.
    static let consentSearchSchema = [
        "CREATE TABLE consent_current(patient BLOB NOT NULL, consent_id TEXT NOT NULL, ordinal INTEGER NOT NULL, status TEXT NOT NULL, date_time INTEGER, PRIMARY KEY(patient, consent_id)) WITHOUT ROWID",
        "CREATE INDEX consent_current_status ON consent_current(status, patient, consent_id)",
        // With the primary key every index carries, covering for a date search's page and count.
        "CREATE INDEX consent_current_date ON consent_current(date_time, ordinal) WHERE date_time IS NOT NULL",
        "CREATE INDEX consent_current_ordinal ON consent_current(ordinal)",
        // Every version's `provision.actor.reference`, at any nesting level, once per version.
        "CREATE TABLE consent_actors(actor TEXT NOT NULL, ordinal INTEGER NOT NULL, PRIMARY KEY(actor, ordinal)) WITHOUT ROWID",
        // Every version's `provision.purpose` codings, at any level; `system` '' for a coding without one.
        "CREATE TABLE consent_purposes(code TEXT NOT NULL, system TEXT NOT NULL, ordinal INTEGER NOT NULL, PRIMARY KEY(code, system, ordinal)) WITHOUT ROWID",
    ]

    /// The search rows of the version at `ordinal` (already in `consent_versions`): its actors
    /// and purposes, each once. The caller then chooses the consent's current version again.
    static func indexConsentSearchRows(_ content: ConsentVersionContent, ordinal: Int, rows: RowWriter) throws {
        var actors = Set<String>(), purposes = Set<[String]>()
        content.provision?.visit { provision in
            for actor in provision.actors { actors.insert(actor.reference) }
            for coding in provision.purposes { purposes.insert([coding.code, coding.system ?? ""]) }
        }
        for actor in actors {
            try rows.run(IndexRowSQL.consentActor) { $0.text(actor); $0.int(ordinal) }
        }
        for purpose in purposes {
            try rows.run(IndexRowSQL.consentPurpose) {
                $0.text(purpose[0]); $0.text(purpose[1]); $0.int(ordinal)
            }
        }
    }

    /// Writes a consent's current version: patient, consent id, ordinal, status, date.
    static let currentVersionUpsert = """
        INSERT INTO consent_current(patient, consent_id, ordinal, status, date_time) VALUES (?, ?, ?, ?, ?)
        ON CONFLICT(patient, consent_id) DO UPDATE SET ordinal = excluded.ordinal, status = excluded.status, date_time = excluded.date_time
        """

    /// Chooses the consent's current version again from its versions (a patient's, few): the
    /// heads among the versions not void — a void version and its `supersedes` edges leave, so
    /// what it superseded is a head again (Specs/consent.md §5.5) — and of those the newest
    /// (latest HLC time, then version id), as the consent engine does; no row when every
    /// version is void.
    static func refreshCurrentVersion(patient: Data, consentID: String, in db: Database) throws {
        let versions = try Row.fetchAll(db.cachedStatement(sql: """
            SELECT v.ordinal, v.id, v.status, v.date_time, v.supersedes, e.wall, e.counter FROM consent_versions v JOIN entries e ON e.ordinal = v.ordinal
            WHERE v.patient = ? AND v.consent_id = ? AND NOT EXISTS (SELECT 1 FROM voided_entries x WHERE x.id = v.id)
            """), arguments: [patient, consentID])
        let superseded = Set(versions.flatMap { hashes($0["supersedes"]).map { Data($0.bytes) } })
        func later(_ a: Row, _ b: Row) -> Bool {
            let ta = (UInt64(bitPattern: a["wall"] as Int64), a["counter"] as Int64), tb = (UInt64(bitPattern: b["wall"] as Int64), b["counter"] as Int64)
            if ta != tb { return ta > tb }
            return (b["id"] as Data).lexicographicallyPrecedes(a["id"] as Data)
        }
        let heads = versions.filter { !superseded.contains($0["id"] as Data) }
        guard let newest = heads.max(by: { later($1, $0) }) else {
            try db.cachedStatement(sql: "DELETE FROM consent_current WHERE patient = ? AND consent_id = ?").execute(arguments: [patient, consentID])
            return
        }
        try db.cachedStatement(sql: currentVersionUpsert).execute(arguments: [patient, consentID, newest["ordinal"] as Int, newest["status"] as String, newest["date_time"] as Int64?])
    }

    /// Which consents a search wants (Specs/fhir-api.md §4.2): every member given must hold
    /// for the consent's current version.
    public struct ConsentSearchFilter: Sendable, Equatable {
        /// Whose consents.
        public var patient: PatientPseudonym?
        /// `Consent.status`, exactly.
        public var status: String?
        /// `Consent.dateTime`, ms since the epoch, at least this.
        public var earliest: Int64?
        /// `Consent.dateTime` at most this.
        public var latest: Int64?
        /// A `provision.actor.reference` at any level, exactly.
        public var actor: String?
        /// A `provision.purpose` code at any level.
        public var purposeCode: String?
        /// With ``purposeCode``: nil any system, `.some(nil)` a coding without one, else that system.
        public var purposeSystem: String??

        /// A filter; nil members match everything.
        public init(patient: PatientPseudonym? = nil, status: String? = nil, earliest: Int64? = nil, latest: Int64? = nil,
                    actor: String? = nil, purposeCode: String? = nil, purposeSystem: String?? = nil) {
            self.patient = patient
            self.status = status
            self.earliest = earliest
            self.latest = latest
            self.actor = actor
            self.purposeCode = purposeCode
            self.purposeSystem = purposeSystem
        }

        /// The WHERE clause over `consent_current c`. With an actor, the status and date terms
        /// are written `+c.…` (no index for them): the planner then starts from the actor's few
        /// versions instead of every consent of a common status (49 → 1.2 ms at 10^5 consents).
        func whereClause() -> (String, StatementArguments) {
            var clauses = ["1"]
            var arguments: StatementArguments = []
            let column = actor == nil ? "c." : "+c."
            if let patient { clauses.append("c.patient = ?"); arguments += [Data(patient.value.bytes)] }
            if let status { clauses.append("\(column)status = ?"); arguments += [status] }
            if let earliest { clauses.append("\(column)date_time >= ?"); arguments += [earliest] }
            if let latest { clauses.append("\(column)date_time <= ?"); arguments += [latest] }
            if let actor { clauses.append("c.ordinal IN (SELECT ordinal FROM consent_actors WHERE actor = ?)"); arguments += [actor] }
            if let purposeCode {
                if case .some(let system) = purposeSystem {
                    clauses.append("c.ordinal IN (SELECT ordinal FROM consent_purposes WHERE code = ? AND system = ?)")
                    arguments += [purposeCode, system ?? ""]
                } else {
                    clauses.append("c.ordinal IN (SELECT ordinal FROM consent_purposes WHERE code = ?)")
                    arguments += [purposeCode]
                }
            }
            return (clauses.joined(separator: " AND "), arguments)
        }

        /// The table as the queries read it. A date bound alone would be read by SQLite's
        /// rule-based planner as a scan in key order (sparing the sort, as it takes a one-sided
        /// range for a quarter of the table); the date index is named then, so the rows read are
        /// the rows that match.
        var source: String {
            let dateOnly = (earliest != nil || latest != nil) && patient == nil && status == nil && actor == nil && purposeCode == nil
            return dateOnly ? "consent_current c INDEXED BY consent_current_date" : "consent_current c"
        }

        /// The page's query: ordered by patient then logical id (bytes), a stable order for paging.
        func pageQuery() -> (String, StatementArguments) {
            let (clause, arguments) = whereClause()
            return ("SELECT c.ordinal FROM \(source) WHERE \(clause) ORDER BY c.patient, c.consent_id LIMIT ? OFFSET ?", arguments)
        }
    }

    /// The log ordinals of the current versions `filter` wants, ordered by patient then
    /// logical id, skipping `offset` and at most `limit`; and how many match in all.
    public func consentSearch(_ filter: ConsentSearchFilter, offset: Int, limit: Int) throws -> (ordinals: [Int], total: Int) {
        let (sql, arguments) = filter.pageQuery()
        let (clause, countArguments) = filter.whereClause()
        return try read { db in
            (try Int.fetchAll(db, sql: sql, arguments: arguments + [limit, offset]),
             try Int.fetchOne(db, sql: "SELECT count(*) FROM \(filter.source) WHERE \(clause)", arguments: countArguments) ?? 0)
        }
    }

    /// SQLite's plans for the page and count queries of `filter` (`EXPLAIN QUERY PLAN`, one line per step):
    /// for the tests and `Specs/fhir-api.md` §4.2, which require no full scan.
    package func consentSearchPlan(_ filter: ConsentSearchFilter) throws -> [String] {
        let (sql, arguments) = filter.pageQuery()
        let (clause, countArguments) = filter.whereClause()
        return try read { db in
            try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql, arguments: arguments + [50, 0]).map { $0["detail"] as String }
                + Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN SELECT count(*) FROM \(filter.source) WHERE \(clause)",
                               arguments: countArguments).map { $0["detail"] as String }
        }
    }
}

extension ConsentProvision {
    /// Calls `body` with this provision and each nested one, depth first.
    func visit(_ body: (ConsentProvision) -> Void) {
        body(self)
        for provision in provisions { provision.visit(body) }
    }
}
