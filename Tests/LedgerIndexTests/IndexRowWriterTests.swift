import Foundation
import GRDB
@testable import LedgerIndex
import LedgerCore
import LedgerSite
import Testing
import TestSupport

/// The index's per-record writes (Specs/static-log.md §11.3): statements bound through
/// SQLite's C API, and the look-ups a consent's first version skips, must leave exactly the
/// rows the GRDB-bound statements and the full look-ups leave.
@Suite("The index's row writer and first-version consent rows")
struct IndexRowWriterTests {
    @Test("the row writer binds integers, hashes, empty and non-empty blobs and text, nil and booleans as GRDB binds the same Swift values")
    func bindsAsGRDB() throws {
        let queue = try DatabaseQueue()
        let hash = try #require(Hash32(hex: String(repeating: "0a1b2c3d", count: 8)))
        try queue.inDatabase { db in
            try db.execute(sql: "CREATE TABLE t(k INTEGER PRIMARY KEY, a, b, c, d, e, f, g, h, i)")
            let sql = "INSERT INTO t(k, a, b, c, d, e, f, g, h, i) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
            try db.execute(sql: sql, arguments: [1, Int64.min, Data(hash.bytes), Data(), Data([0, 255, 7]), "", "héllo ✓", nil as String?, true, nil as Int64?])
            let rows = try RowWriter(db)
            // Statements of a table of the test's own, in two of the writer's slots.
            let insert = RowSQL(slot: 0, text: sql), insertKey = RowSQL(slot: 1, text: "INSERT INTO t(k) VALUES (?)")
            try rows.run(insert) {
                $0.int(2); $0.int(Int64.min); $0.hash(hash); $0.blob([]); $0.blob([0, 255, 7]); $0.text("")
                $0.text("héllo ✓"); $0.text(nil as String?); $0.bool(true); $0.int(nil as Int64?)
            }
            let columns = ["a", "b", "c", "d", "e", "f", "g", "h", "i"]
            let described = columns.map { "typeof(\($0)) || ':' || quote(\($0))" }.joined(separator: ", ")
            let grdb = try Row.fetchOne(db, sql: "SELECT \(described) FROM t WHERE k = 1")
            let raw = try Row.fetchOne(db, sql: "SELECT \(described) FROM t WHERE k = 2")
            #expect(grdb == raw)
            #expect(try String.fetchOne(db, sql: "SELECT typeof(c) || length(c) FROM t WHERE k = 2") == "blob0")
            // A constraint the statement breaks is thrown with SQLite's code, and the statement runs again after it.
            #expect(throws: DatabaseError.self) { try rows.run(insertKey) { $0.int(1) } }
            try rows.run(insertKey) { $0.int(3) }
            #expect(try Int.fetchOne(db, sql: "SELECT count(*) FROM t") == 3)
        }
    }

    @Test("each per-record statement has its own slot, its place in the list, and its own SQL; each prepares on the index's schema")
    func rowStatementsHaveDistinctSlots() throws {
        let all = IndexRowSQL.all
        #expect(all.map(\.slot) == Array(0..<all.count))
        #expect(Set(all.map(\.text)).count == all.count)
        let network = try IndexedNetwork()
        let ledger = try network.openCentral()
        let index = try #require(try ledger.currentIndex())
        try index.pool.writeWithoutTransaction { db in
            for sql in all { _ = try db.makeStatement(sql: sql.text) }
        }
    }

    @Test("a statement run by its slot binds as GRDB runs its text, fails on a broken constraint and runs again after it")
    func slotStatementsRunAsTextOnes() throws {
        let queue = try DatabaseQueue()
        let hash = try #require(Hash32(hex: String(repeating: "0a1b2c3d", count: 8)))
        try queue.inDatabase { db in
            try db.execute(sql: "CREATE TABLE consent_undecodable(ordinal INTEGER PRIMARY KEY, id BLOB NOT NULL)")
            let rows = try RowWriter(db)
            try rows.run(IndexRowSQL.consentUndecodable) { $0.int(4); $0.hash(hash) }
            try db.execute(sql: IndexRowSQL.consentUndecodable.text, arguments: [5, Data(hash.bytes)])
            #expect(throws: DatabaseError.self) { try rows.run(IndexRowSQL.consentUndecodable) { $0.int(4); $0.hash(hash) } }
            try rows.run(IndexRowSQL.consentUndecodable) { $0.int(6); $0.hash(hash) }
            let stored = try Row.fetchAll(db, sql: "SELECT ordinal, typeof(id), quote(id) FROM consent_undecodable ORDER BY ordinal")
            #expect(stored.map { $0[0] as Int } == [4, 5, 6])
            #expect(Set(stored.map { $0[2] as String }).count == 1)
            #expect(stored.allSatisfy { ($0[1] as String) == "blob" })
        }
    }

    @Test("after random traffic (first versions, concurrent heads, supersessions), choosing every consent's heads count and current version again with the full look-ups changes no row",
          arguments: [3, 17, 29] as [UInt64])
    func firstVersionRowsEqualFullLookUps(seed: UInt64) throws {
        let network = try IndexedNetwork()
        var generator = SeededGenerator(seed: seed)
        try network.randomTraffic(steps: 60, generator: &generator)
        let ledger = try network.openCentral()
        let index = try #require(try ledger.currentIndex())
        func tables() throws -> [[Row]] {
            try index.pool.read { db in
                try [("consents", "1, 2"), ("consent_heads", "1, 2, 3"), ("consent_current", "1, 2"), ("consent_version_counts", "1, 2"),
                     ("consent_actors", "1, 2"), ("consent_purposes", "1, 2, 3")].map {
                    try Row.fetchAll(db, sql: "SELECT * FROM \($0.0) ORDER BY \($0.1)")
                }
            }
        }
        let before = try tables()
        #expect(before[0].count > 2, "seed \(seed): the traffic wrote consents")
        try index.pool.write { db in
            for row in try Row.fetchAll(db, sql: "SELECT patient, consent_id FROM consent_version_counts") {
                let patient: Data = row[0], consent: String = row[1]
                try SiteIndex.refreshCurrentVersion(patient: patient, consentID: consent, in: db)
                let heads = try Int.fetchOne(db, sql: "SELECT count(*) FROM consent_heads WHERE patient = ? AND consent_id = ?", arguments: [patient, consent]) ?? 0
                try db.execute(sql: "UPDATE consents SET heads = ? WHERE patient = ? AND consent_id = ?", arguments: [heads, patient, consent])
            }
        }
        #expect(try tables() == before, "seed \(seed)")
        #expect(ledger.verifyDerivedState() == [], "seed \(seed)")
    }
}
