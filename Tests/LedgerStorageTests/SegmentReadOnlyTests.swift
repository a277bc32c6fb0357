import Foundation
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

/// Opening a log read-only, as `verify` does on a folder that cannot open for writing
/// (Specs/segment-format.md §8 "Read-only opens").
@Suite("Read-only opens of a segment log")
struct SegmentReadOnlyTests {
    static func readOnly(_ base: SegmentLogOptions = smallOptions()) -> SegmentLogOptions {
        var options = base
        options.readOnly = true
        return options
    }

    /// Every file in `directory` with its bytes.
    static func snapshot(_ directory: String) -> [String: [UInt8]] {
        Dictionary(uniqueKeysWithValues: listing(directory).map { ($0, fileBytes(directory + "/" + $0)) })
    }

    /// A closed log of three sealed segments and an active one, each of `perSegment` records.
    static func fourSegments(in directory: String, perSegment: Int = 5, seed: UInt64 = 1) throws -> [(key: [UInt8], value: [UInt8])] {
        let log = try SegmentLog(directory: directory, options: smallOptions(segment: 1 << 20))
        defer { log.close() }
        var records: [(key: [UInt8], value: [UInt8])] = []
        for segment in 0..<4 {
            let batch = (0..<perSegment).map { record(segment * perSegment + $0, seed: seed) }
            try log.append(batch)
            records += batch
            if segment < 3 { try log.sealActiveSegment() }
        }
        return records
    }

    @Test("a read-only open of an intact log serves every record, writes nothing and refuses appends and seals")
    func intactLogIsServedAndNothingIsWritten() throws {
        let directory = try TemporaryDirectory(prefix: "careledger-ro")
        defer { directory.remove() }
        let records = try Self.fourSegments(in: directory.path)
        try writeFile(directory.path + "/segment-0000000009.lz4.tmp", [1, 2, 3])  // an interrupted creation
        let before = Self.snapshot(directory.path)
        let log = try SegmentLog(directory: directory.path, options: Self.readOnly())
        #expect(log.recordCount == UInt64(records.count))
        #expect(log.structuralFaults.isEmpty)
        #expect(try log.verify().isEmpty)
        for (ordinal, expected) in records.enumerated() {
            #expect(Array(try log.read(ordinal: UInt64(ordinal)).value) == expected.value)
        }
        #expect(log.filePath(ofSegment: 2) == directory.path + "/segment-0000000002.lz4")
        #expect(throws: StorageError.self) { try log.append([record(99)]) }
        do { try log.append([record(99)]) } catch let error as StorageError { #expect(error.code == .readOnly) }
        #expect(throws: StorageError.self) { try log.sealActiveSegment() }
        log.close()
        #expect(Self.snapshot(directory.path) == before, "not even the leftover .tmp file was removed")
    }

    @Test("a read-only open creates neither the folder nor its LOCK file")
    func nothingIsCreated() throws {
        let directory = try TemporaryDirectory(prefix: "careledger-ro")
        defer { directory.remove() }
        #expect(throws: StorageError.self) { _ = try SegmentLog(directory: directory.path + "/missing", options: Self.readOnly()) }
        #expect(!FileManager.default.fileExists(atPath: directory.path + "/missing"))
        let log = try SegmentLog(directory: directory.path, options: Self.readOnly())
        #expect(log.recordCount == 0)
        log.close()
        #expect(listing(directory.path).isEmpty)
    }

    @Test("a read-only open waits for a writer's lock like any other open")
    func writerLockIsRespected() throws {
        let directory = try TemporaryDirectory(prefix: "careledger-ro")
        defer { directory.remove() }
        let writer = try SegmentLog(directory: directory.path, options: smallOptions())
        defer { writer.close() }
        var options = Self.readOnly()
        options.lockTimeout = .milliseconds(10)
        do {
            _ = try SegmentLog(directory: directory.path, options: options)
            Issue.record("a read-only open succeeded while a writer held the folder")
        } catch let error as StorageError {
            #expect(error.code == .locked)
        }
    }

    /// Replaces segment 1 of a four-segment log (5 records each) by segment 1 of a log
    /// with `donorPerSegment` records per segment.
    static func swapFirstSegment(donorPerSegment: Int) throws -> (TemporaryDirectory, TemporaryDirectory) {
        let site = try TemporaryDirectory(prefix: "careledger-ro")
        let donor = try TemporaryDirectory(prefix: "careledger-ro-donor")
        _ = try fourSegments(in: site.path)
        _ = try fourSegments(in: donor.path, perSegment: donorPerSegment, seed: 2)
        let name = "/segment-0000000001.lz4"
        try writeFile(site.path + name, fileBytes(donor.path + name))
        return (site, donor)
    }

    @Test("a segment whose ordinals do not continue is refused by a writable open and ends a read-only log as faults naming both segments",
          arguments: [3, 8])
    func discontinuityIsAFaultReadOnly(donorPerSegment: Int) throws {
        let (site, donor) = try Self.swapFirstSegment(donorPerSegment: donorPerSegment)
        defer { site.remove(); donor.remove() }
        do {
            _ = try SegmentLog(directory: site.path, options: smallOptions())
            Issue.record("a writable open accepted segments whose ordinals do not continue")
        } catch let error as StorageError {
            #expect(error.code == .corruptSegment && error.file?.hasSuffix("segment-0000000002.lz4") == true, "\(error)")
        }
        let before = Self.snapshot(site.path)
        let log = try SegmentLog(directory: site.path, options: Self.readOnly())
        defer { log.close() }
        // Segment 1 holds the donor's records; segment 2 still starts at ordinal 5.
        #expect(log.recordCount == UInt64(donorPerSegment), "the log ends before the segment that does not continue")
        let faults = log.structuralFaults
        let second = try #require(faults.first { $0.file.hasSuffix("segment-0000000002.lz4") }, "\(faults)")
        #expect(second.offset == 0 && second.what.contains("starts at ordinal 5, expected \(donorPerSegment)"), "\(second)")
        let firstSize = UInt64(fileBytes(site.path + "/segment-0000000001.lz4").count)
        #expect(faults.contains { $0.file.hasSuffix("segment-0000000001.lz4") && $0.offset == firstSize - 44 }, "the replaced one, at its tail: \(faults)")
        for later in ["segment-0000000003.lz4", "segment-0000000004.lz4"] {
            #expect(faults.contains { $0.file.hasSuffix(later) && $0.what.contains("not read") }, "\(faults)")
        }
        #expect(faults.count == 4)
        #expect(Set(faults).isSubset(of: Set(try log.verify())), "verify reports them too")
        #expect(log.faultsFoundOnOpen == faults)
        // Nothing from segment 2 on is served.
        do {
            _ = try log.read(ordinal: UInt64(donorPerSegment))
            Issue.record("a record past the discontinuity was served")
        } catch let error as StorageError {
            #expect(error.code == .invalidArgument)
        }
        var scanned = 0
        try log.scan { _ in scanned += 1; return true }
        #expect(scanned == donorPerSegment)
        #expect(Self.snapshot(site.path) == before)
    }

    @Test("a damaged segment header ends a read-only log there, as a fault at the header")
    func damagedHeaderIsAFaultReadOnly() throws {
        let directory = try TemporaryDirectory(prefix: "careledger-ro")
        defer { directory.remove() }
        _ = try Self.fourSegments(in: directory.path)
        let path = directory.path + "/segment-0000000003.lz4"
        var bytes = fileBytes(path)
        bytes[30] ^= 0x01  // inside the segment number, covered by the header checksum
        try writeFile(path, bytes)
        #expect(throws: StorageError.self) { _ = try SegmentLog(directory: directory.path, options: smallOptions()) }
        let log = try SegmentLog(directory: directory.path, options: Self.readOnly())
        defer { log.close() }
        #expect(log.recordCount == 10)
        #expect(log.structuralFaults.first?.file == path && log.structuralFaults.first?.what.contains("checksum") == true, "\(log.structuralFaults)")
        #expect(log.structuralFaults.contains { $0.file.hasSuffix("segment-0000000004.lz4") })
    }

    @Test("a torn tail of the active segment is left in place and unread by a read-only open, and cut by the next writable one")
    func tornTailIsLeftInPlace() throws {
        let directory = try TemporaryDirectory(prefix: "careledger-ro")
        defer { directory.remove() }
        let records = try Self.fourSegments(in: directory.path)
        let path = directory.path + "/segment-0000000004.lz4"
        let intact = fileBytes(path)
        try writeFile(path, intact + [0x04, 0x22, 0x4D, 0x18, 0x60])  // the start of a torn block
        let before = Self.snapshot(directory.path)
        do {
            let log = try SegmentLog(directory: directory.path, options: Self.readOnly())
            defer { log.close() }
            #expect(log.recordCount == UInt64(records.count))
            let report = try #require(log.recoveryReports.first)
            #expect(report.quarantineFile.isEmpty && report.cutOffset == UInt64(intact.count) && report.cutBytes == 5, "\(report)")
            #expect(try log.verify().isEmpty, "a torn tail is a crash, not damage")
        }
        #expect(Self.snapshot(directory.path) == before)
        let writable = try SegmentLog(directory: directory.path, options: smallOptions())
        #expect(writable.recoveryReports.first?.quarantineFile.isEmpty == false)
        writable.close()
        #expect(fileBytes(path) == intact)
    }
}
