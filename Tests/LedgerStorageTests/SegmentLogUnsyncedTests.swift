import Dispatch
import Foundation
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Batches written ahead of their sync (Specs/segment-format.md §7.1): durable only after a
/// sync that started after the write; a failed sync blocks everything until the cut.
@Suite("Segment log: written ahead of the sync")
struct SegmentLogUnsyncedTests {
    /// The records a fresh open of `directory` holds, in order.
    private func reopened(_ directory: String) throws -> [(key: [UInt8], value: [UInt8])] {
        let log = try SegmentLog(directory: directory, options: smallOptions(segment: 1 << 20))
        defer { log.close() }
        var records: [(key: [UInt8], value: [UInt8])] = []
        try log.scan { records.append((Array($0.key), Array($0.value))); return true }
        #expect(try log.verify().isEmpty)
        return records
    }

    @Test("a written batch is readable at once and durable only once a sync returns")
    func writtenThenSynced() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20))
        try log.append([record(0), record(1)])
        let locations = try log.write([record(2), record(3), record(4)])
        #expect(locations.map(\.ordinal) == [2, 3, 4])
        #expect(log.recordCount == 5)
        #expect(log.durableRecordCount == 2)
        #expect(Array(try log.read(ordinal: 3).value) == record(3).value)
        try log.write([record(5)])
        #expect(log.durableRecordCount == 2)
        #expect(try log.syncWritten() == 6)
        #expect(log.durableRecordCount == 6)
        #expect(try log.syncWritten() == 6, "nothing left to sync")
        log.close()
        let stored = try reopened(directory.path)
        #expect(stored.map(\.value) == (0..<6).map { record($0).value })
    }

    @Test("a sync covers only what was written before it began")
    func syncCoversWhatPrecededIt() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let gate = GatedSyncFileSystem()
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20, fileSystem: gate))
        try log.write([record(0), record(1)])
        gate.hold()
        let done = DispatchSemaphore(value: 0)
        let result = Box<UInt64>()
        DispatchQueue.global().async {
            result.value = try? log.syncWritten()
            done.signal()
        }
        gate.waitUntilHeld()
        try log.write([record(2)])  // written while the sync runs: not covered by it
        #expect(log.durableRecordCount == 0)
        gate.release()
        done.wait()
        #expect(result.value == 2)
        #expect(log.durableRecordCount == 2)
        #expect(try log.syncWritten() == 3)
        log.close()
    }

    @Test("a durable append and a seal make the records written before them durable")
    func appendAndSealCoverWrittenRecords() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20))
        try log.write([record(0)])
        try log.append([record(1)])
        #expect(log.durableRecordCount == 2)
        try log.write([record(2)])
        try log.sealActiveSegment()
        #expect(log.durableRecordCount == 3)
        try log.write([record(3)])
        #expect(log.durableRecordCount == 3)
        log.close()
    }

    @Test("a failed sync refuses every write and sync until the discard cuts the unsynced records", arguments: [1, 3])
    func failedSyncThenDiscard(unsyncedBatches: Int) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faulty = FaultyFileSystem()
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20, fileSystem: faulty))
        let durable = (0..<4).map { record($0) }
        try log.append(durable)
        let sizeBefore = fileBytes(directory.path + "/segment-0000000001.lz4")
        for batch in 0..<unsyncedBatches { try log.write([record(10 + 2 * batch), record(11 + 2 * batch)]) }
        faulty.arm(.syncData, errno: EIO)
        #expect { try log.syncWritten() } throws: { ($0 as? StorageError)?.code == .io }
        #expect(log.durableRecordCount == 4)
        // A later sync that would succeed proves nothing about the pages that failed.
        #expect(throws: StorageError.self) { try log.syncWritten() }
        #expect(throws: StorageError.self) { try log.write([record(30)]) }
        #expect(throws: StorageError.self) { try log.append([record(31)]) }
        #expect(try log.discardUnsynced() == 4)
        #expect(log.recordCount == 4)
        #expect(try log.location(forKey: record(10).key) == nil)
        #expect(throws: StorageError.self) { try log.read(ordinal: 4) }
        #expect(fileBytes(directory.path + "/segment-0000000001.lz4") == sizeBefore)
        // Writable again, at the cut: the next record takes ordinal 4.
        #expect(try log.write([record(40)]).map(\.ordinal) == [4])
        #expect(Array(try log.read(ordinal: 4).value) == record(40).value)
        try log.syncWritten()
        log.close()
        #expect(try reopened(directory.path).map(\.value) == (durable + [record(40)]).map(\.value))
    }

    @Test("a durable append whose sync follows a failed background sync fails too")
    func appendAfterFailedSyncFails() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faulty = FaultyFileSystem()
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20, fileSystem: faulty))
        try log.append([record(0)])
        try log.write([record(1)])
        faulty.arm(.syncData, errno: EIO)
        #expect(throws: StorageError.self) { try log.append([record(2)]) }
        #expect(log.durableRecordCount == 1)
        #expect(throws: StorageError.self) { try log.syncWritten() }
        try log.discardUnsynced()
        try log.append([record(3)])
        log.close()
        #expect(try reopened(directory.path).map(\.value) == [record(0).value, record(3).value])
    }
}

/// A value set on one thread and read on another after a semaphore.
final class Box<Value>: @unchecked Sendable {  // written before the semaphore is signalled, read after waiting.
    var value: Value?
}
