import Foundation
import LedgerCore
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A site's entries written ahead of their sync (Specs/site-layout.md §3.2): nothing sees them
/// until they are durable and taken in; a failed sync cuts them.
@Suite("Site ledger: written ahead of the sync")
struct WrittenAheadTests {
    @Test("written entries are invisible until a sync and takeInDurable; then counted, read and under a head")
    func invisibleUntilTakenIn() throws {
        let folder = try TemporaryDirectory(prefix: "written-ahead")
        defer { folder.remove() }
        let site = folder.path + "/founder"
        let ledger = try SiteLedger.foundNetwork(at: site, siteName: "founder", networkName: "ahead-net")
        try ledger.append(kind: "anchor", payloads: [[0]])
        let before = ledger.entryCount
        let headBefore = ledger.treeHeads.last?.treeSize

        let first = try ledger.write(kind: "anchor", payloads: [[1], [2]])
        #expect(first.end == before + 2)
        #expect(ledger.hasUnsyncedWrites)
        #expect(ledger.entryCount == before)
        #expect(try ledger.entry(id: first.entries[0].id) == nil)
        #expect(ledger.treeHeads.last?.treeSize == headBefore)
        #expect(try SiteLedger.openSnapshot(at: site).entryCount == before, "no head covers them: a reader does not see them")

        // The next write links to the written tip, before any sync.
        let second = try ledger.write(kind: "anchor", payloads: [[3]])
        #expect(second.entries[0].links == [first.entries[1].id])
        #expect(second.entries[0].sequence == first.entries[1].sequence + 1)
        #expect(second.end == before + 3)
        #expect(try ledger.takeInDurable().isEmpty, "nothing is durable before a sync")
        #expect(ledger.entryCount == before)

        try ledger.logSyncer.sync()
        #expect(ledger.entryCount == before, "the sync alone does not publish them")
        let taken = try ledger.takeInDurable()
        #expect(taken.map(\.id) == (first.entries + second.entries).map(\.id))
        #expect(!ledger.hasUnsyncedWrites)
        #expect(ledger.entryCount == before + 3)
        #expect(try ledger.entry(id: second.entries[0].id) == second.entries[0])
        #expect(ledger.treeHeads.last?.treeSize == UInt64(before + 3))
        #expect(try ledger.takeInDurable().isEmpty)
        #expect(ledger.verify().ok)
    }

    @Test("a durable append after written entries links after them and takes them in")
    func appendTakesWrittenEntriesIn() throws {
        let folder = try TemporaryDirectory(prefix: "written-ahead")
        defer { folder.remove() }
        let site = folder.path + "/founder"
        let (ids, before) = try {
            let ledger = try SiteLedger.foundNetwork(at: site, siteName: "founder", networkName: "ahead-net")
            let before = ledger.entryCount
            let written = try ledger.write(kind: "anchor", payloads: [[1], [2]])
            let appended = try ledger.append(kind: "anchor", payloads: [[3]])
            #expect(appended[0].links == [written.entries[1].id])
            #expect(ledger.entryCount == before + 3)
            #expect(ledger.entryCount >= written.end, "the written batch is durable")
            #expect(!ledger.hasUnsyncedWrites)
            #expect(try ledger.takeInDurable().isEmpty, "already taken in")
            #expect(ledger.verify().ok)
            return ((written.entries + appended).map(\.id), before)
        }()
        let reopened = try SiteLedger.open(at: site)
        #expect(try ids.map { try reopened.leafIndex(of: $0) } == [before, before + 1, before + 2])
        #expect(reopened.verify().ok)
    }

    @Test("a failed sync: discardWritten cuts exactly the unsynced entries and the chain goes on from the last durable one")
    func failedSyncCutsWrittenEntries() throws {
        let folder = try TemporaryDirectory(prefix: "written-ahead")
        defer { folder.remove() }
        let site = folder.path + "/founder"
        let faulty = FaultyFileSystem()
        let (durableIDs, before) = try {
            let ledger = try SiteLedger.foundNetwork(at: site, siteName: "founder", networkName: "ahead-net", fileSystem: faulty)
            let kept = try ledger.append(kind: "anchor", payloads: [[0]])
            let before = ledger.entryCount
            let lost = try ledger.write(kind: "anchor", payloads: [[1], [2]])
            faulty.arm(.syncData, errno: EIO)
            #expect(throws: CoreError.self) { try ledger.logSyncer.sync() }
            #expect(throws: CoreError.self) { try ledger.write(kind: "anchor", payloads: [[9]]) }
            #expect(try ledger.discardWritten().map(\.id) == lost.entries.map(\.id))
            #expect(ledger.entryCount == before)
            #expect(!ledger.hasUnsyncedWrites)
            // The next entry takes the cut entries' place in the chain.
            let next = try ledger.write(kind: "anchor", payloads: [[3]])
            #expect(next.entries[0].links == [kept[0].id])
            #expect(next.entries[0].sequence == lost.entries[0].sequence)
            #expect(next.end == before + 1)
            try ledger.logSyncer.sync()
            #expect(try ledger.takeInDurable().map(\.id) == next.entries.map(\.id))
            #expect(ledger.verify().ok)
            return (kept.map(\.id) + next.entries.map(\.id), before)
        }()
        let reopened = try SiteLedger.open(at: site)
        #expect(try durableIDs.map { try reopened.leafIndex(of: $0) } == [before - 1, before])
        #expect(reopened.entryCount == before + 1)
        #expect(reopened.verify().ok)
    }

    @Test("charter entries are never written ahead of their sync")
    func charterEntriesRefused() throws {
        let folder = try TemporaryDirectory(prefix: "written-ahead")
        defer { folder.remove() }
        let ledger = try SiteLedger.foundNetwork(at: folder.path + "/founder", siteName: "founder", networkName: "ahead-net")
        #expect { try ledger.write(kind: "charter.admit", payloads: [[1]]) } throws: { ($0 as? CoreError)?.code == .notPermitted }
        #expect(!ledger.hasUnsyncedWrites)
    }
}
