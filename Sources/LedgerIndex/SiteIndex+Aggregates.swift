import Foundation
import GRDB
import LedgerConsent
import LedgerCore

/// Aggregates the audit report reads (Specs/site-layout.md §9.8): counts kept current in the
/// transaction that applies the rows they count, so a report costs what its answer costs,
/// not what the site holds.
extension SiteIndex {
    /// The aggregate tables of schema 4, dropped by a reset.
    static let aggregateTables = ["decision_counts", "consent_version_counts"]

    /// Schema 4's aggregate tables and the partial indexes the report's bounded queries use.
    static let aggregateSchema = [
        // Decodable access decisions per purpose, outcome and break-glass flag.
        "CREATE TABLE decision_counts(purpose TEXT NOT NULL, outcome TEXT NOT NULL, emergency INTEGER NOT NULL, decisions INTEGER NOT NULL, PRIMARY KEY(purpose, outcome, emergency)) WITHOUT ROWID",
        // Break-glass decisions, which the report lists one by one.
        "CREATE INDEX decisions_emergency ON decisions(ordinal) WHERE emergency = 1",
        // Decodable versions per consent; the conflict time line reads only consents with more than one.
        "CREATE TABLE consent_version_counts(patient BLOB NOT NULL, consent_id TEXT NOT NULL, versions INTEGER NOT NULL, PRIMARY KEY(patient, consent_id)) WITHOUT ROWID",
        "CREATE INDEX consent_version_counts_shared ON consent_version_counts(versions) WHERE versions > 1",
    ]

    /// Counts `count` decodable access decisions of one purpose, outcome and flag (inside the
    /// transaction that inserts their rows, once per batch).
    static func countDecisions(purpose: String, outcome: String, emergency: Bool, count: Int64, in db: Database) throws {
        try db.cachedStatement(sql: """
            INSERT INTO decision_counts(purpose, outcome, emergency, decisions) VALUES (?, ?, ?, ?)
            ON CONFLICT(purpose, outcome, emergency) DO UPDATE SET decisions = decisions + excluded.decisions
            """).execute(arguments: [purpose, outcome, emergency, count])
    }

    /// Counts one decodable consent version (inside the transaction that inserts its row),
    /// returning the consent's count with it: 1 for its first version.
    static let countConsentVersionReturning = """
        INSERT INTO consent_version_counts(patient, consent_id, versions) VALUES (?, ?, 1)
        ON CONFLICT(patient, consent_id) DO UPDATE SET versions = versions + 1 RETURNING versions
        """

    /// Decisions of one purpose, outcome and break-glass flag.
    public struct DecisionCount: Sendable, Equatable {
        /// The purpose of use (a v3-ActReason code).
        public var purpose: String
        /// `permit` or `deny`.
        public var outcome: AccessOutcome
        /// Whether these are break-glass decisions.
        public var emergency: Bool
        /// How many.
        public var decisions: Int

        /// A count.
        public init(purpose: String, outcome: AccessOutcome, emergency: Bool, decisions: Int) {
            self.purpose = purpose
            self.outcome = outcome
            self.emergency = emergency
            self.decisions = decisions
        }
    }

    /// What the audit report reads of a snapshot, from the aggregates.
    public struct AuditAggregates: Sendable, Equatable {
        /// Decodable decisions by purpose, outcome and flag, sorted; no zero counts.
        public var decisionCounts: [DecisionCount]
        /// Ordinals of break-glass decisions, in log order.
        public var breakGlassOrdinals: [Int]
        /// `access.decision` entries, decodable or not.
        public var decisionEntries: Int
        /// Versions of consents that have more than one decodable version, in log order.
        public var sharedConsentVersions: [IndexedConsentVersion]
    }

    /// The report's aggregates for the snapshot of `end` records, in one read transaction:
    /// the counts as applied, less the rows at or past `end` (the records another process
    /// applied since this snapshot: a bounded tail). Nil when the database has applied fewer
    /// than `end` records (the caller reads rows instead).
    /// - Throws: the database's errors.
    public func auditAggregates(below end: Int) throws -> AuditAggregates? {
        try read { db -> AuditAggregates? in
            guard let applied: Int = try Self.meta(db, "applied_size"), applied >= end else { return nil }
            var counts: [DecisionKey: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT purpose, outcome, emergency, decisions FROM decision_counts") {
                counts[DecisionKey(purpose: row[0], outcome: row[1], emergency: row[2]), default: 0] += row[3] as Int
            }
            var decisionEntries = try Int.fetchOne(db, sql: "SELECT entries FROM kinds WHERE kind = ?", arguments: [AccessDecisionPayload.kind]) ?? 0
            if applied > end {
                for row in try Row.fetchAll(db, sql: "SELECT purpose, outcome, emergency, count(*) FROM decisions WHERE ordinal >= ? GROUP BY purpose, outcome, emergency",
                                            arguments: [end]) {
                    counts[DecisionKey(purpose: row[0], outcome: row[1], emergency: row[2]), default: 0] -= row[3] as Int
                }
                decisionEntries -= try Int.fetchOne(db, sql: "SELECT count(*) FROM entries WHERE kind = ? AND ordinal >= ?",
                                                    arguments: [AccessDecisionPayload.kind, end]) ?? 0
            }
            let decisionCounts = counts.compactMap { key, count -> DecisionCount? in
                guard count > 0, let outcome = AccessOutcome(rawValue: key.outcome) else { return nil }
                return DecisionCount(purpose: key.purpose, outcome: outcome, emergency: key.emergency, decisions: count)
            }.sorted { ($0.purpose, $0.outcome.rawValue, $0.emergency ? 1 : 0) < ($1.purpose, $1.outcome.rawValue, $1.emergency ? 1 : 0) }
            let breakGlass = try Int.fetchAll(db, sql: "SELECT ordinal FROM decisions WHERE emergency = 1 AND ordinal < ? ORDER BY ordinal",
                                              arguments: [end])
            return AuditAggregates(decisionCounts: decisionCounts, breakGlassOrdinals: breakGlass, decisionEntries: decisionEntries,
                                   sharedConsentVersions: try Self.sharedConsentVersions(db, below: end))
        }
    }

    private struct DecisionKey: Hashable {
        var purpose: String
        var outcome: String
        var emergency: Bool
    }

    /// The versions below `end` of the consents with more than one version below `end`, in
    /// log order: the consents the counts name (a superset once applied past `end`), each
    /// read through the patient's index.
    private static func sharedConsentVersions(_ db: Database, below end: Int) throws -> [IndexedConsentVersion] {
        var versions: [IndexedConsentVersion] = []
        let consents = try Row.fetchAll(db, sql: "SELECT patient, consent_id FROM consent_version_counts WHERE versions > 1")
        let statement = try db.cachedStatement(sql: """
            SELECT v.ordinal, v.id, v.supersedes, e.wall, e.counter FROM consent_versions v JOIN entries e ON e.ordinal = v.ordinal
            WHERE v.patient = ? AND v.consent_id = ? AND v.ordinal < ? ORDER BY v.ordinal
            """)
        for consent in consents {
            let patientBytes: Data = consent[0], consentID: String = consent[1]
            guard let patient = Hash32(bytes: [UInt8](patientBytes)) else { continue }
            let key = ConsentKey(patient: PatientPseudonym(patient), consentId: consentID)
            var own: [IndexedConsentVersion] = []
            let rows = try Row.fetchCursor(statement, arguments: [patientBytes, consentID, end])
            while let row = try rows.next() {
                let id: Data = row[1], supersedes: Data = row[2], wall: Int64 = row[3], counter: Int64 = row[4]
                guard let id = Hash32(bytes: [UInt8](id)) else { continue }
                own.append(IndexedConsentVersion(
                    ordinal: row[0], id: id,
                    time: HybridTimestamp(wallMillis: UInt64(bitPattern: wall), counter: UInt32(truncatingIfNeeded: counter)),
                    key: key, supersedes: hashes(supersedes)))
            }
            if own.count > 1 { versions += own }
        }
        return versions.sorted { $0.ordinal < $1.ordinal }
    }
}
