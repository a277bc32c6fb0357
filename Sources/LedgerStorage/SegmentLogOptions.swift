/// Tunables of a ``SegmentLog``; the defaults suit a clinic laptop.
public struct SegmentLogOptions: Sendable {
    /// The active segment is sealed before the next append once it reaches this size (default 32 MiB).
    ///
    /// Opening a store scans and checksums the active segment, so this bounds the cost of
    /// opening (about 10 ms per 16 MiB here); sealed segments cost two small reads each.
    public var segmentSizeLimit: UInt64 = 32 << 20
    /// Records are packed into blocks of about this many raw bytes before compression (default 64 KiB).
    ///
    /// A record larger than this gets a block of its own.
    public var blockSize: Int = 64 << 10
    /// The largest value accepted by ``SegmentLog/append(_:)`` (default 16 MiB, at most 64 MiB).
    public var maxRecordSize: Int = 16 << 20
    /// How many decoded blocks the read cache keeps (default 64).
    public var blockCacheCapacity: Int = 64
    /// How long opening waits for the folder's lock before failing with `.locked` (default 250 ms).
    ///
    /// A lock held by another writer fails the open after this wait; the wait absorbs only a
    /// transient holder, such as a child process forked by this one that still shares the lock
    /// file's descriptor for the instant before it execs.
    public var lockTimeout: Duration = .milliseconds(250)
    /// Create the folder when it is missing (default true); otherwise opening fails with `.notFound`.
    public var createIfMissing: Bool = true
    /// Open for inspection only (default false): nothing in the folder is created, removed,
    /// truncated or written, and appends and seals fail with `.readOnly`.
    ///
    /// `verify` uses it on a folder that cannot open for writing. A segment whose header is
    /// damaged or whose first ordinal does not continue the previous segment becomes a
    /// fault in ``SegmentLog/structuralFaults`` instead of an error, and the log ends before
    /// it: nothing from that segment or a later one is served. A torn tail of the active
    /// segment is left in place and not read (Specs/segment-format.md §8).
    public var readOnly: Bool = false
    /// Take the folder's lock (default true). False only with ``readOnly``: a snapshot reader
    /// beside a live writer, which must bound what it reads itself (a site reads up to its last
    /// signed tree head): the active segment's tail may be a batch still being written, and
    /// is then left unread like a torn tail (Specs/site-layout.md §8).
    public var takesLock: Bool = true
    /// The file-system seam everything is written through (default: the real POSIX one).
    public var fileSystem: any FileSystem = POSIXFileSystem()

    /// The defaults.
    public init() {}
}
