import LZ4Codec
import LedgerPrimitives

/// Where one block sits in a segment and which ordinals it holds (kept in memory per segment).
struct BlockInfo: Equatable {
    /// File offset of the block header frame.
    var offset: UInt64
    /// Bytes of the whole block: header frame and LZ4 data frame.
    var length: UInt32
    /// Ordinal of the block's first record.
    var firstOrdinal: UInt64
    /// Records in the block.
    var recordCount: UInt32
}

/// The fixed part of a block header (Specs/segment-format.md §5), enough to know the block's extent.
struct BlockHeaderPrefix {
    static let size = 32
    /// Flag bit 0: this block is the last of its append batch (the batch's commit point).
    static let batchEndFlag: UInt32 = 1
    var firstOrdinal: UInt64
    var recordCount: Int
    var rawLength: Int
    var dataLength: Int
    var flags: UInt32
    var endsBatch: Bool { flags & Self.batchEndFlag != 0 }
    /// Bytes of the header frame (8-byte skippable header and payload).
    var headerLength: Int { 8 + SegmentFormat.blockHeaderFixedPayload + SegmentFormat.blockRecordEntrySize * recordCount + 4 }
    /// Bytes of the whole block.
    var totalLength: Int { headerLength + dataLength }

    /// Parses the first 32 bytes of a block; nil when they are not a plausible block header.
    static func parse(_ raw: UnsafeRawBufferPointer) -> BlockHeaderPrefix? {
        guard raw.count >= size, let frame = LZ4SkippableFrame.parseHeader(raw),
            frame.nibble == SegmentFormat.blockHeaderNibble
        else { return nil }
        var reader = SegmentFormat.reader(raw, at: 8)
        guard let first = try? reader.u64(), let count = try? reader.u32(), let rawLength = try? reader.u32(),
            let dataLength = try? reader.u32(), let flags = try? reader.u32()
        else { return nil }
        let prefix = BlockHeaderPrefix(
            firstOrdinal: first, recordCount: Int(count), rawLength: Int(rawLength), dataLength: Int(dataLength), flags: flags)
        guard count > 0, flags & ~batchEndFlag == 0, Int(count) <= SegmentFormat.maxRecordsPerBlock,
            Int(rawLength) <= SegmentFormat.maxBlockRawLength, Int(dataLength) <= SegmentFormat.maxBlockDataLength,
            dataLength >= 4, Int(frame.payloadSize) == prefix.headerLength - 8
        else { return nil }
        return prefix
    }
}

/// Encodes records into blocks (Specs/segment-format.md §5).
enum BlockEncoder {
    /// Appends one encoded block holding `records` to `out`.
    ///
    /// The raw bytes (the values, concatenated) are compressed into one LZ4 frame; the block
    /// header frame before it lists the keys and value lengths and ends with the checksum of
    /// the header bytes before the checksum, continued (as the seed) over the LZ4 frame (§3).
    static func append(
        _ records: ArraySlice<(key: [UInt8], value: [UInt8])>, firstOrdinal: UInt64, endsBatch: Bool,
        scratch: inout [UInt8], to out: inout [UInt8]
    ) throws -> BlockInfo {
        scratch.removeAll(keepingCapacity: true)
        for record in records { scratch.append(contentsOf: record.value) }
        let frame: [UInt8]
        do {
            frame = try LZ4FrameCompressor.compress(scratch)
        } catch {
            throw StorageError(.io, "could not compress a block", underlying: error)
        }
        let start = out.count
        let payloadSize = SegmentFormat.blockHeaderFixedPayload + SegmentFormat.blockRecordEntrySize * records.count + 4
        LZ4SkippableFrame.appendHeader(nibble: SegmentFormat.blockHeaderNibble, payloadSize: UInt32(payloadSize), to: &out)
        ByteWriter.appending(to: &out, .littleEndian) { out in
            out.u64(firstOrdinal)
            out.u32(UInt32(records.count))
            out.u32(UInt32(scratch.count))
            out.u32(UInt32(frame.count))
            out.u32(endsBatch ? BlockHeaderPrefix.batchEndFlag : 0)
            for record in records {
                out.raw(record.key)
                out.u32(UInt32(record.value.count))
            }
            let headerHash = out.bytes.withUnsafeBytes { XXH64.hash(UnsafeRawBufferPointer(rebasing: $0[start...])) }
            out.u32(XXH64.stored(frame.withUnsafeBytes { XXH64.hash($0, seed: headerHash) }))
            out.raw(frame)
        }
        return BlockInfo(
            offset: 0, length: UInt32(out.count - start), firstOrdinal: firstOrdinal, recordCount: UInt32(records.count))
    }
}

/// A block read back, checked and decompressed: its on-disk bytes (for the keys), value
/// boundaries and raw bytes. Keys and values are handed out as slices, never copied.
final class DecodedBlock: Sendable {
    /// Ordinal of the first record.
    let firstOrdinal: UInt64
    /// The block as stored; key i is at `32 + 36·i` (§5.1).
    let stored: [UInt8]
    /// `ends[i]` is where record i's value ends in `raw`; record i starts at `ends[i-1]` (or 0).
    let ends: [Int]
    /// The decompressed values, concatenated.
    let raw: [UInt8]

    var count: Int { ends.count }

    /// Whether ``raw`` holds every value, not only those up to a record a read asked for.
    var isComplete: Bool { raw.count == ends.last ?? 0 }

    /// Whether record `index`'s value is in ``raw`` (always, when the block is complete).
    func holds(_ index: Int) -> Bool { ends[index] <= raw.count }

    init(firstOrdinal: UInt64, stored: [UInt8], ends: [Int], raw: [UInt8]) {
        self.firstOrdinal = firstOrdinal
        self.stored = stored
        self.ends = ends
        self.raw = raw
    }

    func key(_ index: Int) -> ArraySlice<UInt8> {
        let at = BlockHeaderPrefix.size + index * SegmentFormat.blockRecordEntrySize
        return stored[at..<at + SegmentFormat.keySize]
    }

    /// Record `index`'s value; the block must hold it (``holds(_:)``).
    func value(_ index: Int) -> ArraySlice<UInt8> { raw[(index == 0 ? 0 : ends[index - 1])..<ends[index]] }

    /// Checks the checksum of a complete block held in `bytes` and returns its header prefix.
    ///
    /// Used by recovery (no decompression) and by ``decode(_:file:offset:decompressor:)``.
    static func check(_ bytes: UnsafeRawBufferPointer, file: String, offset: UInt64) throws -> BlockHeaderPrefix {
        guard let prefix = BlockHeaderPrefix.parse(bytes) else {
            throw StorageError(.corruptBlock, "block header is malformed", file: file, offset: offset)
        }
        guard bytes.count >= prefix.totalLength else {
            throw StorageError(.corruptBlock, "block is truncated", file: file, offset: offset)
        }
        let checksumAt = prefix.headerLength - 4
        var reader = SegmentFormat.reader(bytes, at: checksumAt)
        let stored = try? reader.u32()
        let headerHash = XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[0..<checksumAt]))
        let hash = XXH64.hash(UnsafeRawBufferPointer(rebasing: bytes[prefix.headerLength..<prefix.totalLength]), seed: headerHash)
        guard stored == XXH64.stored(hash) else {
            throw StorageError(.corruptBlock, "block checksum mismatch", file: file, offset: offset)
        }
        return prefix
    }

    /// Checks and decodes the block that fills `stored` exactly.
    ///
    /// With `record`, the values are decompressed only up to the end of that record's when
    /// the block's frame allows it (``LZ4FrameDecompressor/decompressPrefix(_:contentSize:count:)``):
    /// a read by ordinal of one record of a block it will not read again (the HTTP API loading
    /// a patient's versions, scattered over the log) then decompresses half a block on average.
    /// The checksum still covers the whole block, so damage is found as before.
    static func decode(
        _ stored: [UInt8], file: String, offset: UInt64, decompressor: LZ4FrameDecompressor, upTo record: Int? = nil
    ) throws -> DecodedBlock {
        try stored.withUnsafeBytes { bytes in
            let prefix = try check(bytes, file: file, offset: offset)
            guard prefix.totalLength == bytes.count else {
                throw StorageError(.corruptBlock, "block length disagrees with the index", file: file, offset: offset)
            }
            var ends = [Int]()
            ends.reserveCapacity(prefix.recordCount)
            var end = 0
            for record in 0..<prefix.recordCount {
                let at = BlockHeaderPrefix.size + record * SegmentFormat.blockRecordEntrySize + SegmentFormat.keySize
                end += Int(bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self).littleEndian)
                ends.append(end)
            }
            guard end == prefix.rawLength else {
                throw StorageError(.corruptBlock, "value lengths disagree with the block's raw length", file: file, offset: offset)
            }
            let frame = UnsafeRawBufferPointer(rebasing: bytes[prefix.headerLength..<prefix.totalLength])
            if let record, record < ends.count, ends[record] < end, ends[record] > 0,
               let values = LZ4FrameDecompressor.decompressPrefix(frame, contentSize: prefix.rawLength, count: ends[record]) {
                return DecodedBlock(firstOrdinal: prefix.firstOrdinal, stored: stored, ends: ends, raw: values)
            }
            let raw: [UInt8]
            do {
                raw = try decompressor.decompressFrame(frame, maxOutput: prefix.rawLength)
            } catch {
                throw StorageError(
                    .corruptBlock, "block data does not decompress", file: file, offset: offset + UInt64(prefix.headerLength),
                    underlying: error)
            }
            guard raw.count == prefix.rawLength else {
                throw StorageError(.corruptBlock, "block decompressed to a wrong size", file: file, offset: offset)
            }
            return DecodedBlock(firstOrdinal: prefix.firstOrdinal, stored: stored, ends: ends, raw: raw)
        }
    }
}
