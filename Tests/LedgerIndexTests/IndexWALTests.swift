import Foundation
@testable import LedgerIndex
import LedgerCore
import LedgerSite
import Testing
import TestSupport

/// The derived-state database's WAL stays between processes (Specs/site-layout.md §9.9).
@Suite("The derived-state database's WAL")
struct IndexWALTests {
    private static func bytes(_ path: String) -> Data? { FileManager.default.contents(atPath: path) }

    @Test("a site opened only to read leaves index.sqlite and its WAL byte for byte as they were, and keeps the WAL")
    func readersWriteNothing() throws {
        var generator = SeededGenerator(seed: 5)
        let network = try IndexedNetwork()
        try network.randomTraffic(steps: 12, generator: &generator)
        let path = SiteLayout(root: network.central).index
        // The writer closed without checkpointing or deleting its WAL.
        #expect((Self.bytes(path + "-wal")?.count ?? 0) > 0)
        let expected = try network.answers()
        let database = Self.bytes(path), wal = Self.bytes(path + "-wal")
        for _ in 0..<3 {
            #expect(try network.answers() == expected)
            #expect(Self.bytes(path) == database)
            #expect(Self.bytes(path + "-wal") == wal)
        }
    }

    @Test("writers checkpoint as they commit, so the WAL stays within its limit and the database file holds most of the data")
    func writersBoundTheWAL() throws {
        let network = try IndexedNetwork()
        do {
            let ledger = try network.openCentral()
            for batch in 0..<24 {
                try ledger.append(kind: "note", payloads: (0..<500).map { Array("{\"batch\":\(batch),\"n\":\($0)}".utf8) })
            }
        }
        let path = SiteLayout(root: network.central).index
        let database = Self.bytes(path)?.count ?? 0, wal = Self.bytes(path + "-wal")?.count ?? 0
        // Without checkpoints the WAL would hold every page written (more than the database),
        // and the database file only its first pages.
        #expect(database > 1 << 20 && database > wal, "database \(database) bytes, WAL \(wal)")
        // At most the checkpoint threshold plus one commit (500 entries: under 128 pages) of
        // 4 KiB pages with their 24-byte frame headers.
        #expect(wal > 0 && wal <= 32 + (SiteIndex.walCheckpointPages + 128) * (4096 + 24), "WAL \(wal) bytes")
        #expect(try network.openCentral().verifyDerivedState().isEmpty)
    }

    @Test("a writer whose big transaction left a WAL past the restart size checkpoints it and leaves a small WAL as it closes")
    func aBigTransactionsWALIsRestartedAtClose() throws {
        let network = try IndexedNetwork()
        let path = SiteLayout(root: network.central).index
        var before = 0
        do {
            let ledger = try network.openCentral()
            // One commit of 20,000 entries: one transaction of more pages than the restart size.
            _ = try ledger.append(kind: "note", payloads: (0..<20_000).map { Array("{\"n\":\($0)}".utf8) })
            before = Self.bytes(path + "-wal")?.count ?? 0
        }
        let after = Self.bytes(path + "-wal")?.count ?? 0
        #expect(before > SiteIndex.walRestartBytes, "WAL \(before) bytes before the close")
        #expect(after > 0 && after < 64 << 10, "WAL \(after) bytes after the close")
        #expect(try network.openCentral().verifyDerivedState().isEmpty)
    }

    @Test("a WAL left without its database (only index.sqlite deleted) is discarded, not replayed into the new one")
    func anOrphanedWALIsDiscarded() throws {
        var generator = SeededGenerator(seed: 9)
        let network = try IndexedNetwork()
        try network.randomTraffic(steps: 12, generator: &generator)
        let expected = try network.answers()
        let path = SiteLayout(root: network.central).index
        try FileManager.default.removeItem(atPath: path)
        #expect(try network.answers() == expected)
        #expect(try network.openCentral().verifyDerivedState().isEmpty)
    }
}
