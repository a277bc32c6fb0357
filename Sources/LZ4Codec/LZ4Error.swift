/// The one error type of the LZ4 codec layer.
///
/// Callers above (storage, bundles) wrap it as the underlying cause of their own error;
/// messages never include the bytes being decoded.
public struct LZ4Error: Error, Hashable, Sendable, CustomStringConvertible {
    /// What went wrong, as a stable code; extensible (new codes may be added), so a `switch` needs a `default`.
    public struct Code: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
        /// The stable string (used in messages, logs and JSON output).
        public let rawValue: String

        /// Creates a code from its stable string; prefer the static members.
        public init(rawValue: String) { self.rawValue = rawValue }

        /// The stable string.
        public var description: String { rawValue }

        /// The input is not a well-formed LZ4 frame (bad magic, header, block or checksum).
        public static let malformedFrame = Code(rawValue: "malformed_frame")
        /// The input ends before the frame does.
        public static let truncatedFrame = Code(rawValue: "truncated_frame")
        /// The frame declares (or would produce) more output than the caller's cap allows.
        public static let outputTooLarge = Code(rawValue: "output_too_large")
        /// The input has bytes after the frame where none were expected.
        public static let trailingBytes = Code(rawValue: "trailing_bytes")
        /// liblz4 refused to compress (it should not, given a correctly sized buffer).
        public static let compressionFailed = Code(rawValue: "compression_failed")
    }

    /// The stable code.
    public let code: Code
    /// A human message; never contains payload bytes.
    public let message: String
    /// Offset into the input where the problem was found, when known.
    public let offset: Int?

    /// Creates an error with a code, a message and, when known, the input offset at fault.
    public init(_ code: Code, _ message: String, offset: Int? = nil) {
        self.code = code
        self.message = message
        self.offset = offset
    }

    /// `code: message (at offset N)`.
    public var description: String {
        if let offset { return "\(code.rawValue): \(message) (at offset \(offset))" }
        return "\(code.rawValue): \(message)"
    }
}
