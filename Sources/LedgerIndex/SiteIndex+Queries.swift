import Foundation
import GRDB
import LedgerConsent
import LedgerCore

extension SiteIndex {
    /// Ordinals of the patient's `consent.version` entries below `end` (a snapshot's size), in log order.
    public func consentVersionOrdinals(patient: PatientPseudonym, below end: Int) throws -> [Int] {
        try read { db in
            // Cached: a consult asks this for every patient it loads.
            try Int.fetchAll(db.cachedStatement(sql: "SELECT ordinal FROM consent_versions WHERE patient = ? AND ordinal < ? ORDER BY ordinal"),
                             arguments: [Data(patient.value.bytes), end])
        }
    }

    /// Patients with at least one consent that has more than one head (an open conflict).
    ///
    /// Read through the partial index of conflicted consents: without statistics SQLite's
    /// planner otherwise walks the whole `consents` table in patient order (at 10^6 entries
    /// 1,500 pages for `status` and `conflicts`, which usually find none).
    public func conflictedPatients() throws -> [PatientPseudonym] {
        try read { db in
            try Data.fetchAll(db, sql: "SELECT DISTINCT patient FROM consents INDEXED BY consents_conflicted WHERE heads > 1 ORDER BY patient")
                .compactMap { Hash32(bytes: [UInt8]($0)).map(PatientPseudonym.init) }
        }
    }

    /// Ids of `consent.version` entries below `end` whose payload does not decode, in log order.
    public func undecodableConsentVersions(below end: Int) throws -> [Hash32] {
        try read { db in
            try Data.fetchAll(db, sql: "SELECT id FROM consent_undecodable WHERE ordinal < ? ORDER BY ordinal", arguments: [end])
                .compactMap { Hash32(bytes: [UInt8]($0)) }
        }
    }

    /// Ordinals below `end`, of one kind or all, newest first or oldest first, at most `limit`.
    public func ordinals(kind: String?, below end: Int, newestFirst: Bool, limit: Int?) throws -> [Int] {
        let order = newestFirst ? "DESC" : "ASC"
        let bound = limit.map { " LIMIT \($0)" } ?? ""
        return try read { db in
            if let kind {
                return try Int.fetchAll(db, sql: "SELECT ordinal FROM entries WHERE kind = ? AND ordinal < ? ORDER BY ordinal \(order)\(bound)",
                                        arguments: [kind, end])
            }
            return try Int.fetchAll(db, sql: "SELECT ordinal FROM entries WHERE ordinal < ? ORDER BY ordinal \(order)\(bound)", arguments: [end])
        }
    }

    /// Entries per kind, as applied (the counters `stats` shows).
    public func kindCounts() throws -> [String: Int] {
        try read { db in
            var counts: [String: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT kind, entries FROM kinds") { counts[row["kind"]] = row["entries"] }
            return counts
        }
    }
}

extension SiteIndex {
    /// A value cached under `name` for the state `key` describes, or nil when the cached
    /// value is for another state (or there is none). A reset forgets every cached value.
    public func cachedValue(_ name: String, for key: Data) throws -> Data? {
        try read { db in
            guard try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: ["cache." + name + ".key"]) == key else { return nil }
            return try Data.fetchOne(db, sql: "SELECT value FROM meta WHERE key = ?", arguments: ["cache." + name])
        }
    }

    /// Caches `value` under `name` for the state `key` describes.
    public func cache(_ value: Data, as name: String, for key: Data) throws {
        wrote.withLock { $0 = true }
        try pool.writeWithoutTransaction { db in
            try db.inTransaction(.immediate) {
                try Self.setMeta(db, "cache." + name, value)
                try Self.setMeta(db, "cache." + name + ".key", key)
                return .commit
            }
        }
    }
}
