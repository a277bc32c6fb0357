import Foundation
import GRDB
@testable import LedgerIndex
import LedgerCore
import LedgerSite
import Testing
import TestSupport

@Suite("The derived-state database")
struct DerivedStateTests {
    @Test("after random appends, imports, checks and ingests the database equals a fresh rebuild from the log")
    func equalsAFreshReindex() throws {
        var conflictsSeen = 0, permitsSeen = 0
        for seed in [UInt64(1), 7, 42] {
            print("DerivedStateTests seed \(seed)")
            var generator = SeededGenerator(seed: seed)
            let network = try IndexedNetwork()
            try network.randomTraffic(steps: 40, generator: &generator)
            let ledger = try network.openCentral()
            #expect(ledger.verifyDerivedState().isEmpty, "seed \(seed)")
            let answers = try network.answers()
            #expect(answers.conflicts == answers.conflictsFromLog, "seed \(seed)")
            conflictsSeen += answers.conflicts.count
            permitsSeen += answers.decisions.filter { $0.hasPrefix("permit") }.count
        }
        // The traffic is rich enough to matter: conflicts and permits both occur.
        #expect(conflictsSeen > 0)
        #expect(permitsSeen > 0)
    }

    @Test("deleting the database gives identical check, stats and conflicts answers, and any command rebuilds it")
    func deletingTheDatabaseChangesNoAnswer() throws {
        var generator = SeededGenerator(seed: 3)
        let network = try IndexedNetwork()
        try network.randomTraffic(steps: 40, generator: &generator)
        let before = try network.answers()
        SiteIndex.removeFiles(at: SiteLayout(root: network.central).index)
        let after = try network.answers()
        #expect(after == before)
        #expect(FileManager.default.fileExists(atPath: SiteLayout(root: network.central).index))
        #expect(try network.openCentral().verifyDerivedState().isEmpty)
    }

    @Test("a crash between the log's commit and the database's leaves it behind; the next open catches up and answers as before")
    func aDatabaseBehindTheLogIsCaughtUp() throws {
        var generator = SeededGenerator(seed: 11)
        let network = try IndexedNetwork()
        try network.randomTraffic(steps: 15, generator: &generator)
        let path = SiteLayout(root: network.central).index
        // The database as it was: later commits reach the log only, as if each update was lost.
        // (Its WAL folded in first: the writer keeps it, Specs/site-layout.md §9.9.)
        try DamagedIndexTests.foldWAL(path)
        let saved = try Data(contentsOf: URL(fileURLWithPath: path))
        try network.randomTraffic(steps: 25, generator: &generator)
        let expected = try network.answers()
        SiteIndex.removeFiles(at: path)
        try saved.write(to: URL(fileURLWithPath: path))
        let behind = try SiteIndex(path: path).appliedSize()
        #expect(behind < (try network.openCentral().entryCount))
        #expect(try network.answers() == expected)
        #expect(try network.openCentral().verifyDerivedState().isEmpty)
    }

    @Test("a database ahead of the log, or naming another entry at its mark, is rebuilt")
    func aDatabaseAheadOfTheLogIsRebuilt() throws {
        var generator = SeededGenerator(seed: 5)
        let network = try IndexedNetwork()
        try network.randomTraffic(steps: 10, generator: &generator)
        let expected = try network.answers()
        let index = try SiteIndex(path: SiteLayout(root: network.central).index)
        try index.pool.write { db in
            try db.execute(sql: "UPDATE meta SET value = value + 100 WHERE key = 'applied_size'")
        }
        #expect(try network.answers() == expected)
        #expect(try network.openCentral().verifyDerivedState().isEmpty)
    }

    @Test("verify names a planted disagreement by table and ordinal")
    func verifyNamesAPlantedDisagreement() throws {
        var generator = SeededGenerator(seed: 9)
        let network = try IndexedNetwork()
        try network.randomTraffic(steps: 20, generator: &generator)
        let index = try SiteIndex(path: SiteLayout(root: network.central).index)
        let ordinal = try index.pool.write { db -> Int in
            let ordinal = try Int.fetchOne(db, sql: "SELECT max(ordinal) FROM entries WHERE kind = 'note'") ?? 0
            try db.execute(sql: "UPDATE entries SET kind = 'planted' WHERE ordinal = ?", arguments: [ordinal])
            return ordinal
        }
        let faults = try network.openCentral().verifyDerivedState()
        #expect(faults.contains { $0.ordinal == Int64(ordinal) && $0.what.contains("entries row") && $0.what.contains("planted") })
        #expect(faults.allSatisfy { $0.file == "index.sqlite" })
    }
}
