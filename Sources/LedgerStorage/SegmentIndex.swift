import LZ4Codec
import LedgerPrimitives

/// A sealed segment's persisted index (Specs/segment-format.md §6): block table and sorted key prefixes.
///
/// Written once at seal time, read lazily on the first lookup that needs the segment, so
/// opening a store costs two small reads per sealed segment rather than a scan.
struct SegmentIndex {
    /// The blocks in file order, with absolute ordinals.
    var blocks: [BlockInfo]
    /// `recordCount` entries of 12 bytes: an 8-byte key prefix then the u32 LE ordinal within
    /// the segment, sorted by prefix (bytewise) then ordinal. A decoded index keeps them in
    /// the frame it was read into (a slice, not a copy: a sealed segment's key table is about
    /// 1.2 MB per 100,000 records, and opening a site reads a few of them).
    var keyEntries: ArraySlice<UInt8>

    static let entrySize = 12

    /// Builds the index of a segment from its blocks and its keys in ordinal order (32 bytes each).
    init(blocks: [BlockInfo], keys: [UInt8]) {
        self.blocks = blocks
        let count = keys.count / 32
        var order = [(prefix: UInt64, ordinal: UInt32)]()
        order.reserveCapacity(count)
        keys.withUnsafeBytes { raw in
            for index in 0..<count {
                order.append((Self.keyPrefix(raw, at: index * 32), UInt32(index)))
            }
        }
        order.sort { $0.prefix != $1.prefix ? $0.prefix < $1.prefix : $0.ordinal < $1.ordinal }
        var entries = ByteWriter(.littleEndian, capacity: count * Self.entrySize)
        for item in order {
            entries.integer(item.prefix, .bigEndian)
            entries.u32(item.ordinal)
        }
        keyEntries = entries.bytes[...]
    }

    private init(blocks: [BlockInfo], keyEntries: ArraySlice<UInt8>) {
        self.blocks = blocks
        self.keyEntries = keyEntries
    }

    /// The index frame bytes (§6), checksummed.
    func encoded(recordCount: UInt64) -> [UInt8] {
        let payload = 16 + 16 * blocks.count + keyEntries.count + 4
        var out = ByteWriter(.littleEndian, capacity: 8 + payload)
        LZ4SkippableFrame.appendHeader(nibble: SegmentFormat.indexNibble, payloadSize: UInt32(payload), to: &out.bytes)
        out.u64(recordCount)
        out.u32(UInt32(blocks.count))
        out.u32(0)
        for block in blocks {
            out.u64(block.offset)
            out.u32(block.length)
            out.u32(block.recordCount)
        }
        out.raw(keyEntries)
        out.u32(XXH64.checksum(out.bytes))
        return out.bytes
    }

    /// Parses and checks an index frame; `firstOrdinal` is the segment's first ordinal.
    static func decode(_ bytes: [UInt8], firstOrdinal: UInt64, expectedCount: UInt64, file: String, offset: UInt64) throws -> SegmentIndex {
        func corrupt(_ why: String) -> StorageError {
            StorageError(.corruptSegment, "segment index \(why)", file: file, offset: offset)
        }
        guard let frame = LZ4SkippableFrame.parseHeader(bytes), frame.nibble == SegmentFormat.indexNibble,
            Int(frame.payloadSize) + 8 == bytes.count, bytes.count >= 28
        else { throw corrupt("has a wrong magic or size") }
        let stored = bytes.withUnsafeBytes { raw -> UInt32? in
            var reader = SegmentFormat.reader(raw, at: bytes.count - 4)
            return try? reader.u32()
        }
        guard stored == bytes.withUnsafeBytes({ XXH64.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<(bytes.count - 4)])) }) else {
            throw corrupt("checksum mismatch")
        }
        return try bytes.withUnsafeBytes { raw in
            var reader = SegmentFormat.reader(raw, at: 8)
            guard let count = try? reader.u64(), let blockCount = try? reader.u32(), (try? reader.skip(4)) != nil,
                count == expectedCount,
                count <= UInt64(bytes.count),
                16 + 16 * Int(blockCount) + Int(count) * entrySize + 4 == Int(frame.payloadSize)
            else { throw corrupt("counts disagree with its size or the segment tail") }
            var blocks = [BlockInfo]()
            blocks.reserveCapacity(Int(blockCount))
            var ordinal = firstOrdinal
            for _ in 0..<blockCount {
                guard let blockOffset = try? reader.u64(), let length = try? reader.u32(), let records = try? reader.u32() else {
                    throw corrupt("is truncated")
                }
                blocks.append(BlockInfo(offset: blockOffset, length: length, firstOrdinal: ordinal, recordCount: records))
                ordinal &+= UInt64(records)
            }
            guard ordinal &- firstOrdinal == count else { throw corrupt("block counts do not add up") }
            let start = reader.position
            return SegmentIndex(blocks: blocks, keyEntries: bytes[start..<(start + Int(count) * entrySize)])
        }
    }

    /// The first 8 bytes of the key at `offset`, big-endian so that prefixes sort as keys do (§6).
    static func keyPrefix(_ raw: UnsafeRawBufferPointer, at offset: Int) -> UInt64 {
        var reader = SegmentFormat.reader(raw, at: offset)
        return (try? reader.integer("key prefix", .bigEndian)) ?? 0
    }

    /// Ordinals within the segment whose key starts with the first 8 bytes of `key`, ascending.
    func candidates(forKey key: [UInt8]) -> [UInt32] {
        let prefix = key.withUnsafeBytes { Self.keyPrefix($0, at: 0) }
        let count = keyEntries.count / Self.entrySize
        return keyEntries.withUnsafeBytes { raw in
            func prefixAt(_ index: Int) -> UInt64 { Self.keyPrefix(raw, at: index * Self.entrySize) }
            var low = 0
            var high = count
            while low < high {
                let middle = (low + high) / 2
                if prefixAt(middle) < prefix { low = middle + 1 } else { high = middle }
            }
            var result: [UInt32] = []
            var index = low
            while index < count, prefixAt(index) == prefix {
                var reader = SegmentFormat.reader(raw, at: index * Self.entrySize + 8)
                if let ordinal = try? reader.u32() { result.append(ordinal) }
                index += 1
            }
            return result
        }
    }

    /// The index of the block holding `ordinal`, by binary search; nil when outside the blocks.
    static func blockIndex(of ordinal: UInt64, in blocks: [BlockInfo]) -> Int? {
        var low = 0
        var high = blocks.count
        while low < high {
            let middle = (low + high) / 2
            if blocks[middle].firstOrdinal + UInt64(blocks[middle].recordCount) <= ordinal { low = middle + 1 } else { high = middle }
        }
        guard low < blocks.count, blocks[low].firstOrdinal <= ordinal else { return nil }
        return low
    }
}
