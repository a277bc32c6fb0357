import LedgerCore

/// Appends big-endian integers, LEB128 varints and raw bytes to a growing buffer.
///
/// All sync and bundle encodings are written through this one type so that the
/// byte layouts in `Specs/sync-protocol.md` §2 have exactly one implementation.
struct ByteWriter {
    private(set) var bytes: [UInt8] = []

    init(capacity: Int = 0) { bytes.reserveCapacity(capacity) }

    mutating func u8(_ value: UInt8) { bytes.append(value) }

    mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
        bytes.append(UInt8(truncatingIfNeeded: value))
    }

    mutating func patchU16(at index: Int, _ value: UInt16) {
        bytes[index] = UInt8(truncatingIfNeeded: value >> 8)
        bytes[index + 1] = UInt8(truncatingIfNeeded: value)
    }

    mutating func u32(_ value: UInt32) {
        for shift in stride(from: 24, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt32(shift))) }
    }

    mutating func u64(_ value: UInt64) {
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Unsigned LEB128, minimal length (Specs/sync-protocol.md §2.1).
    mutating func varint(_ value: UInt64) {
        var rest = value
        while rest >= 0x80 {
            bytes.append(UInt8(truncatingIfNeeded: rest) | 0x80)
            rest >>= 7
        }
        bytes.append(UInt8(rest))
    }

    mutating func raw<Bytes: Sequence>(_ data: Bytes) where Bytes.Element == UInt8 { bytes.append(contentsOf: data) }

    mutating func hash(_ value: Hash32) {
        u64(value.w0); u64(value.w1); u64(value.w2); u64(value.w3)
    }
}

/// Reads the encodings `ByteWriter` writes, failing with a precise `SyncError` that
/// names the field and its offset (relative to `base`, the position of the buffer in
/// its message or file).
struct ByteReader {
    let bytes: [UInt8]
    private(set) var position: Int
    let end: Int
    /// Offset of `bytes[0]` in the enclosing message or file, for error context.
    let base: Int
    let truncatedCode: SyncError.Code
    let malformedCode: SyncError.Code

    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil, base: Int = 0,
         truncated: SyncError.Code = .truncatedMessage, malformed: SyncError.Code = .malformedMessage) {
        self.bytes = bytes
        self.position = start
        self.end = end ?? bytes.count
        self.base = base
        self.truncatedCode = truncated
        self.malformedCode = malformed
    }

    var remaining: Int { end - position }
    var isAtEnd: Bool { position == end }
    var offset: Int { base + position }

    func truncated(_ field: String) -> SyncError {
        SyncError(truncatedCode, "input ends inside \(field)", offset: offset)
    }

    func malformed(_ what: String) -> SyncError {
        SyncError(malformedCode, what, offset: offset)
    }

    mutating func u8(_ field: String) throws(SyncError) -> UInt8 {
        guard remaining >= 1 else { throw truncated(field) }
        defer { position += 1 }
        return bytes[position]
    }

    mutating func u16(_ field: String) throws(SyncError) -> UInt16 {
        guard remaining >= 2 else { throw truncated(field) }
        defer { position += 2 }
        return UInt16(bytes[position]) << 8 | UInt16(bytes[position + 1])
    }

    mutating func u32(_ field: String) throws(SyncError) -> UInt32 {
        guard remaining >= 4 else { throw truncated(field) }
        var value: UInt32 = 0
        for i in 0..<4 { value = value << 8 | UInt32(bytes[position + i]) }
        position += 4
        return value
    }

    mutating func u64(_ field: String) throws(SyncError) -> UInt64 {
        guard remaining >= 8 else { throw truncated(field) }
        var value: UInt64 = 0
        for i in 0..<8 { value = value << 8 | UInt64(bytes[position + i]) }
        position += 8
        return value
    }

    /// A minimal unsigned LEB128 of at most 10 bytes; overlong forms are rejected so
    /// every value has exactly one encoding.
    mutating func varint(_ field: String) throws(SyncError) -> UInt64 {
        let start = position
        var value: UInt64 = 0
        var shift: UInt64 = 0
        while true {
            guard remaining >= 1 else { throw truncated(field) }
            let byte = bytes[position]
            position += 1
            if shift == 63 && byte > 1 { position = start; throw malformed("\(field): varint overflows 64 bits") }
            value |= UInt64(byte & 0x7f) << shift
            if byte & 0x80 == 0 {
                if byte == 0 && position - start > 1 { position = start; throw malformed("\(field): varint is not minimal") }
                return value
            }
            shift += 7
        }
    }

    /// A varint that must not exceed `limit`.
    mutating func count(_ field: String, limit: Int) throws(SyncError) -> Int {
        let start = position
        let value = try varint(field)
        guard value <= UInt64(limit) else {
            position = start
            throw SyncError(.limitExceeded, "\(field) is \(value), over the limit of \(limit)", offset: offset)
        }
        return Int(value)
    }

    mutating func raw(_ count: Int, _ field: String) throws(SyncError) -> [UInt8] {
        guard count >= 0, remaining >= count else { throw truncated(field) }
        defer { position += count }
        return Array(bytes[position..<(position + count)])
    }

    mutating func hash(_ field: String) throws(SyncError) -> Hash32 {
        guard remaining >= 32 else { throw truncated(field) }
        let w0 = try u64(field), w1 = try u64(field), w2 = try u64(field), w3 = try u64(field)
        return Hash32(w0: w0, w1: w1, w2: w2, w3: w3)
    }

    mutating func skip(_ count: Int) { position += count }

    func expectEnd(_ what: String) throws(SyncError) {
        guard isAtEnd else { throw malformed("\(remaining) trailing bytes after \(what)") }
    }
}
