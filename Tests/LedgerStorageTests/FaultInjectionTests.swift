import Foundation
import LedgerStorage
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Appends under injected I/O failures: clear errors, nothing acknowledged lost, nothing unacknowledged served.
@Suite("Fault injection through the file-system seam")
struct FaultInjectionTests {
    /// Reopens with the real file system and checks the log holds exactly `expected`, in order.
    private func expectExactly(_ expected: [(key: [UInt8], value: [UInt8])], in directory: String, label: String = "") throws {
        let log = try SegmentLog(directory: directory, options: smallOptions(segment: 1024))
        defer { log.close() }
        #expect(log.recordCount == UInt64(expected.count), "\(label)")
        var ordinal = 0
        try log.scan { stored in
            if ordinal < expected.count {
                #expect(Array(stored.key) == expected[ordinal].key && Array(stored.value) == expected[ordinal].value, "\(label) #\(ordinal)")
            }
            ordinal += 1
            return true
        }
        #expect(ordinal == expected.count, "\(label)")
        #expect(try log.verify().isEmpty, "\(label)")
    }

    @Test("ENOSPC on a batch write fails that append with no_space and changes nothing", arguments: [false, true])
    func noSpaceOnWrite(forever: Bool) throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faulty = FaultyFileSystem()
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20, fileSystem: faulty))
        let acknowledged = (0..<10).map { record($0) }
        try log.append(acknowledged)
        let sizeBefore = fileBytes(directory.path + "/segment-0000000001.lz4")
        faulty.arm(.write, errno: ENOSPC, forever: forever)
        for attempt in 0..<3 {
            #expect(throws: StorageError.self) { try log.append((10..<20).map { record($0) }) }
            do {
                try log.append([record(99)])
                if forever { Issue.record("append \(attempt) succeeded while the disk is full") }
            } catch let error as StorageError {
                #expect(error.code == .noSpace && error.errno == ENOSPC && error.file != nil)
                #expect(forever)
            }
            if !forever { break }
        }
        #expect(log.recordCount == (forever ? 10 : 11))
        if forever { #expect(fileBytes(directory.path + "/segment-0000000001.lz4") == sizeBefore) }
        log.close()
        try expectExactly(forever ? acknowledged : acknowledged + [record(99)], in: directory.path)
    }

    @Test("EIO from fdatasync fails the append and the batch is cut back, not served after reopen")
    func syncFailureRollsBack() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faulty = FaultyFileSystem()
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20, fileSystem: faulty))
        try log.append([record(0), record(1)])
        faulty.arm(.syncData, errno: EIO)
        #expect { try log.append([record(2), record(3)]) } throws: { ($0 as? StorageError)?.code == .io }
        #expect(log.recordCount == 2)
        #expect(throws: StorageError.self) { try log.read(ordinal: 2) }
        try log.append([record(4)])
        log.close()
        try expectExactly([record(0), record(1), record(4)], in: directory.path)
    }

    @Test("Short writes are completed by the write loop")
    func shortWritesComplete() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faulty = FaultyFileSystem()
        faulty.shortWrites = true
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1024, fileSystem: faulty))
        let records = (0..<40).map { record($0) }
        for batch in stride(from: 0, to: 40, by: 8) { try log.append(Array(records[batch..<batch + 8])) }
        log.close()
        try expectExactly(records, in: directory.path)
    }

    @Test("A torn batch whose rollback also fails poisons the writer; reopening cuts and quarantines it")
    func failedRollbackPoisonsAndRecovers() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let faulty = FaultyFileSystem()
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20, fileSystem: faulty))
        let acknowledged = (0..<6).map { record($0) }
        try log.append(acknowledged)
        faulty.shortWrites = true
        faulty.arm(.write, failAt: 3, errno: EIO)
        faulty.arm(.truncate, errno: EIO, forever: true)
        // Several blocks: the first short writes put whole blocks of this batch on disk.
        #expect(throws: StorageError.self) { try log.append((6..<30).map { record($0, size: 150) }) }
        #expect { try log.append([record(50)]) } throws: { ($0 as? StorageError)?.code == .writerPoisoned }
        log.close()
        let reopened = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1 << 20))
        #expect(reopened.recoveryReports.count == 1)
        if let report = reopened.recoveryReports.first {
            #expect(report.reason.contains("incomplete batch"), "\(report.reason)")
            #expect(fileBytes(report.quarantineFile).count == Int(report.cutBytes))
        }
        reopened.close()
        try expectExactly(acknowledged, in: directory.path)
    }

    @Test("Failing each write, sync, rename, directory sync and open in turn never loses or invents a record")
    func failEveryOperationInTurn() throws {
        var cases = 0
        for operation in [FaultyFileSystem.Operation.write, .syncData, .sync, .rename, .syncDirectory, .open, .truncate] {
            for failAt in 1...40 {
                let directory = try TemporaryDirectory(prefix: "careledger-fault")
                defer { directory.remove() }
                let faulty = FaultyFileSystem()
                let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1024, fileSystem: faulty))
                faulty.arm(operation, failAt: failAt, errno: failAt % 2 == 0 ? ENOSPC : EIO)
                var acknowledged: [(key: [UInt8], value: [UInt8])] = []
                var failures = 0
                for batch in 0..<12 {
                    let records = (0..<3).map { record(batch * 3 + $0, seed: 5) }
                    do {
                        try log.append(records)
                        acknowledged += records
                    } catch let error as StorageError {
                        #expect([.noSpace, .io, .writerPoisoned].contains(error.code), "\(operation)#\(failAt): \(error)")
                        failures += 1
                    }
                }
                log.close()
                try expectExactly(acknowledged, in: directory.path, label: "\(operation) failing at call \(failAt)")
                cases += 1
                if faulty.injected == 0 { break }
                #expect(failures <= 1, "\(operation)#\(failAt): a fail-once fault failed \(failures) appends")
            }
        }
        #expect(cases > 40)
    }

    @Test("A durable file write that fails at any step leaves the old content in place")
    func durableWriteIsAtomic() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let path = directory.path + "/state.json"
        try DurableFile.write(Array("old".utf8), to: path)
        for operation in [FaultyFileSystem.Operation.write, .sync, .rename, .open] {
            let faulty = FaultyFileSystem()
            faulty.arm(operation, errno: EIO)
            #expect(throws: StorageError.self, "\(operation)") {
                try DurableFile.write(Array("new".utf8), to: path, fileSystem: faulty)
            }
            #expect(fileBytes(path) == Array("old".utf8), "\(operation)")
        }
        try DurableFile.write(Array("new".utf8), to: path)
        #expect(fileBytes(path) == Array("new".utf8))
    }
}
