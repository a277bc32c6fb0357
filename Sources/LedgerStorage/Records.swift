import LedgerPrimitives

/// Where a record lives: its segment, its block and its place in the block, plus its ordinal.
///
/// Locations are stable for the life of the store (segments are never rewritten), so the
/// layers above may keep them; ``SegmentLog/read(at:)`` checks a location before use.
public struct RecordLocation: Hashable, Sendable, Codable, CustomStringConvertible {
    /// The segment number (the digits of `segment-NNNNNNNNNN.lz4`).
    public let segment: UInt64
    /// File offset of the block's header frame in that segment.
    public let blockOffset: UInt64
    /// The record's position within its block (0-based).
    public let index: UInt32
    /// The record's ordinal: its 0-based position in append order across the whole log.
    public let ordinal: UInt64

    /// Creates a location; normally obtained from the log rather than built by hand.
    public init(segment: UInt64, blockOffset: UInt64, index: UInt32, ordinal: UInt64) {
        self.segment = segment
        self.blockOffset = blockOffset
        self.index = index
        self.ordinal = ordinal
    }

    /// `segment:blockOffset:index (#ordinal)`.
    public var description: String { "\(segment):\(blockOffset):\(index) (#\(ordinal))" }
}

/// A record read back from the log.
///
/// `key` and `value` are slices of the decoded block they came from, so iterating a log
/// copies no record bytes; copy them (`Array(record.value)`) to keep them independently.
public struct StoredRecord: Sendable {
    /// Where the record lives.
    public let location: RecordLocation
    /// The 32-byte key given at append time.
    public let key: ArraySlice<UInt8>
    /// The value bytes given at append time.
    public let value: ArraySlice<UInt8>

    /// The record's ordinal (same as `location.ordinal`).
    public var ordinal: UInt64 { location.ordinal }
}

/// What recovery cut from the tail of the active segment when the log was opened.
///
/// Nothing is discarded: the cut bytes were copied, and fsynced, to `quarantineFile` first.
public struct RecoveryReport: Sendable, Hashable {
    /// The segment file that was cut.
    public let file: String
    /// The offset the file was cut back to: the end of its last complete, checksummed block.
    public let cutOffset: UInt64
    /// How many bytes were cut.
    public let cutBytes: UInt64
    /// Where the cut bytes were saved, beside the segment; empty when a read-only open
    /// (``SegmentLogOptions/readOnly``) left them in place, unread.
    public let quarantineFile: String
    /// Why the bytes at `cutOffset` were not a valid block (torn, checksum mismatch, ...).
    public let reason: String
}

/// One problem found by ``SegmentLog/verify(progress:)`` or while opening.
public struct StorageFault: Sendable, Hashable, CustomStringConvertible {
    /// The file at fault.
    public let file: String
    /// The byte offset at fault in `file`.
    public let offset: UInt64
    /// What is wrong, in a few words (never record bytes).
    public let what: String

    /// Creates a fault.
    public init(file: String, offset: UInt64, what: String) {
        self.file = file
        self.offset = offset
        self.what = what
    }

    /// `file@offset: what`.
    public var description: String { "\(file)@\(offset): \(what)" }
}

/// Sizes and counts of a log, for `stats`.
public struct StorageStatistics: Sendable, Hashable {
    /// Segment files, sealed and active.
    public let segments: Int
    /// Of which sealed (immutable).
    public let sealedSegments: Int
    /// Bytes of all segment files on disk.
    public let bytesOnDisk: UInt64
    /// Bytes of all record values before compression.
    public let rawBytes: UInt64
    /// Records in the log.
    public let records: UInt64
}

/// A 32-byte key as four words, hashable, for the active segment's in-memory key map.
struct Key32: Hashable {
    let a: UInt64, b: UInt64, c: UInt64, d: UInt64

    /// The first 32 bytes of `bytes` (zero words past its end); the words' byte order does not
    /// matter, they are only compared and hashed.
    init(_ bytes: UnsafeRawBufferPointer) {
        var reader = SegmentFormat.reader(bytes, at: 0)
        a = (try? reader.u64()) ?? 0
        b = (try? reader.u64()) ?? 0
        c = (try? reader.u64()) ?? 0
        d = (try? reader.u64()) ?? 0
    }
}
