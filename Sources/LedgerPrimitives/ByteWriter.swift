/// The one writer of the project's binary formats: fixed-width integers in the format's
/// `byteOrder`, minimal LEB128 varints and raw bytes, appended to a growing buffer.
///
/// `ByteCursor` reads what this writes.
public struct ByteWriter: Sendable {
    /// The bytes written so far.
    public var bytes: [UInt8] = []
    /// The byte order of fixed-width integers.
    public let byteOrder: ByteOrder

    /// An empty writer with room for `capacity` bytes.
    @inlinable
    public init(_ byteOrder: ByteOrder, capacity: Int = 0) {
        self.byteOrder = byteOrder
        bytes.reserveCapacity(capacity)
    }

    /// Runs `body` with a writer that appends to `buffer` in place (no copy), for code that
    /// builds a format inside a caller's buffer.
    @inlinable
    public static func appending<Result>(
        to buffer: inout [UInt8], _ byteOrder: ByteOrder, _ body: (inout ByteWriter) throws -> Result
    ) rethrows -> Result {
        var writer = ByteWriter(byteOrder)
        swap(&writer.bytes, &buffer)
        defer { swap(&writer.bytes, &buffer) }
        return try body(&writer)
    }

    /// One byte.
    @inlinable public mutating func u8(_ value: UInt8) { bytes.append(value) }
    /// 2 bytes in `byteOrder`.
    @inlinable public mutating func u16(_ value: UInt16) { integer(value, byteOrder) }
    /// 4 bytes in `byteOrder`.
    @inlinable public mutating func u32(_ value: UInt32) { integer(value, byteOrder) }
    /// 8 bytes in `byteOrder`.
    @inlinable public mutating func u64(_ value: UInt64) { integer(value, byteOrder) }

    /// A fixed-width integer in `order`.
    @inlinable
    public mutating func integer<T: FixedWidthInteger>(_ value: T, _ order: ByteOrder) {
        switch order {
        case .bigEndian: withUnsafeBytes(of: value.bigEndian) { bytes.append(contentsOf: $0) }
        case .littleEndian: withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }
    }

    /// Overwrites the 2 bytes at `index` (a length known only after what follows is written).
    @inlinable
    public mutating func patchU16(at index: Int, _ value: UInt16) {
        var patch = ByteWriter(byteOrder, capacity: 2)
        patch.u16(value)
        bytes.replaceSubrange(index..<(index + 2), with: patch.bytes)
    }

    /// Unsigned LEB128, minimal length (Specs/sync-protocol.md §2.1).
    @inlinable
    public mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    /// Raw bytes.
    @inlinable
    public mutating func raw<Data: Sequence>(_ data: Data) where Data.Element == UInt8 { bytes.append(contentsOf: data) }
}
