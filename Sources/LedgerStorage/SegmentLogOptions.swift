/// Tunables of a ``SegmentLog``; the defaults suit a clinic laptop.
public struct SegmentLogOptions: Sendable {
    /// The active segment is sealed before the next append once it reaches this size (default 64 MiB).
    public var segmentSizeLimit: UInt64 = 64 << 20
    /// Records are packed into blocks of about this many raw bytes before compression (default 64 KiB).
    ///
    /// A record larger than this gets a block of its own.
    public var blockSize: Int = 64 << 10
    /// The largest value accepted by ``SegmentLog/append(_:)`` (default 16 MiB, at most 64 MiB).
    public var maxRecordSize: Int = 16 << 20
    /// How many decoded blocks the read cache keeps (default 64).
    public var blockCacheCapacity: Int = 64
    /// Create the folder when it is missing (default true); otherwise opening fails with `.notFound`.
    public var createIfMissing: Bool = true
    /// The file-system seam everything is written through (default: the real POSIX one).
    public var fileSystem: any FileSystem = POSIXFileSystem()

    /// The defaults.
    public init() {}
}
