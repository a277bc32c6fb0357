import LedgerCore

/// The one error type of the sync layer: reconciliation, message decoding, bundles, mailbox.
///
/// Every failure carries a stable `code` (the CLI maps codes to exit statuses and the
/// rejection catalogue in `Specs/bundle-format.md` §8 names them), a human message that
/// never contains payload bytes, and context: the file, the byte offset and the item id
/// at fault when known, plus the underlying error when there is one.
public struct SyncError: Error, Sendable, CustomStringConvertible {
    /// A stable, machine-readable identifier of what went wrong.
    public struct Code: Hashable, Sendable, CustomStringConvertible {
        /// The code's name, e.g. `bundle.checksum`.
        public let name: String
        init(_ name: String) { self.name = name }
        /// The code's name.
        public var description: String { name }

        // Messages (Specs/sync-protocol.md §6)
        /// A message's body is shorter than its fields require.
        public static let truncatedMessage = Code("message.truncated")
        /// A message declares a body larger than the configured cap.
        public static let oversizedMessage = Code("message.oversized")
        /// A message type byte the decoder does not know.
        public static let unknownMessageType = Code("message.unknown-type")
        /// A field holds a value the grammar forbids (bad prefix, bad bitmap, non-canonical varint, trailing bytes).
        public static let malformedMessage = Code("message.malformed")
        /// A list or item exceeds a protocol limit.
        public static let limitExceeded = Code("message.limit")

        // Reconciliation (Specs/sync-protocol.md §5)
        /// A message arrived that the current state does not accept.
        public static let unexpectedMessage = Code("sync.unexpected-message")
        /// The peer speaks a protocol version this build does not.
        public static let unsupportedVersion = Code("sync.unsupported-version")
        /// The injected verifier rejected an item; the peer is cut off.
        public static let itemRejected = Code("sync.item-rejected")
        /// The exchange ran for more flights than any honest peer needs.
        public static let tooManyRounds = Code("sync.too-many-rounds")
        /// The peer sent an ABORT message.
        public static let peerAborted = Code("sync.peer-aborted")
        /// The injected store failed to commit; nothing was stored.
        public static let commitFailed = Code("sync.commit-failed")
        /// An item to send could not be loaded from the local store.
        public static let itemUnavailable = Code("sync.item-unavailable")

        // Bundles (Specs/bundle-format.md §8)
        /// The file does not start with the bundle magic.
        public static let notABundle = Code("bundle.magic")
        /// The file ends before its declared structure does.
        public static let truncatedBundle = Code("bundle.truncated")
        /// The bundle was written by a newer format version.
        public static let newerFormatVersion = Code("bundle.newer-version")
        /// The trailing SHA-256 checksum does not match: the file was damaged.
        public static let checksumMismatch = Code("bundle.checksum")
        /// The sender's Ed25519 signature does not verify.
        public static let badSignature = Code("bundle.signature")
        /// This site is not among the bundle's recipients.
        public static let notARecipient = Code("bundle.wrong-recipient")
        /// The payload does not decrypt with this site's key.
        public static let decryptionFailed = Code("bundle.decrypt")
        /// The declared decompressed size is over the reader's cap.
        public static let declaredSizeOverCap = Code("bundle.size-cap")
        /// The payload does not decompress to exactly its declared size.
        public static let decompressionFailed = Code("bundle.decompress")
        /// The header or payload violates the grammar (bad counts, unknown codec, trailing bytes).
        public static let malformedBundle = Code("bundle.malformed")
        /// Building the bundle failed (a key or HPKE error on the writer's side).
        public static let bundleWriteFailed = Code("bundle.write")

        // Mailbox (Specs/bundle-format.md §9)
        /// A file name that could escape the folder or is not a bundle name.
        public static let unsafeFileName = Code("mailbox.unsafe-name")
    }

    /// What went wrong.
    public let code: Code
    /// One line for people; never includes payload bytes.
    public let message: String
    /// The file at fault, when the error concerns one.
    public var file: String?
    /// The byte offset at fault inside the message, payload or file, when known.
    public var offset: Int?
    /// The item (entry) id at fault, when known.
    public var itemID: Hash32?
    /// The underlying error, when there is one.
    public var underlying: (any Error & Sendable)?

    /// Creates an error.
    public init(_ code: Code, _ message: String, file: String? = nil, offset: Int? = nil,
                itemID: Hash32? = nil, underlying: (any Error & Sendable)? = nil) {
        self.code = code
        self.message = message
        self.file = file
        self.offset = offset
        self.itemID = itemID
        self.underlying = underlying
    }

    /// `code: message (file, offset, item)`, one line.
    public var description: String {
        var context: [String] = []
        if let file { context.append("file \(file)") }
        if let offset { context.append("offset \(offset)") }
        if let itemID { context.append("item \(itemID.hex)") }
        if let underlying { context.append("cause: \(underlying)") }
        return "\(code): \(message)" + (context.isEmpty ? "" : " (" + context.joined(separator: ", ") + ")")
    }

    /// The same error with a file name attached.
    func inFile(_ name: String) -> SyncError {
        var copy = self
        copy.file = name
        return copy
    }
}
