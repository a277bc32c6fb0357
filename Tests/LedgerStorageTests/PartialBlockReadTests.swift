import Foundation
import LZ4Codec
import LedgerStorage
import StorageTestSupport
import TestSupport
import Testing

/// A read by ordinal decompresses a block only up to the record asked for
/// (`SegmentLog.read(ordinal:)`): every order of reads, by ordinal, location, key and scan,
/// must still give every record's exact bytes, and a damaged block is still refused.
@Suite("Reads by ordinal that decompress part of a block")
struct PartialBlockReadTests {
    static let seed: UInt64 = 2026_12_06_16

    @Test("random reads by ordinal, location and key, mixed, give the appended bytes (seeded)")
    func randomOrderReads() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        var options = smallOptions(block: 4096, segment: 64 << 10)
        options.blockCacheCapacity = 3
        let records = (0..<600).map { record($0, seed: Self.seed) }
        var locations: [RecordLocation] = []
        do {
            let log = try SegmentLog(directory: directory.path, options: options)
            for batch in stride(from: 0, to: records.count, by: 50) { locations += try log.append(Array(records[batch..<batch + 50])) }
        }
        let log = try SegmentLog(directory: directory.path, options: options)
        var rng = SeededGenerator(seed: Self.seed)
        for step in 0..<4_000 {
            let ordinal = Int(rng.next() % UInt64(records.count))
            let expected = records[ordinal]
            let read: StoredRecord
            switch rng.next() % 4 {
            case 0: read = try log.read(at: locations[ordinal])
            case 1:
                #expect(try log.location(forKey: expected.key) == locations[ordinal], "step \(step); replay with seed \(Self.seed)")
                read = try log.read(ordinal: UInt64(ordinal))
            default: read = try log.read(ordinal: UInt64(ordinal))
            }
            #expect(Array(read.key) == expected.key && Array(read.value) == expected.value, "step \(step), ordinal \(ordinal); replay with seed \(Self.seed)")
            #expect(read.location == locations[ordinal])
        }
        // In order (each block first read partly, then whole) and backwards.
        for ordinal in Array(0..<records.count) + (0..<records.count).reversed() {
            #expect(Array(try log.read(ordinal: UInt64(ordinal)).value) == records[ordinal].value)
        }
    }

    @Test("a damaged block of a sealed segment is refused by a read of its first record, as by a whole read")
    func damagedBlockRefused() throws {
        let directory = try TemporaryDirectory()
        defer { directory.remove() }
        let options = smallOptions(block: 1024, segment: 8192)
        let records = (0..<300).map { record($0, seed: Self.seed) }
        var locations: [RecordLocation] = []
        do {
            let log = try SegmentLog(directory: directory.path, options: options)
            // Segments are sealed before the next append once full: many small batches.
            for batch in stride(from: 0, to: records.count, by: 20) { locations += try log.append(Array(records[batch..<batch + 20])) }
            log.close()
        }
        // The first block of the first segment, and the byte just before the block after it
        // (the end of the block's LZ4 data), far past the first record's part of it.
        let first = locations[0]
        let after = try #require(locations.first { $0.segment == first.segment && $0.blockOffset != first.blockOffset })
        #expect(locations.last!.segment > first.segment)
        let path = directory.path + "/" + String(format: "segment-%010llu.lz4", first.segment)
        var bytes = try #require(FileManager.default.contents(atPath: path))
        bytes[Int(after.blockOffset) - 1] ^= 0x40
        try bytes.write(to: URL(fileURLWithPath: path))
        let reopened = try SegmentLog(directory: directory.path, options: options)
        #expect(throws: StorageError.self) { try reopened.read(ordinal: first.ordinal) }
        #expect(Array(try reopened.read(ordinal: after.ordinal).value) == records[Int(after.ordinal)].value)
    }

    @Test("decompressPrefix gives the frame's first bytes, or nil for a frame it does not read")
    func framePrefix() throws {
        var rng = SeededGenerator(seed: Self.seed)
        for size in [1, 2, 100, 4_096, 65_000, 300_000] {
            let content = (0..<size).map { i in rng.next() % 4 == 0 ? UInt8(truncatingIfNeeded: rng.next()) : UInt8(ascii: "a") + UInt8(i % 7) }
            let frame = try LZ4FrameCompressor.compress(content)
            for count in [1, size / 3, size - 1, size].filter({ $0 > 0 }) {
                let prefix = frame.withUnsafeBytes { LZ4FrameDecompressor.decompressPrefix($0, contentSize: size, count: count) }
                #expect(prefix == Array(content.prefix(count)), "size \(size), count \(count)")
            }
            frame.withUnsafeBytes { raw in
                #expect(LZ4FrameDecompressor.decompressPrefix(raw, contentSize: size + 1, count: 1) == nil)
                #expect(LZ4FrameDecompressor.decompressPrefix(raw, contentSize: size, count: size + 1) == nil)
                #expect(LZ4FrameDecompressor.decompressPrefix(UnsafeRawBufferPointer(rebasing: raw[0..<min(12, raw.count)]), contentSize: size, count: 1) == nil)
            }
        }
    }
}
