/// The order of an integer's bytes in a format.
///
/// Segment files are little-endian (Specs/segment-format.md §2); entries, tree heads, sync
/// messages and bundles are big-endian (Specs/entry-format.md §2, Specs/sync-protocol.md §2).
public enum ByteOrder: Sendable {
    /// Least significant byte first.
    case littleEndian
    /// Most significant byte first (network order).
    case bigEndian
}

/// What a `ByteCursor` could not read, and where.
///
/// Each layer turns this into its own error (`ByteCursorFailure`), so the cursor needs to
/// know nothing of storage, entries or sync.
public struct ByteCursorFault: Error, Sendable {
    /// The kinds of fault a cursor finds by itself.
    public enum Kind: Sendable, Equatable {
        /// The bytes end before the field does.
        case truncated(needed: Int)
        /// A LEB128 varint with a redundant trailing zero group.
        case nonMinimalVarint
        /// A LEB128 varint above 2^64 - 1.
        case varintOverflow
        /// A count above the caller's limit.
        case overLimit(value: UInt64, limit: Int)
        /// Bytes remain where the caller expected the end.
        case trailingBytes
        /// A rule of the caller's format is broken; the text says which.
        case malformed(String)
    }

    /// What went wrong.
    public let kind: Kind
    /// The field being read, as the format names it (may be empty).
    public let field: String
    /// Where the field starts, counted from the start of the enclosing message or file.
    public let offset: Int
    /// How many bytes were left at `offset`.
    public let available: Int

    /// Creates a fault.
    public init(_ kind: Kind, field: String, offset: Int, available: Int) {
        self.kind = kind
        self.field = field
        self.offset = offset
        self.available = available
    }
}

/// An error a `ByteCursor` can throw: each layer's error type says how it reports a fault.
public protocol ByteCursorFailure: Error {
    /// What the layer needs besides the fault (e.g. which codes to use); `Void` when nothing.
    associatedtype Context = Void
    /// The layer's error for `fault`.
    static func cursorFault(_ fault: ByteCursorFault, context: Context) -> Self
}

extension ByteCursorFault: ByteCursorFailure {
    /// The fault itself, for callers that only need to know that a read failed.
    public static func cursorFault(_ fault: ByteCursorFault, context: Void) -> ByteCursorFault { fault }
}

/// The one bounds-checked reader of the project's binary formats.
///
/// Reads fixed-width integers in the format's `byteOrder`, minimal LEB128 varints and raw
/// bytes; a read past `end` throws the layer's own error (`Failure`) naming the field and its
/// offset, and never traps whatever the input. `Bytes` is any random-access byte collection
/// indexed from 0 (`[UInt8]`, `UnsafeRawBufferPointer`).
public struct ByteCursor<Bytes: RandomAccessCollection, Failure: ByteCursorFailure>
where Bytes.Element == UInt8, Bytes.Index == Int {
    /// The bytes read.
    public let bytes: Bytes
    /// The index of the next byte to read.
    @inlinable public var position: Int { cursor }
    /// Storage of `position`, moved only by the reads.
    @usableFromInline var cursor: Int
    /// One past the last readable index.
    public let end: Int
    /// Offset of `bytes[0]` in the enclosing message or file, for error offsets.
    public let base: Int
    /// The byte order of fixed-width integers.
    public let byteOrder: ByteOrder
    /// What `Failure` needs to report a fault.
    public let context: Failure.Context

    /// A cursor over `bytes[start..<end]` (end defaults to the end of `bytes`).
    @inlinable
    public init(_ bytes: Bytes, byteOrder: ByteOrder, from start: Int = 0, to end: Int? = nil, base: Int = 0,
                context: Failure.Context) {
        self.bytes = bytes
        self.cursor = max(start, 0)
        self.end = min(end ?? bytes.endIndex, bytes.endIndex)
        self.base = base
        self.byteOrder = byteOrder
        self.context = context
    }

    /// Bytes left to read.
    @inlinable public var remaining: Int { end - position }
    /// Whether every byte has been read.
    @inlinable public var isAtEnd: Bool { position >= end }
    /// `position` as an offset in the enclosing message or file.
    @inlinable public var offset: Int { base + position }

    /// The layer's error for a fault of `kind` at the current position.
    @inlinable
    public func fault(_ kind: ByteCursorFault.Kind, field: String = "") -> Failure {
        Failure.cursorFault(ByteCursorFault(kind, field: field, offset: offset, available: remaining), context: context)
    }

    /// Throws `.truncated` unless `count` more bytes are there.
    @inlinable
    public func need(_ count: Int, _ field: String) throws(Failure) {
        guard count >= 0, count <= remaining else { throw fault(.truncated(needed: count), field: field) }
    }

    /// One byte.
    @inlinable
    public mutating func u8(_ field: String = "") throws(Failure) -> UInt8 {
        try need(1, field)
        defer { cursor += 1 }
        return bytes[position]
    }

    /// A 2-byte integer in `byteOrder`.
    @inlinable
    public mutating func u16(_ field: String = "") throws(Failure) -> UInt16 { try integer(field, byteOrder) }

    /// A 4-byte integer in `byteOrder`.
    @inlinable
    public mutating func u32(_ field: String = "") throws(Failure) -> UInt32 { try integer(field, byteOrder) }

    /// An 8-byte integer in `byteOrder`.
    @inlinable
    public mutating func u64(_ field: String = "") throws(Failure) -> UInt64 { try integer(field, byteOrder) }

    /// A fixed-width integer in `order` (a format may embed a field of the other order).
    @inlinable
    public mutating func integer<T: FixedWidthInteger>(_ field: String, _ order: ByteOrder) throws(Failure) -> T {
        let size = T.bitWidth / 8
        try need(size, field)
        // Contiguous bytes (arrays, raw buffers): one unaligned load.
        let at = cursor - bytes.startIndex
        if let loaded = bytes.withContiguousStorageIfAvailable({ UnsafeRawBufferPointer($0).loadUnaligned(fromByteOffset: at, as: T.self) }) {
            cursor += size
            return order == .bigEndian ? T(bigEndian: loaded) : T(littleEndian: loaded)
        }
        var value: T = 0
        switch order {
        case .bigEndian:
            for index in position..<(position + size) { value = value << 8 | T(truncatingIfNeeded: bytes[index]) }
        case .littleEndian:
            for index in (position..<(position + size)).reversed() { value = value << 8 | T(truncatingIfNeeded: bytes[index]) }
        }
        cursor += size
        return value
    }

    /// A minimal unsigned LEB128 of at most 10 bytes (Specs/sync-protocol.md §2.1); overlong
    /// forms are rejected so every value has exactly one encoding.
    @inlinable
    public mutating func varint(_ field: String = "") throws(Failure) -> UInt64 {
        let start = position
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard remaining >= 1 else { throw fault(.truncated(needed: 1), field: field) }
            let byte = bytes[position]
            cursor += 1
            if shift == 63 && byte > 1 {
                cursor = start
                throw fault(.varintOverflow, field: field)
            }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 {
                if byte == 0 && position - start > 1 {
                    cursor = start
                    throw fault(.nonMinimalVarint, field: field)
                }
                return value
            }
            shift += 7
        }
    }

    /// A varint that must not exceed `limit`.
    @inlinable
    public mutating func count(_ field: String, limit: Int) throws(Failure) -> Int {
        let start = position
        let value = try varint(field)
        guard value <= UInt64(limit) else {
            cursor = start
            throw fault(.overLimit(value: value, limit: limit), field: field)
        }
        return Int(value)
    }

    /// The next `count` bytes, copied.
    @inlinable
    public mutating func raw(_ count: Int, _ field: String = "") throws(Failure) -> [UInt8] {
        try need(count, field)
        defer { cursor += count }
        return Array(bytes[position..<(position + count)])
    }

    /// Moves past `count` bytes.
    @inlinable
    public mutating func skip(_ count: Int, _ field: String = "") throws(Failure) {
        try need(count, field)
        cursor += count
    }

    /// Throws `.trailingBytes` unless every byte has been read.
    @inlinable
    public func expectEnd(_ what: String) throws(Failure) {
        guard isAtEnd else { throw fault(.trailingBytes, field: what) }
    }
}

extension ByteCursor where Failure.Context == Void {
    /// A cursor for a layer whose errors need no context.
    @inlinable
    public init(_ bytes: Bytes, byteOrder: ByteOrder, from start: Int = 0, to end: Int? = nil, base: Int = 0) {
        self.init(bytes, byteOrder: byteOrder, from: start, to: end, base: base, context: ())
    }
}
