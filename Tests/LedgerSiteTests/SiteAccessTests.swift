import Foundation
import LedgerCore
import LedgerSite
import Logging
import TestSupport
import Testing

/// How commands open a site beside another writer (Specs/site-layout.md §8): readers never
/// wait, a reader's write and a writer find the running server or wait for the lock.
@Suite("Opening a site beside another writer")
struct SiteAccessTests {
    static let logger = Logger(label: "test")

    @Test("a reader opens at once beside a writer; its first write waits for the lock, and succeeds once it is free")
    func readerWritesThroughTheLock() throws {
        let folder = try TemporaryDirectory(prefix: "access")
        defer { folder.remove() }
        let path = folder.path + "/site"
        var holder: SiteLedger? = try SiteLedger.foundNetwork(at: path, siteName: "s", networkName: "n")
        var written: [Entry] = []
        do {
            let reader = try SiteAccess.openForReading(at: path, wait: .milliseconds(100), logger: Self.logger)
            #expect(reader.isSnapshotView && reader.entryCount == holder?.entryCount)
            do {
                _ = try reader.append(kind: "anchor", payloads: [Array("{}".utf8)])
                Issue.record("a write succeeded while another writer held the site")
            } catch let error as CoreError {
                #expect(error.code == .locked && error.message.contains("waited 0.1 s"), "\(error)")
            }
            holder = nil
            written = try reader.append(kind: "anchor", payloads: [Array("{\"a\":1}".utf8)])
        }
        #expect(written.count == 1)
        let reopened = try SiteLedger.open(at: path)
        #expect(try reopened.leafIndex(of: written[0].id) != nil)
    }

    @Test("a writer beside a running server gets a snapshot whose appends the server makes")
    func writerGoesThroughTheServer() async throws {
        let folder = try TemporaryDirectory(prefix: "access")
        defer { folder.remove() }
        let path = folder.path + "/site"
        let ledger = try SiteLedger.foundNetwork(at: path, siteName: "s", networkName: "n")
        let service = try LedgerSyncService(ledger: ledger)
        let server = try ControlServer.start(for: service, layout: SiteLayout(root: path), logger: Self.logger)
        defer { server.stop() }
        // The client blocks on the socket, so it runs off the cooperative pool.
        let (appended, opened) = try await BlockingWork.run {
            let writer = try SiteAccess.openForWriting(at: path, wait: .milliseconds(100), logger: Self.logger)
            #expect(writer.isSnapshotView)
            return (try writer.append(kind: "anchor", payloads: (0..<5).map { Array("{\"n\":\($0)}".utf8) }, batchSize: 2),
                    writer.entryCount)
        }
        #expect(appended == 5)
        let count = try await service.withLedger { ledger, _ in ledger.entryCount }
        #expect(count == opened + 5, "the server's log holds them; the snapshot's log is as opened")
    }
}
