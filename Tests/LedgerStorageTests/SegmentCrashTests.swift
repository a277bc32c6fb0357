import Foundation
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

/// Damage to the last blocks of the active segment at every byte offset (issue 2 acceptance).
@Suite("Recovery of a damaged active segment")
struct SegmentCrashTests {
    /// An active segment with several batches; the blocks' extents and the records in each.
    struct Fixture {
        let directory: TemporaryDirectory
        let segmentPath: String
        let original: [UInt8]
        let records: [(key: [UInt8], value: [UInt8])]
        /// (offset, end, records up to and including this block)
        let blocks: [(offset: Int, end: Int, recordsThrough: Int)]
        static let batchSize = 4

        /// Whether a block is the last of its append batch (recovery keeps whole batches only).
        static func endsBatch(_ block: (offset: Int, end: Int, recordsThrough: Int)) -> Bool {
            block.recordsThrough % batchSize == 0
        }

        init() throws {
            directory = try TemporaryDirectory(prefix: "careledger-crash")
            let log = try SegmentLog(directory: directory.path, options: smallOptions(block: 200, segment: 1 << 20))
            var records: [(key: [UInt8], value: [UInt8])] = []
            var locations: [RecordLocation] = []
            for batch in 0..<6 {
                let new = (0..<Self.batchSize).map { record(batch * Self.batchSize + $0, seed: 7) }
                locations += try log.append(new)
                records += new
            }
            log.close()
            self.records = records
            segmentPath = directory.path + "/segment-0000000001.lz4"
            original = fileBytes(segmentPath)
            let offsets = Array(Set(locations.map { Int($0.blockOffset) })).sorted()
            var blocks: [(offset: Int, end: Int, recordsThrough: Int)] = []
            for (position, offset) in offsets.enumerated() {
                let end = position + 1 < offsets.count ? offsets[position + 1] : original.count
                let through = locations.filter { Int($0.blockOffset) <= offset }.count
                blocks.append((offset, end, through))
            }
            self.blocks = blocks
        }

        /// Offsets from the start of the third-last block to the end of the file.
        var damageRegion: Range<Int> { blocks[max(0, blocks.count - 3)].offset..<original.count }

        /// Replaces the folder's content with just this segment, damaged.
        func install(_ bytes: [UInt8]) throws {
            for name in listing(directory.path) where name != "LOCK" {
                try FileManager.default.removeItem(atPath: directory.path + "/" + name)
            }
            try writeFile(segmentPath, bytes)
        }

        /// Opens the damaged folder and checks the outcome: exactly the records of the blocks
        /// that end at or before `goodEnd` are served, and the rest of the file is quarantined.
        func expectRecovered(damaged: [UInt8], goodEnd: Int, recordsKept: Int, case label: String) throws {
            let log = try SegmentLog(directory: directory.path, options: smallOptions(block: 200, segment: 1 << 20))
            defer { log.close() }
            #expect(log.recordCount == UInt64(recordsKept), "\(label)")
            for ordinal in 0..<recordsKept {
                let stored = try log.read(ordinal: UInt64(ordinal))
                #expect(Array(stored.value) == records[ordinal].value, "\(label) ordinal \(ordinal)")
            }
            #expect(throws: StorageError.self, "\(label)") { try log.read(ordinal: UInt64(recordsKept)) }
            #expect(try log.location(forKey: records[recordsKept < records.count ? recordsKept : 0].key) == (recordsKept < records.count ? nil : try log.location(ofOrdinal: 0)), "\(label)")
            let quarantined = listing(directory.path).filter { $0.contains(".quarantine-") }
            if damaged.count > goodEnd {
                #expect(log.recoveryReports.count == 1, "\(label)")
                #expect(log.recoveryReports.first?.cutOffset == UInt64(goodEnd), "\(label)")
                #expect(quarantined.count == 1, "\(label)")
                if let name = quarantined.first {
                    #expect(fileBytes(directory.path + "/" + name) == Array(damaged[goodEnd...]), "\(label)")
                }
            } else {
                #expect(log.recoveryReports.isEmpty && quarantined.isEmpty, "\(label)")
            }
            #expect(fileBytes(segmentPath).count == goodEnd, "\(label)")
            #expect(try log.verify().isEmpty, "\(label)")
        }
    }

    @Test("Truncating the active segment at every byte of its last blocks loses only the torn block")
    func truncationAtEveryOffset() throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        #expect(fixture.blocks.count >= 9)
        #expect(fixture.blocks.contains { !Fixture.endsBatch($0) }, "some batch spans several blocks")
        var cases = 0
        for cut in fixture.damageRegion {
            let damaged = Array(fixture.original[0..<cut])
            let good = fixture.blocks.last { $0.end <= cut && Fixture.endsBatch($0) }
            try fixture.install(damaged)
            try fixture.expectRecovered(
                damaged: damaged, goodEnd: good?.end ?? 44, recordsKept: good?.recordsThrough ?? 0, case: "cut at \(cut)")
            cases += 1
        }
        #expect(cases == fixture.damageRegion.count)
    }

    @Test("Flipping any byte of the active segment's last blocks cuts back to the block before it")
    func flipAtEveryOffset() throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        for offset in fixture.damageRegion {
            var damaged = fixture.original
            damaged[offset] ^= 0xFF
            guard let hit = fixture.blocks.firstIndex(where: { $0.offset <= offset && offset < $0.end }) else {
                Issue.record("offset \(offset) is in no block")
                continue
            }
            let previous = fixture.blocks[0..<hit].last { Fixture.endsBatch($0) }
            try fixture.install(damaged)
            try fixture.expectRecovered(
                damaged: damaged, goodEnd: previous?.end ?? 44, recordsKept: previous?.recordsThrough ?? 0,
                case: "flip at \(offset)")
        }
    }

    @Test("A second recovery of a tail already cut leaves the first quarantine file alone")
    func quarantineFilesAreNeverOverwritten() throws {
        let fixture = try Fixture()
        defer { fixture.directory.remove() }
        let cut = fixture.blocks[fixture.blocks.count - 1].offset + 5
        try fixture.install(Array(fixture.original[0..<cut]))
        do { _ = try SegmentLog(directory: fixture.directory.path, options: smallOptions(block: 200, segment: 1 << 20)) }
        // Put the same torn bytes back after the cut and recover again.
        try writeFile(fixture.segmentPath, Array(fixture.original[0..<cut]))
        let log = try SegmentLog(directory: fixture.directory.path, options: smallOptions(block: 200, segment: 1 << 20))
        let quarantined = listing(fixture.directory.path).filter { $0.contains(".quarantine-") }
        #expect(quarantined.count == 2)
        #expect(log.recoveryReports.first.map { URL(fileURLWithPath: $0.quarantineFile).lastPathComponent } == quarantined.last)
    }

    @Test("A damaged block inside a sealed segment is reported with file and offset and never served")
    func sealedCorruptionIsReported() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var locations: [RecordLocation] = []
        do {
            let log = try SegmentLog(directory: directory.path, options: smallOptions(block: 200, segment: 1024))
            for batch in 0..<12 { locations += try log.append((0..<4).map { record(batch * 4 + $0, seed: 3) }) }
            #expect(try log.statistics().sealedSegments >= 2)
        }
        let target = locations[5]
        let path = directory.path + "/" + String(format: "segment-%010d.lz4", target.segment)
        var bytes = fileBytes(path)
        bytes[Int(target.blockOffset) + 40] ^= 0x01
        try writeFile(path, bytes)
        let log = try SegmentLog(directory: directory.path, options: smallOptions(block: 200, segment: 1024))
        #expect(log.recoveryReports.isEmpty)
        #expect { try log.read(at: target) } throws: { error in
            let error = error as? StorageError
            return error?.code == .corruptBlock && error?.file == path && error?.offset == target.blockOffset
        }
        let faults = try log.verify()
        #expect(faults.count == 1)
        #expect(faults.first?.file == path && faults.first?.offset == target.blockOffset)
        // Records outside the damaged block are still served.
        let other = locations.first { $0.segment != target.segment || $0.blockOffset != target.blockOffset }
        if let other { #expect(Array(try log.read(at: other).value) == record(Int(other.ordinal), seed: 3).value) }
        // A scan stops at the damaged block, after serving everything before it.
        var served: [UInt64] = []
        #expect(throws: StorageError.self) { try log.scan { served.append($0.ordinal); return true } }
        #expect(served == (0..<target.ordinal - UInt64(target.index)).map { $0 })
    }

    @Test("A damaged index of a sealed segment falls back to a scan and is reported")
    func damagedIndexFallsBackToScan() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        do {
            let log = try SegmentLog(directory: directory.path, options: smallOptions(block: 200, segment: 1024))
            for batch in 0..<12 { try log.append((0..<4).map { record(batch * 4 + $0, seed: 4) }) }
        }
        let path = directory.path + "/segment-0000000001.lz4"
        var bytes = fileBytes(path)
        bytes[bytes.count - 60] ^= 0x10  // inside the index frame, before the 44-byte tail
        try writeFile(path, bytes)
        let log = try SegmentLog(directory: directory.path, options: smallOptions(block: 200, segment: 1024))
        for ordinal in 0..<48 {
            #expect(Array(try log.read(ordinal: UInt64(ordinal)).value) == record(ordinal, seed: 4).value)
            #expect(try log.location(forKey: record(ordinal, seed: 4).key)?.ordinal == UInt64(ordinal))
        }
        let faults = try log.verify()
        #expect(faults.contains { $0.file == path && $0.what.contains("index") })
    }
}
