import Foundation
import LedgerStorage
import TestSupport
import Testing
#if canImport(Glibc)
import Glibc
#endif

/// The writer lock's holder record and the lock-free snapshot open (Specs/site-layout.md §8.2).
@Suite("The segment log's writer lock")
struct SegmentLockTests {
    @Test("a writer records its pid and command line in LOCK, and a refused opener names it")
    func holderIsRecorded() throws {
        let directory = try TemporaryDirectory(prefix: "careledger-lock")
        defer { directory.remove() }
        let writer = try SegmentLog(directory: directory.path)
        defer { writer.close() }
        let holder = try #require(LockHolder.recorded(inLogFolder: directory.path))
        #expect(holder.pid == getpid())
        var options = SegmentLogOptions()
        options.lockTimeout = .milliseconds(30)
        do {
            _ = try SegmentLog(directory: directory.path, options: options)
            Issue.record("a second writer opened a held folder")
        } catch let error as StorageError {
            #expect(error.code == .locked)
            #expect(error.message == "the data folder is in use by pid \(getpid()) (\(holder.command)); waited 0.03 s", "\(error)")
        }
    }

    @Test("a snapshot open takes no lock and reads the writer's records; only a read-only log may skip the lock")
    func snapshotTakesNoLock() throws {
        let directory = try TemporaryDirectory(prefix: "careledger-lock")
        defer { directory.remove() }
        let writer = try SegmentLog(directory: directory.path)
        defer { writer.close() }
        _ = try writer.append([(key: [UInt8](repeating: 1, count: 32), value: [1, 2, 3])])
        var options = SegmentLogOptions()
        options.readOnly = true
        options.takesLock = false
        let reader = try SegmentLog(directory: directory.path, options: options)
        #expect(reader.recordCount == 1)
        reader.close()
        options.readOnly = false
        #expect(throws: StorageError.self) { _ = try SegmentLog(directory: directory.path, options: options) }
    }
}
