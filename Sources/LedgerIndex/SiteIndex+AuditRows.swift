import Foundation
import GRDB
import LedgerConsent
import LedgerCore

/// A `consent.version` entry as the derived-state database holds it: what the audit
/// report's conflict timeline needs, without reading the entry.
public struct IndexedConsentVersion: Sendable, Equatable {
    /// The entry's log ordinal.
    public var ordinal: Int
    /// The entry's id.
    public var id: Hash32
    /// The entry's timestamp.
    public var time: HybridTimestamp
    /// The consent the version belongs to.
    public var key: ConsentKey
    /// The versions it supersedes, in the payload's order.
    public var supersedes: [Hash32]
}

/// An `access.decision` entry as the derived-state database holds it.
public struct IndexedDecision: Sendable, Equatable {
    /// The entry's log ordinal.
    public var ordinal: Int
    /// The entry's id.
    public var id: Hash32
    /// The site that wrote it.
    public var author: Hash32
    /// The entry's timestamp.
    public var time: HybridTimestamp
    /// Whose data was asked about.
    public var patient: PatientPseudonym
    /// Who asked.
    public var actor: String
    /// The purpose of use (a v3-ActReason code).
    public var purpose: String
    /// The request's time, ms since the epoch.
    public var requestTime: Int64
    /// `permit` or `deny`.
    public var outcome: AccessOutcome
    /// Whether it was a break-glass decision.
    public var emergency: Bool
}

extension SiteIndex {
    /// The decodable consent versions below `end` (a snapshot's size), in log order; with
    /// `sharingConsent`, only those whose consent has another version below `end` (a
    /// consent's only version never opens a conflict, and most consents have one).
    /// - Throws: the database's errors.
    public func consentVersions(below end: Int, sharingConsent: Bool = false) throws -> [IndexedConsentVersion] {
        let shared = sharingConsent ? """
             AND (v.patient, v.consent_id) IN (SELECT patient, consent_id FROM consent_versions WHERE ordinal < ?1
                                             GROUP BY patient, consent_id HAVING count(*) > 1)
            """ : ""
        return try read { db in
            var versions: [IndexedConsentVersion] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT v.ordinal, v.id, v.patient, v.consent_id, v.supersedes, e.wall, e.counter
                FROM consent_versions v JOIN entries e ON e.ordinal = v.ordinal WHERE v.ordinal < ?1\(shared) ORDER BY v.ordinal
                """, arguments: [end])
            while let row = try rows.next() {
                let id: Data = row[1], patient: Data = row[2], supersedes: Data = row[4]
                guard let id = Hash32(bytes: [UInt8](id)), let patient = Hash32(bytes: [UInt8](patient)) else { continue }
                let wall: Int64 = row[5], counter: Int64 = row[6]
                versions.append(IndexedConsentVersion(
                    ordinal: row[0], id: id, time: HybridTimestamp(wallMillis: UInt64(bitPattern: wall), counter: UInt32(truncatingIfNeeded: counter)),
                    key: ConsentKey(patient: PatientPseudonym(patient), consentId: row[3]), supersedes: Self.hashes(supersedes)))
            }
            return versions
        }
    }

    /// Every decodable access decision below `end`, in log order.
    /// - Throws: the database's errors.
    public func decisions(below end: Int) throws -> [IndexedDecision] {
        try read { db in
            var decisions: [IndexedDecision] = []
            let rows = try Row.fetchCursor(db, sql: """
                SELECT d.ordinal, e.id, e.author, e.wall, e.counter, d.patient, d.actor, d.purpose, d.time, d.outcome, d.emergency
                FROM decisions d JOIN entries e ON e.ordinal = d.ordinal WHERE d.ordinal < ? ORDER BY d.ordinal
                """, arguments: [end])
            while let row = try rows.next() {
                let id: Data = row[1], author: Data = row[2], patient: Data = row[5], outcome: String = row[9]
                guard let id = Hash32(bytes: [UInt8](id)), let author = Hash32(bytes: [UInt8](author)),
                      let patient = Hash32(bytes: [UInt8](patient)), let outcome = AccessOutcome(rawValue: outcome) else { continue }
                let wall: Int64 = row[3], counter: Int64 = row[4]
                decisions.append(IndexedDecision(
                    ordinal: row[0], id: id, author: author,
                    time: HybridTimestamp(wallMillis: UInt64(bitPattern: wall), counter: UInt32(truncatingIfNeeded: counter)),
                    patient: PatientPseudonym(patient), actor: row[6], purpose: row[7], requestTime: row[8], outcome: outcome, emergency: row[10]))
            }
            return decisions
        }
    }

    /// Entries of `kind` below `end`.
    /// - Throws: the database's errors.
    public func entryCount(kind: String, below end: Int) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM entries WHERE kind = ? AND ordinal < ?", arguments: [kind, end]) ?? 0
        }
    }

    /// Consent versions below `end` whose payload does not decode.
    /// - Throws: the database's errors.
    public func undecodableConsentVersionCount(below end: Int) throws -> Int {
        try read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM consent_undecodable WHERE ordinal < ?", arguments: [end]) ?? 0
        }
    }

    /// A blob of concatenated 32-byte hashes, split.
    static func hashes(_ blob: Data) -> [Hash32] {
        let bytes = [UInt8](blob)
        return stride(from: 0, to: bytes.count - bytes.count % 32, by: 32).compactMap { Hash32(bytes: Array(bytes[$0..<$0 + 32])) }
    }
}
