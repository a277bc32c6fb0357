/// The one error type of the entries-and-proofs layer (LedgerCore).
///
/// Every failure carries a stable `code` that callers and the CLI switch on, a short human
/// message, and whatever context locates the fault: a file, a byte offset, an entry id.
/// Messages never contain payload bytes or patient data, only sizes, offsets and hashes.
public struct CoreError: Error, Sendable, CustomStringConvertible {
    /// A stable, extensible error code.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, stable across releases (used in logs and `--json` output).
        public let name: String

        /// Creates a code; prefer the static members.
        public init(_ name: String) { self.name = name }

        /// The code's name.
        public var description: String { name }

        /// The bytes ended before the structure did.
        public static let truncated = Code("truncated")
        /// Bytes were left over after a complete structure.
        public static let trailingBytes = Code("trailing_bytes")
        /// A format version this code does not understand.
        public static let unsupportedVersion = Code("unsupported_version")
        /// A field is well-formed but not in its one canonical form (e.g. unsorted links).
        public static let nonCanonical = Code("non_canonical")
        /// A field exceeds a limit of the format (payload size, link count, kind length).
        public static let limitExceeded = Code("limit_exceeded")
        /// A kind string contains a byte outside the allowed ASCII range.
        public static let invalidKind = Code("invalid_kind")
        /// A key has the wrong size or is not a valid curve point.
        public static let invalidKey = Code("invalid_key")
        /// An Ed25519 signature did not verify.
        public static let badSignature = Code("bad_signature")
        /// Signing failed inside the crypto library.
        public static let signingFailed = Code("signing_failed")
        /// A key file is readable or writable by others than its owner.
        public static let insecurePermissions = Code("insecure_permissions")
        /// A file that must not be overwritten already exists.
        public static let alreadyExists = Code("already_exists")
        /// A file could not be read, written, synced or opened.
        public static let io = Code("io")
        /// A file's contents are not in the expected format.
        public static let malformedFile = Code("malformed_file")
        /// A tree size, leaf index or level is outside what the tree holds.
        public static let outOfRange = Code("out_of_range")
        /// A Merkle proof did not verify.
        public static let proofInvalid = Code("proof_invalid")
    }

    /// What went wrong, as a stable code.
    public var code: Code
    /// A short human explanation, with no payload bytes in it.
    public var message: String
    /// The file at fault, when there is one.
    public var file: String?
    /// The byte offset at fault (in the buffer or file), when there is one.
    public var offset: Int?
    /// The entry at fault, when there is one.
    public var entryID: Hash32?
    /// The underlying error (an errno-carrying error, a crypto library error), when there is one.
    public var underlying: (any Error)?

    /// Creates an error; give every piece of context you have.
    public init(
        _ code: Code, _ message: String, file: String? = nil, offset: Int? = nil,
        entryID: Hash32? = nil, underlying: (any Error)? = nil
    ) {
        self.code = code
        self.message = message
        self.file = file
        self.offset = offset
        self.entryID = entryID
        self.underlying = underlying
    }

    /// One line: code, message, then the context that is present.
    public var description: String {
        var parts = ["\(code): \(message)"]
        if let file { parts.append("file \(file)") }
        if let offset { parts.append("offset \(offset)") }
        if let entryID { parts.append("entry \(entryID.hex)") }
        if let underlying { parts.append("cause: \(underlying)") }
        return parts.joined(separator: ", ")
    }
}
