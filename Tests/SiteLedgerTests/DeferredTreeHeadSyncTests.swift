import Foundation
import LedgerCore
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

/// A group committer's tree heads: written in the commit, `fsync`ed later
/// (Specs/site-layout.md §3.1).
@Suite("Deferred tree-head sync")
struct DeferredTreeHeadSyncTests {
    /// The `heads.log` syncs among `events`, by the inode the recorder gave the file.
    static func headSyncs(_ recorder: RecordingFileSystem) -> Int {
        let inode = recorder.events.compactMap { event -> Int? in
            if case .create(let path, let inode) = event, path == "founder/heads.log" { return inode }
            return nil
        }.first
        return recorder.events.filter { event in
            if case .sync(let synced) = event { return synced == inode }
            return false
        }.count
    }

    @Test("a deferred head is written at once and readers see it, but it is fsynced only by syncTreeHeads")
    func deferredHeadIsWrittenThenSynced() throws {
        let folder = try TemporaryDirectory(prefix: "deferred-heads")
        defer { folder.remove() }
        let recorder = RecordingFileSystem(root: folder.path)
        let site = folder.path + "/founder"
        let ledger = try SiteLedger.foundNetwork(at: site, siteName: "founder", networkName: "heads-net", fileSystem: recorder)
        let syncsBefore = Self.headSyncs(recorder)

        try ledger.append(kind: "anchor", payloads: [[1], [2]], treeHeadSync: .deferred)
        try ledger.append(kind: "anchor", payloads: [[3]], treeHeadSync: .deferred)
        #expect(ledger.treeHeadsUnsynced)
        #expect(ledger.treeHeads.last?.treeSize == UInt64(ledger.entryCount))
        #expect(Self.headSyncs(recorder) == syncsBefore, "no fsync of heads.log per deferred commit")
        let snapshot = try SiteLedger.openSnapshot(at: site)
        #expect(snapshot.entryCount == ledger.entryCount, "a reader sees the unsynced head at once")

        try ledger.syncTreeHeads()
        #expect(!ledger.treeHeadsUnsynced)
        #expect(Self.headSyncs(recorder) == syncsBefore + 1, "one fsync for both heads")
        try ledger.syncTreeHeads()
        #expect(Self.headSyncs(recorder) == syncsBefore + 1, "nothing left to sync")
    }

    @Test("a head signed for a peer, or a per-commit append, makes the deferred heads before it durable")
    func durableSigningSyncsDeferredHeads() throws {
        let folder = try TemporaryDirectory(prefix: "deferred-heads")
        defer { folder.remove() }
        let recorder = RecordingFileSystem(root: folder.path)
        let site = folder.path + "/founder"
        let sizes = try {
            let ledger = try SiteLedger.foundNetwork(at: site, siteName: "founder", networkName: "heads-net", fileSystem: recorder)
            try ledger.append(kind: "anchor", payloads: [[1]], treeHeadSync: .deferred)
            let head = try ledger.signTreeHead()
            #expect(head.treeSize == UInt64(ledger.entryCount))
            #expect(!ledger.treeHeadsUnsynced, "signTreeHead() over a covered log syncs what was deferred")
            try ledger.append(kind: "anchor", payloads: [[2]], treeHeadSync: .deferred)
            try ledger.append(kind: "anchor", payloads: [[3]])
            #expect(!ledger.treeHeadsUnsynced)
            return ledger.treeHeads.map(\.treeSize)
        }()
        let reopened = try SiteLedger.open(at: site)
        #expect(reopened.treeHeads.map(\.treeSize) == sizes)
    }

    @Test("a head syncer covers the heads written before it was made; a head written after waits for the next")
    func syncerCoversOnlyEarlierHeads() throws {
        let folder = try TemporaryDirectory(prefix: "deferred-heads")
        defer { folder.remove() }
        let recorder = RecordingFileSystem(root: folder.path)
        let ledger = try SiteLedger.foundNetwork(at: folder.path + "/founder", siteName: "founder", networkName: "heads-net", fileSystem: recorder)
        #expect(ledger.treeHeadSyncer() == nil, "nothing waits for its fsync")
        let syncsBefore = Self.headSyncs(recorder)

        try ledger.append(kind: "anchor", payloads: [[1]], treeHeadSync: .deferred)
        let syncer = try #require(ledger.treeHeadSyncer())
        try ledger.append(kind: "anchor", payloads: [[2]], treeHeadSync: .deferred)  // after the syncer was made
        try syncer.sync()  // as on another thread
        ledger.treeHeadsSynced(by: syncer)
        #expect(Self.headSyncs(recorder) == syncsBefore + 1)
        #expect(ledger.treeHeadsUnsynced, "the head written after the syncer was made is not known durable")

        let next = try #require(ledger.treeHeadSyncer())
        try next.sync()
        ledger.treeHeadsSynced(by: next)
        #expect(!ledger.treeHeadsUnsynced)
        #expect(ledger.treeHeadSyncer() == nil)
        #expect(Self.headSyncs(recorder) == syncsBefore + 2)
    }
}
