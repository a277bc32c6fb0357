import Foundation
import GRDB
import LedgerCore

/// One disagreement between a site's derived-state database and the log.
public struct IndexDisagreement: Sendable, Equatable {
    /// The table holding the row.
    public var table: String
    /// The row's log ordinal, when the table has one.
    public var ordinal: Int?
    /// What differs, for people (hashes as hex; never payloads).
    public var what: String
}

extension SiteIndex {
    /// The rows of this database that differ from `fresh` (one rebuilt from the log up to
    /// `mark`), at most one per table and direction (Specs/site-layout.md §9.6); nil when a
    /// writer moved this database past `mark` meanwhile (there is then nothing to compare).
    public func disagreements(with fresh: SiteIndex, at mark: Int) throws -> [IndexDisagreement]? {
        try pool.writeWithoutTransaction { db in
            try db.execute(sql: "ATTACH DATABASE ? AS fresh", arguments: [fresh.path])
            defer { try? db.execute(sql: "DETACH DATABASE fresh") }
            // One read transaction: every table is compared as of one state.
            try db.execute(sql: "BEGIN DEFERRED")
            defer { try? db.execute(sql: "COMMIT") }
            guard try Int.fetchOne(db, sql: "SELECT value FROM main.meta WHERE key = 'applied_size'") == mark else { return nil }
            var found: [IndexDisagreement] = []
            for table in Self.tables where table != "meta" {
                for (left, right, how) in [("main", "fresh", "held but not implied by the log"), ("fresh", "main", "implied by the log but missing")] {
                    let sql = "SELECT * FROM \(left).\(table) EXCEPT SELECT * FROM \(right).\(table) LIMIT 1"
                    guard let row = try Row.fetchOne(db, sql: sql) else { continue }
                    let ordinal: Int? = row.hasColumn("ordinal") ? row["ordinal"] : nil
                    found.append(IndexDisagreement(table: table, ordinal: ordinal, what: "\(table) row \(Self.describe(row)) \(how)"))
                }
            }
            for key in ["applied_size", "last_entry_id", "latest_wall", "latest_counter"] {
                let mine = try DatabaseValue.fetchOne(db, sql: "SELECT value FROM main.meta WHERE key = ?", arguments: [key])
                let theirs = try DatabaseValue.fetchOne(db, sql: "SELECT value FROM fresh.meta WHERE key = ?", arguments: [key])
                if mine != theirs { found.append(IndexDisagreement(table: "meta", ordinal: nil, what: "meta \(key) differs from the log")) }
            }
            return found
        }
    }

    /// A row as `column=value` pairs, blobs as hex.
    private static func describe(_ row: Row) -> String {
        row.columnNames.map { name -> String in
            let value: DatabaseValue = row[name]
            switch value.storage {
            case .blob(let data): return "\(name)=\(data.map { String(format: "%02x", $0) }.joined().prefix(16))"
            case .null: return "\(name)=null"
            case .int64(let int): return "\(name)=\(int)"
            case .double(let double): return "\(name)=\(double)"
            case .string(let string): return "\(name)=\(string)"
            }
        }.joined(separator: " ")
    }
}
