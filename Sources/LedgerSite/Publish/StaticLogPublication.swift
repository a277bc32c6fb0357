import LedgerCore

extension SiteError.Code {
    /// The publish folder holds a checkpoint this site's log does not extend: another log's,
    /// one under another origin, one beyond the log, or one whose root differs at its size.
    public static let publishedLogConflict = SiteError.Code("published_log_conflict")
    /// An entry is larger than an entry bundle can hold (65,535 bytes; Specs/static-log.md §2.3).
    public static let entryTooLargeForTiles = SiteError.Code("entry_too_large_for_tiles")
}

/// What a publish did (``StaticLogPublisher/publish(_:to:origin:fileSystem:progress:)``).
public struct StaticLogPublication: Sendable, Equatable {
    /// The checkpoint's origin line, also its key name.
    public var origin: String
    /// The note verifier key a client checks the checkpoint with.
    public var verifierKey: String
    /// The published tree size (the site's last signed tree head).
    public var treeSize: UInt64
    /// The published root.
    public var rootHash: Hash32
    /// The tree size of the checkpoint the folder held before (0 when none).
    public var previousTreeSize: UInt64
    /// Hash tiles written (full and partial).
    public var tilesWritten: Int
    /// Entry bundles written (full and partial).
    public var bundlesWritten: Int
    /// Bytes written, checkpoint included.
    public var bytesWritten: Int
    /// Files that already held the right bytes (left as they were: a resumed publish).
    public var filesUnchanged: Int
    /// Whether the folder's earlier tiles could not be used and everything was written from leaf 0.
    public var rebuiltFromStart: Bool
    /// Whether the checkpoint was already this one (nothing new to publish).
    public var upToDate: Bool
    /// The tree size of `checkpoint.witnessed` after this publish, nil when there is none (§8.4).
    public var witnessedTreeSize: UInt64?
    /// Cosignatures on `checkpoint.witnessed`.
    public var witnessedCosignatures: Int
    /// Cosignatures on `checkpoint` itself (rare: a cosignature entry grows the log it cosigns).
    public var cosignatures: Int
}
