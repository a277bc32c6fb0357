import Foundation
import GRDB
@testable import LedgerIndex
import LedgerCore
import LedgerSite
import Testing
import TestSupport

/// The derived-state index a catch-up from a mirror leaves behind (Specs/static-log.md §11.3):
/// built under ``SiteIndex/withBulkApply(_:)``, it must be the index a rebuild from the log gives.
@Suite("Static log: the index a catch-up builds")
struct MirrorIndexTests {
    @Test("a catch-up of notes, consents (some in conflict), decisions and a member's anchors in small batches leaves an index equal, table by table, to one rebuilt from the log")
    func catchUpIndexEqualsRebuild() throws {
        var generator = SeededGenerator(seed: 19)
        let network = try IndexedNetwork()
        try network.randomTraffic(steps: 60, generator: &generator)
        let out = network.folder.path + "/pub"
        let published = try StaticLogPublisher.publish(try network.openCentral(), to: out)
        let path = network.folder.path + "/mirror-clinic"
        _ = try SiteLedger.join(at: path, siteName: "mirror-clinic", role: .clinic, genesisPath: network.folder.path + "/genesis.json",
                                logger: IndexedNetwork.quiet)
        let site = try SiteAccess.openForWriting(at: path, wait: .seconds(5), logger: IndexedNetwork.quiet)
        // 64 entries a batch: many index transactions, each under the bulk settings.
        let outcome = try MirrorSync.run(site, from: FolderLogSource(directory: out), connections: 2, batchEntries: 64)
        #expect(outcome.entriesIngested == Int(published.treeSize))
        #expect(outcome.quarantined == 0)
        let index = try #require(site.derivedStateIndex as? SiteIndex)
        #expect(try index.appliedSize() == site.entryCount)
        let versions = try index.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM consent_versions") } ?? 0
        let decisions = try index.pool.read { try Int.fetchOne($0, sql: "SELECT count(*) FROM decisions") } ?? 0
        #expect(versions > 0 && decisions > 0, "the traffic held consents and decisions (\(versions), \(decisions))")
        #expect(site.verifyDerivedState() == [], "the index a catch-up built is the one the log implies")
    }

    @Test("the bulk settings hold only inside withBulkApply: the writer's cache and checkpoint are put back after it, and after a throw")
    func bulkSettingsArePutBack() throws {
        let folder = try TemporaryDirectory(prefix: "careledger-bulk-index")
        defer { folder.remove() }
        let index = try SiteIndex(path: folder.path + "/index.sqlite")
        try index.reset()
        func settings() throws -> [Int] {
            try index.pool.writeWithoutTransaction { db in
                [try Int.fetchOne(db, sql: "PRAGMA cache_size") ?? 0, try Int.fetchOne(db, sql: "PRAGMA wal_autocheckpoint") ?? 0]
            }
        }
        let before = try settings()
        #expect(before[1] == SiteIndex.walCheckpointPages)
        #expect(before[0] != -SiteIndex.bulkCacheKiB)
        let inside = try index.withBulkApply { try settings() }
        #expect(inside == [-SiteIndex.bulkCacheKiB, SiteIndex.bulkCheckpointPages])
        #expect(try settings() == before)
        struct Stop: Error {}
        #expect(throws: Stop.self) { try index.withBulkApply { throw Stop() } }
        #expect(try settings() == before)
    }
}
