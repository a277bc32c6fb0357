import LedgerCore

/// Sync messages and bundles read through the one cursor (big-endian, Specs/sync-protocol.md
/// §2), failing with a `SyncError` that names the field and its offset.
typealias ByteReader = ByteCursor<[UInt8], SyncError>

extension SyncError: ByteCursorFailure {
    /// The codes a reader reports truncation and malformed input with: a sync message's or
    /// a bundle's.
    public struct CursorCodes: Sendable {
        /// For input that ends inside a field.
        public let truncated: Code
        /// For input that breaks a rule of the format.
        public let malformed: Code
    }

    /// The sync layer's error for a fault the cursor found.
    public static func cursorFault(_ fault: ByteCursorFault, context: CursorCodes) -> SyncError {
        switch fault.kind {
        case .truncated:
            return SyncError(context.truncated, "input ends inside \(fault.field)", offset: fault.offset)
        case .varintOverflow:
            return SyncError(context.malformed, "\(fault.field): varint overflows 64 bits", offset: fault.offset)
        case .nonMinimalVarint:
            return SyncError(context.malformed, "\(fault.field): varint is not minimal", offset: fault.offset)
        case .overLimit(let value, let limit):
            return SyncError(.limitExceeded, "\(fault.field) is \(value), over the limit of \(limit)", offset: fault.offset)
        case .trailingBytes:
            return SyncError(context.malformed, "\(fault.available) trailing bytes after \(fault.field)", offset: fault.offset)
        case .malformed(let what):
            return SyncError(context.malformed, what, offset: fault.offset)
        }
    }
}

extension ByteCursor where Bytes == [UInt8], Failure == SyncError {
    /// A reader of `bytes[start..<end]`; `base` is the offset of `bytes[0]` in the enclosing
    /// message or file, for error offsets.
    init(_ bytes: [UInt8], from start: Int = 0, to end: Int? = nil, base: Int = 0,
         truncated: SyncError.Code = .truncatedMessage, malformed: SyncError.Code = .malformedMessage) {
        self.init(bytes, byteOrder: .bigEndian, from: start, to: end, base: base,
                  context: SyncError.CursorCodes(truncated: truncated, malformed: malformed))
    }

    /// The reader's malformed-input error at the current offset.
    func malformed(_ what: String) -> SyncError { fault(.malformed(what)) }
}
