import Foundation
import GRDB
import LedgerConsent
import LedgerCore

/// What the site's HTTP API asks the derived state (Specs/fhir-api.md §3), so a request costs
/// what it answers rather than what the site holds.
extension SiteIndex {
    /// Patients with a `consent.version` of logical id `consentID` below `end`, sorted.
    ///
    /// Costs a scan of the consent-version table (there is no index on the logical id); still
    /// no log read, and a few milliseconds at 10^5 versions.
    public func consentPatients(consentID: String, below end: Int) throws -> [PatientPseudonym] {
        try read { db in
            try Data.fetchAll(db, sql: "SELECT DISTINCT patient FROM consent_versions WHERE consent_id = ? AND ordinal < ? ORDER BY patient",
                              arguments: [consentID, end])
                .compactMap { Hash32(bytes: [UInt8]($0)).map(PatientPseudonym.init) }
        }
    }

    /// Which recorded access decisions a search wants: every member given must hold.
    public struct DecisionFilter: Sendable, Equatable {
        /// Whose data.
        public var patient: PatientPseudonym?
        /// The requester exactly as recorded.
        public var actor: String?
        /// The requester as recorded or the API client's token name (FHIR `agent`).
        public var agent: String?
        /// `permit` or `deny`.
        public var outcome: AccessOutcome?
        /// The entry's HLC wall time, ms since the epoch, at least this.
        public var earliest: Int64?
        /// The entry's HLC wall time at most this.
        public var latest: Int64?

        /// A filter; nil members match everything.
        public init(patient: PatientPseudonym? = nil, actor: String? = nil, agent: String? = nil, outcome: AccessOutcome? = nil,
                    earliest: Int64? = nil, latest: Int64? = nil) {
            self.patient = patient
            self.actor = actor
            self.agent = agent
            self.outcome = outcome
            self.earliest = earliest
            self.latest = latest
        }

        func whereClause(below end: Int) -> (String, StatementArguments) {
            var clauses = ["d.ordinal < ?"]
            var arguments: StatementArguments = [end]
            if let patient { clauses.append("d.patient = ?"); arguments += [Data(patient.value.bytes)] }
            if let actor { clauses.append("d.actor = ?"); arguments += [actor] }
            if let agent { clauses.append("(d.actor = ? OR d.client = ?)"); arguments += [agent, agent] }
            if let outcome { clauses.append("d.outcome = ?"); arguments += [outcome.rawValue] }
            if let earliest { clauses.append("e.wall >= ?"); arguments += [earliest] }
            if let latest { clauses.append("e.wall <= ?"); arguments += [latest] }
            return (clauses.joined(separator: " AND "), arguments)
        }
    }

    /// Ordinals of the `access.decision` entries below `end` that `filter` wants, newest first,
    /// skipping `offset` and at most `limit` (nil: all).
    public func decisionOrdinals(_ filter: DecisionFilter, below end: Int, offset: Int = 0, limit: Int? = nil) throws -> [Int] {
        let (clause, arguments) = filter.whereClause(below: end)
        return try read { db in
            try Int.fetchAll(db, sql: """
                SELECT d.ordinal FROM decisions d JOIN entries e ON e.ordinal = d.ordinal WHERE \(clause)
                ORDER BY d.ordinal DESC LIMIT ? OFFSET ?
                """, arguments: arguments + [limit ?? -1, offset])
        }
    }

    /// How many `access.decision` entries below `end` `filter` wants.
    public func decisionCount(_ filter: DecisionFilter, below end: Int) throws -> Int {
        let (clause, arguments) = filter.whereClause(below: end)
        return try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM decisions d JOIN entries e ON e.ordinal = d.ordinal WHERE \(clause)",
                             arguments: arguments) ?? 0
        }
    }
}
