import Dispatch
import Foundation
import LedgerCore
import LedgerStorage
@testable import LedgerSite
import TestSupport
import Testing

/// The group commit's deferred `fsync` of `heads.log` runs off the ledger's queue
/// (Specs/fhir-api.md §4.3, Specs/site-layout.md §3.1).
@Suite("Tree-head sync off the ledger's queue")
struct HeadSyncOffQueueTests {
    /// A real file system whose `fsync` of `heads.log` can be held until released.
    final class HeadSyncGate: FileSystem, @unchecked Sendable {  // `holding`, `held` and `synced` are guarded by `condition`.
        private let real = POSIXFileSystem()
        private let condition = NSCondition()
        private var holding = false
        private var held = false
        private(set) var synced = 0

        func hold() { condition.withLock { holding = true } }
        func release() { condition.withLock { holding = false; condition.broadcast() } }
        /// Blocks until an `fsync` of `heads.log` is being held.
        func waitUntilHeld() { condition.withLock { while !held { condition.wait() } } }
        /// Blocks until `count` `fsync`s of `heads.log` returned.
        func waitUntilSynced(_ count: Int) { condition.withLock { while synced < count { condition.wait() } } }
        var syncs: Int { condition.withLock { synced } }

        func sync(_ file: OpenFile) throws {
            let isHeads = file.path.hasSuffix("/heads.log")
            if isHeads {
                condition.withLock {
                    while holding { held = true; condition.broadcast(); condition.wait() }
                }
            }
            try real.sync(file)
            if isHeads { condition.withLock { synced += 1; condition.broadcast() } }
        }

        func open(_ path: String, mode: FileOpenMode, permissions: UInt32) throws -> OpenFile { try real.open(path, mode: mode, permissions: permissions) }
        func close(_ file: OpenFile) { real.close(file) }
        func read(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int { try real.read(file, into: buffer, at: offset) }
        func write(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws -> Int { try real.write(file, bytes, at: offset) }
        func syncData(_ file: OpenFile) throws { try real.syncData(file) }
        func truncate(_ file: OpenFile, to length: UInt64) throws { try real.truncate(file, to: length) }
        func size(_ file: OpenFile) throws -> UInt64 { try real.size(file) }
        func rename(_ source: String, to destination: String) throws { try real.rename(source, to: destination) }
        func remove(_ path: String) throws { try real.remove(path) }
        func syncDirectory(_ path: String) throws { try real.syncDirectory(path) }
        func createDirectory(_ path: String) throws { try real.createDirectory(path) }
        func exists(_ path: String) -> Bool { real.exists(path) }
        func listDirectory(_ path: String) throws -> [String] { try real.listDirectory(path) }
        func lockExclusive(_ file: OpenFile) throws -> Bool { try real.lockExclusive(file) }
        func setPermissions(_ file: OpenFile, to permissions: UInt32) throws { try real.setPermissions(file, to: permissions) }
        func permissions(_ file: OpenFile) throws -> UInt32 { try real.permissions(file) }
    }

    @Test("while heads.log's deferred fsync is held, the ledger's queue still decides and answers consults; the heads are durable after it")
    func headSyncNeverHoldsTheQueue() throws {
        let folder = try TemporaryDirectory(prefix: "head-sync")
        defer { folder.remove() }
        let gate = HeadSyncGate()
        let site = folder.path + "/founder"
        let ledger = try SiteLedger.foundNetwork(at: site, siteName: "founder", networkName: "heads-net", fileSystem: gate)
        let service = try LedgerSyncService(ledger: ledger)
        let committer = DecisionCommitter(service: service, inFlight: ConsultsInFlight()) { _, _ in }
        let answered = DispatchSemaphore(value: 0)
        let entries = Entries()
        // Scheduled, never waited for: a test thread blocked on a held queue could not fail.
        func add(_ payload: UInt8) {
            service.schedule { _, _ in
                committer.add([payload]) { result in
                    entries.append(try? result.get())
                    answered.signal()
                }
            }
        }

        gate.hold()
        let before = gate.syncs
        add(1)
        answered.wait()
        gate.waitUntilHeld()  // the first commit's head is being fsynced, 50 ms after it was written
        add(2)
        add(3)
        // With the fsync on the ledger's queue these two would wait for the release below.
        #expect(answered.wait(timeout: .now() + 30) == .success)
        #expect(answered.wait(timeout: .now() + 30) == .success)
        #expect(entries.values.allSatisfy { $0 != nil })
        #expect(gate.syncs == before, "the held fsync has not returned")
        gate.release()
        gate.waitUntilSynced(before + 1)
        // The heads written while it was held are synced by the next round (not by closing).
        gate.waitUntilSynced(before + 2)
        let size = try service.withLedgerBlocking { ledger, _ in ledger.entryCount }
        let heads = try service.withLedgerBlocking { ledger, _ in ledger.treeHeads.last?.treeSize }
        #expect(heads == UInt64(size))
    }

    /// Entries the consults were answered with, from the ledger's queue.
    final class Entries: @unchecked Sendable {  // guarded by `lock`.
        private let lock = NSLock()
        private var list: [Entry?] = []
        func append(_ entry: Entry?) { lock.withLock { list.append(entry) } }
        var values: [Entry?] { lock.withLock { list } }
    }
}
