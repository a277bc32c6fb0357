import LZ4Codec
import LedgerPrimitives

/// Constants and the fixed-size frames of the segment format (Specs/segment-format.md).
enum SegmentFormat {
    /// The format version written in every segment header (§4).
    static let version: UInt16 = 1
    /// Skippable-frame nibbles (§2): the magic is `0x184D2A50 | nibble`.
    static let headerNibble: UInt8 = 0xA
    static let blockHeaderNibble: UInt8 = 0xB
    static let indexNibble: UInt8 = 0xC
    static let tailNibble: UInt8 = 0xD
    /// ASCII "CLSEGHDR" and "CLSEGEND": the first 8 payload bytes of header and tail (§4, §6).
    static let headerTag: [UInt8] = Array("CLSEGHDR".utf8)
    static let tailTag: [UInt8] = Array("CLSEGEND".utf8)
    /// Whole-frame sizes of the fixed frames, including the 8-byte skippable header.
    static let headerFrameSize = 44
    static let tailFrameSize = 44
    /// Key size: every record key is 32 bytes (e.g. a SHA-256).
    static let keySize = 32
    /// Bytes per record in a block header: key and value length (§5).
    static let blockRecordEntrySize = 36
    /// Fixed payload bytes of a block header before the record entries (§5).
    static let blockHeaderFixedPayload = 24
    /// The most raw bytes one block may declare; a reader refuses more before allocating (§5).
    static let maxBlockRawLength = 64 << 20
    /// The most compressed bytes one block's LZ4 frame may occupy.
    static let maxBlockDataLength = LZ4FrameDecompressor.defaultMaxOutput + (1 << 20)
    /// The most records one block may hold.
    static let maxRecordsPerBlock = 1 << 20

    /// A reader of segment bytes from `offset` on: every integer of the format is little-endian (§2).
    static func reader(_ raw: UnsafeRawBufferPointer, at offset: Int) -> ByteCursor<UnsafeRawBufferPointer, ByteCursorFault> {
        ByteCursor(raw, byteOrder: .littleEndian, from: offset)
    }

    /// A 44-byte header or tail frame (§4, §6): skippable-frame header, 8-byte tag, the 24
    /// bytes `fields` writes, and the XXH64 checksum of everything before it.
    static func fixedFrame(nibble: UInt8, tag: [UInt8], _ fields: (inout ByteWriter) -> Void) -> [UInt8] {
        var out = ByteWriter(.littleEndian, capacity: headerFrameSize)
        LZ4SkippableFrame.appendHeader(nibble: nibble, payloadSize: 36, to: &out.bytes)
        out.raw(tag)
        fields(&out)
        out.u32(XXH64.checksum(out.bytes))
        return out.bytes
    }

    /// Whether `bytes` is a 44-byte frame with this nibble and tag (checksum not checked).
    static func isFixedFrame(_ bytes: [UInt8], nibble: UInt8, tag: [UInt8]) -> Bool {
        guard bytes.count == headerFrameSize, let frame = LZ4SkippableFrame.parseHeader(bytes) else { return false }
        return frame.nibble == nibble && frame.payloadSize == 36 && bytes[8..<16].elementsEqual(tag)
    }

    /// File name of segment `number`: `segment-` and 10 or more decimal digits, then `.lz4` (§1).
    static func fileName(segment number: UInt64) -> String {
        let digits = String(number)
        return "segment-" + String(repeating: "0", count: max(0, 10 - digits.count)) + digits + ".lz4"
    }

    /// The segment number in a file name written by ``fileName(segment:)``, or nil.
    static func segmentNumber(fileName name: String) -> UInt64? {
        guard name.hasPrefix("segment-"), name.hasSuffix(".lz4") else { return nil }
        let digits = name.dropFirst("segment-".count).dropLast(".lz4".count)
        guard digits.count >= 10, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return UInt64(digits)
    }
}

/// The segment header frame (§4): who this segment is and where its ordinals start.
struct SegmentHeader: Equatable {
    var segmentNumber: UInt64
    var firstOrdinal: UInt64

    /// The 44 bytes of the header frame.
    func encoded() -> [UInt8] {
        SegmentFormat.fixedFrame(nibble: SegmentFormat.headerNibble, tag: SegmentFormat.headerTag) { out in
            out.u16(SegmentFormat.version)
            out.u16(0)
            out.u32(0)
            out.u64(segmentNumber)
            out.u64(firstOrdinal)
        }
    }

    /// Parses and checks a header frame; throws `.corruptSegment` or `.unsupportedVersion`.
    static func decode(_ bytes: [UInt8], file: String) throws -> SegmentHeader {
        func corrupt(_ why: String) -> StorageError {
            StorageError(.corruptSegment, "segment header \(why)", file: file, offset: 0)
        }
        guard bytes.count == SegmentFormat.headerFrameSize else { throw corrupt("is truncated") }
        guard SegmentFormat.isFixedFrame(bytes, nibble: SegmentFormat.headerNibble, tag: SegmentFormat.headerTag) else {
            throw corrupt("has a wrong magic, size or tag")
        }
        return try bytes.withUnsafeBytes { raw in
            var reader = SegmentFormat.reader(raw, at: 16)
            guard let version = try? reader.u16(), (try? reader.skip(6)) != nil, let number = try? reader.u64(),
                let first = try? reader.u64(), let stored = try? reader.u32()
            else { throw corrupt("is truncated") }
            guard XXH64.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<40])) == stored else {
                throw corrupt("checksum mismatch")
            }
            guard version <= SegmentFormat.version else {
                throw StorageError(.unsupportedVersion, "segment format version \(version) is newer than \(SegmentFormat.version)", file: file, offset: 16)
            }
            return SegmentHeader(segmentNumber: number, firstOrdinal: first)
        }
    }
}

/// The segment tail frame (§6): the last 44 bytes of a sealed segment, locating its index.
struct SegmentTail: Equatable {
    var indexOffset: UInt64
    var recordCount: UInt64
    var rawBytes: UInt64

    /// The 44 bytes of the tail frame.
    func encoded() -> [UInt8] {
        SegmentFormat.fixedFrame(nibble: SegmentFormat.tailNibble, tag: SegmentFormat.tailTag) { out in
            out.u64(indexOffset)
            out.u64(recordCount)
            out.u64(rawBytes)
        }
    }

    /// Parses a tail frame; nil when the bytes are not a valid tail (the segment is then unsealed).
    static func decode(_ bytes: [UInt8]) -> SegmentTail? {
        guard SegmentFormat.isFixedFrame(bytes, nibble: SegmentFormat.tailNibble, tag: SegmentFormat.tailTag) else { return nil }
        return bytes.withUnsafeBytes { raw in
            var reader = SegmentFormat.reader(raw, at: 16)
            guard let index = try? reader.u64(), let count = try? reader.u64(), let rawBytes = try? reader.u64(),
                let stored = try? reader.u32(),
                XXH64.checksum(UnsafeRawBufferPointer(rebasing: raw[0..<40])) == stored
            else { return nil }
            return SegmentTail(indexOffset: index, recordCount: count, rawBytes: rawBytes)
        }
    }
}
