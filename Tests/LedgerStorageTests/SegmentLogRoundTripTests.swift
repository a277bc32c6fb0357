import Foundation
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

@Suite("Segment log round trips")
struct SegmentLogRoundTripTests {
    @Test("Appended records read back by location, ordinal, key and scan, before and after reopening")
    func appendedRecordsReadBack() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let records = (0..<300).map { record($0) }
        var locations: [RecordLocation] = []
        do {
            let log = try SegmentLog(directory: directory.path, options: smallOptions())
            for batch in stride(from: 0, to: records.count, by: 25) {
                locations += try log.append(Array(records[batch..<min(batch + 25, records.count)]))
            }
            #expect(log.recordCount == 300)
            #expect(locations.map(\.ordinal) == (0..<300).map(UInt64.init))
            try check(log, records, locations)
        }
        let reopened = try SegmentLog(directory: directory.path, options: smallOptions())
        #expect(reopened.recoveryReports.isEmpty)
        #expect(reopened.recordCount == 300)
        try check(reopened, records, locations)
        let statistics = try reopened.statistics()
        #expect(statistics.records == 300)
        #expect(statistics.segments > 3)
        #expect(statistics.sealedSegments == statistics.segments - 1)
        #expect(statistics.rawBytes == UInt64(records.reduce(0) { $0 + $1.value.count }))
        #expect(try reopened.verify().isEmpty)
    }

    private func check(_ log: SegmentLog, _ records: [(key: [UInt8], value: [UInt8])], _ locations: [RecordLocation]) throws {
        for (ordinal, expected) in records.enumerated() {
            let byLocation = try log.read(at: locations[ordinal])
            #expect(Array(byLocation.key) == expected.key && Array(byLocation.value) == expected.value)
            #expect(try log.location(ofOrdinal: UInt64(ordinal)) == locations[ordinal])
            #expect(Array(try log.read(ordinal: UInt64(ordinal)).value) == expected.value)
            #expect(try log.location(forKey: expected.key) == locations[ordinal])
        }
        var seen: [UInt64] = []
        try log.scan(from: 17) { stored in
            #expect(Array(stored.value) == records[Int(stored.ordinal)].value)
            seen.append(stored.ordinal)
            return true
        }
        #expect(seen == (17..<UInt64(records.count)).map { $0 })
        #expect(try log.location(forKey: [UInt8](repeating: 0xEE, count: 32)) == nil)
    }

    @Test("An empty log opens, reports no records and accepts a first batch")
    func emptyLogOpens() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try SegmentLog(directory: directory.path, options: smallOptions())
        #expect(log.recordCount == 0)
        let statistics = try log.statistics()
        #expect(statistics.segments == 0 && statistics.bytesOnDisk == 0 && statistics.records == 0)
        #expect(try log.append([]) == [])
        var visited = 0
        try log.scan { _ in visited += 1; return true }
        #expect(visited == 0)
        #expect(throws: StorageError.self) { try log.read(ordinal: 0) }
        try log.append([record(0)])
        #expect(Array(try log.read(ordinal: 0).value) == record(0).value)
    }

    @Test("Empty values and a value larger than a block round-trip")
    func edgeSizedValuesRoundTrip() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try SegmentLog(directory: directory.path, options: smallOptions())
        let batch = [record(0, size: 0), record(1, size: 5000), record(2, size: 0), record(3, size: 1)]
        try log.append(batch)
        try log.sealActiveSegment()
        try log.append([record(4, size: 0)])
        log.close()
        let reopened = try SegmentLog(directory: directory.path, options: smallOptions())
        for (ordinal, expected) in (batch + [record(4, size: 0)]).enumerated() {
            #expect(Array(try reopened.read(ordinal: UInt64(ordinal)).value) == expected.value)
            #expect(try reopened.location(forKey: expected.key)?.ordinal == UInt64(ordinal))
        }
        #expect(try reopened.verify().isEmpty)
    }

    @Test("Keys that are not 32 bytes and values over the limit are refused without writing")
    func invalidRecordsAreRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = smallOptions()
        options.maxRecordSize = 1000
        let log = try SegmentLog(directory: directory.path, options: options)
        let shortKey = ([UInt8](repeating: 1, count: 31), [UInt8]())
        #expect { try log.append([record(0), shortKey]) } throws: { ($0 as? StorageError)?.code == .invalidArgument }
        #expect { try log.append([record(0, size: 1001)]) } throws: { ($0 as? StorageError)?.code == .invalidArgument }
        #expect { try log.location(forKey: [1, 2, 3]) } throws: { ($0 as? StorageError)?.code == .invalidArgument }
        #expect(log.recordCount == 0)
    }

    @Test("A location this log never returned is refused")
    func foreignLocationIsRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try SegmentLog(directory: directory.path, options: smallOptions())
        let location = try log.append([record(0), record(1)])[1]
        let wrong = RecordLocation(segment: location.segment, blockOffset: location.blockOffset + 1, index: 1, ordinal: 1)
        #expect { try log.read(at: wrong) } throws: { ($0 as? StorageError)?.code == .invalidArgument }
        let past = RecordLocation(segment: 1, blockOffset: 44, index: 5, ordinal: 5)
        #expect { try log.read(at: past) } throws: { ($0 as? StorageError)?.code == .invalidArgument }
    }

    @Test("A second opener of the same folder gets the locked error until the first closes")
    func secondOpenerIsLockedOut() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let first = try SegmentLog(directory: directory.path, options: smallOptions())
        #expect { try SegmentLog(directory: directory.path, options: smallOptions()) } throws: {
            ($0 as? StorageError)?.code == .locked
        }
        first.close()
        let second = try SegmentLog(directory: directory.path, options: smallOptions())
        #expect(second.recordCount == 0)
        #expect { try first.append([record(0)]) } throws: { ($0 as? StorageError)?.code == .closed }
    }

    @Test("Opening a missing folder without permission to create it fails with not found")
    func missingFolderIsNotCreatedWhenForbidden() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = smallOptions()
        options.createIfMissing = false
        #expect { try SegmentLog(directory: directory.path + "/absent", options: options) } throws: {
            ($0 as? StorageError)?.code == .notFound
        }
    }

    @Test("Segment files are named segment-NNNNNNNNNN.lz4 and only the last one is unsealed")
    func segmentFilesAreNamedAndSealed() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let log = try SegmentLog(directory: directory.path, options: smallOptions(segment: 1024))
        for batch in 0..<20 { try log.append((0..<5).map { record(batch * 5 + $0) }) }
        let names = listing(directory.path).filter { $0.hasPrefix("segment-") }
        #expect(names.count > 2)
        #expect(names.first == "segment-0000000001.lz4")
        #expect(names.allSatisfy { $0.hasSuffix(".lz4") })
        #expect(listing(directory.path).contains("LOCK"))
    }
}
