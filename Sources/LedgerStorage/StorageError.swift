#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The one error type of the storage layer.
///
/// It carries a stable code (the CLI maps `.locked` and `.corrupt*` to exit 3), a message for
/// people, the file and offset at fault, the `errno` when a system call failed and the
/// underlying error when another layer (the LZ4 codec) raised it. Messages never include
/// record bytes.
public struct StorageError: Error, Sendable, CustomStringConvertible {
    /// What went wrong; stable strings so scripts and logs can match on them. Extensible (new
    /// codes may be added), so a `switch` needs a `default`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable string (used in messages, logs and JSON output).
        public let rawValue: String

        /// Creates a code from its stable string; prefer the static members.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The stable string.
        public var description: String { rawValue }

        /// Another process (or another open log in this one) holds the data folder's lock.
        public static let locked = Code(rawValue: "locked")
        /// A system call failed with an I/O error (`EIO` and friends).
        public static let io = Code(rawValue: "io")
        /// The disk is full (`ENOSPC`) or the quota is exhausted (`EDQUOT`).
        public static let noSpace = Code(rawValue: "no_space")
        /// A checksum did not match or a structure was malformed in a block or segment.
        public static let corruptBlock = Code(rawValue: "corrupt_block")
        /// A segment's header, footer or ordering is inconsistent.
        public static let corruptSegment = Code(rawValue: "corrupt_segment")
        /// A file or folder that must exist is missing.
        public static let notFound = Code(rawValue: "not_found")
        /// The caller passed something invalid: a key of the wrong size, a record too large,
        /// a location or ordinal that does not exist.
        public static let invalidArgument = Code(rawValue: "invalid_argument")
        /// The segment was written by a newer format version.
        public static let unsupportedVersion = Code(rawValue: "unsupported_version")
        /// An earlier write or sync failed in a way that could not be rolled back; reopen the log.
        public static let writerPoisoned = Code(rawValue: "writer_poisoned")
        /// The log has been closed.
        public static let closed = Code(rawValue: "closed")
        /// The log was opened read-only (``SegmentLogOptions/readOnly``) and refuses writes.
        public static let readOnly = Code(rawValue: "read_only")
    }

    /// The stable code.
    public let code: Code
    /// A one-line human message (no record bytes).
    public let message: String
    /// The file at fault, when there is one.
    public let file: String?
    /// The byte offset in `file` at fault, when known.
    public let offset: UInt64?
    /// The `errno` of the failed system call, when there is one.
    public let errno: Int32?
    /// The error from another layer that caused this one, when there is one.
    public let underlying: (any Error & Sendable)?

    /// Creates an error; only `code` and `message` are required.
    public init(
        _ code: Code, _ message: String, file: String? = nil, offset: UInt64? = nil,
        errno: Int32? = nil, underlying: (any Error & Sendable)? = nil
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.offset = offset
        self.errno = errno
        self.underlying = underlying
    }

    /// Builds the error for a failed system call, classifying `ENOSPC`/`EDQUOT` as `.noSpace`.
    package static func system(_ operation: String, errno number: Int32, file: String?, offset: UInt64? = nil) -> StorageError {
        let code: Code
        switch number {
        case ENOSPC, EDQUOT: code = .noSpace
        case ENOENT: code = .notFound
        default: code = .io
        }
        let reason = String(cString: strerror(number))
        return StorageError(code, "\(operation) failed: \(reason)", file: file, offset: offset, errno: number)
    }

    /// Whether the error is damage to the bytes or structure of a file (a checksum, a header,
    /// an ordinal sequence, an unknown format version), as opposed to a failed system call or
    /// a caller's mistake.
    public var isStructural: Bool {
        switch code {
        case .corruptBlock, .corruptSegment, .unsupportedVersion: return true
        default: return false
        }
    }

    /// `code: message (file at offset N, errno E)` on one line.
    public var description: String {
        var text = "\(code.rawValue): \(message)"
        var context: [String] = []
        if let file { context.append(offset.map { "\(file) at offset \($0)" } ?? file) } else if let offset {
            context.append("offset \(offset)")
        }
        if let errno { context.append("errno \(errno)") }
        if !context.isEmpty { text += " (" + context.joined(separator: ", ") + ")" }
        if let underlying { text += ": \(underlying)" }
        return text
    }
}
