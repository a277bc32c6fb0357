/// What the site ledger needs from an append-only record log (the segment log).
///
/// A seam, so the ledger's rules are written once against it and one adapter file binds
/// it to `LedgerStorage` (Specs/segment-format.md).
protocol EntryLog: AnyObject {
    /// Records stored, which is also the next ordinal.
    var count: Int { get }
    /// Appends records durably, in order; returns once they survive power loss.
    func append(_ records: [(id: Hash32, bytes: [UInt8])]) throws
    /// Makes every record held durable (records a killed writer left unsynced included).
    func syncRecords() throws
    /// Records stored, the written-but-unsynced ones included (``count`` leaves them out).
    var storedCount: Int { get }
    /// Writes records after the stored ones without syncing; they are not served (``count``,
    /// reads) until ``revealDurable()`` finds them durable.
    func write(_ records: [(id: Hash32, bytes: [UInt8])]) throws
    /// What syncs written records from another thread.
    var syncer: LogSyncer { get }
    /// Serves every record known durable now.
    func revealDurable()
    /// After a failed sync: cuts the records not known durable (Specs/site-layout.md §3.2).
    func discardUnsynced() throws
    /// The record at an ordinal (0-based append order).
    func read(ordinal: Int) throws -> [UInt8]
    /// The ordinal of the record stored under `id`, if any.
    func ordinal(of id: Hash32) throws -> Int?
    /// Calls `body` with every record from `start` on, in order.
    func forEach(from start: Int, _ body: (Int, [UInt8]) throws -> Void) throws
    /// Calls `body` with every record's id and bytes, in order (ids come from the index, not rehashing).
    func forEachRecord(_ body: (Hash32, [UInt8]) throws -> Void) throws
    /// Checks every block checksum; returns the faults found.
    func verifyBlocks() -> [LedgerFault]
    /// The file (relative to the data folder) and block offset holding record `ordinal`, or
    /// where the damage that hides it lies; nil when neither is known.
    func place(ofOrdinal ordinal: Int) -> RecordPlace?
    /// Damaged segment headers and ordinal discontinuities that ended a read-only log, with
    /// files relative to the data folder (always empty for a log opened for writing).
    var structuralFaults: [LedgerFault] { get }
    /// Sizes for `stats`.
    func sizes() -> LogSizes
    /// What recovery on open cut and set aside, if anything.
    var recoveryNotes: [String] { get }
}

/// Where a record lives on disk: a file relative to the data folder and a byte offset in it.
struct RecordPlace: Equatable {
    /// The file, e.g. `log/segment-0000000001.lz4`.
    var file: String
    /// The offset of the block holding the record.
    var offset: Int64
}

/// Sizes of a record log.
public struct LogSizes: Sendable, Equatable {
    /// Segment files.
    public var segments: Int
    /// Bytes the log's files take on disk.
    public var bytesOnDisk: Int64
    /// Bytes of the records before compression.
    public var bytesRaw: Int64
}

/// One integrity fault: which file, where, which entry, and what is wrong.
public struct LedgerFault: Sendable, Equatable, Codable {
    /// The file at fault, relative to the data folder where possible.
    ///
    /// For a fault in an entry of the log, the segment file holding the entry's record
    /// (`log/segment-0000000001.lz4`); `log` alone only when no segment can be named.
    public var file: String
    /// The byte offset in that file: for an entry, the offset of the block holding its
    /// record (or its ordinal when `file` is `log`).
    public var offset: Int64
    /// The entry concerned, when one is known.
    public var entryID: Hash32?
    /// The entry's ordinal (its position in the log and its Merkle leaf index), when the
    /// fault concerns one position of a log.
    public var ordinal: Int64?
    /// What is wrong, in words.
    public var what: String

    /// Creates a fault.
    public init(file: String, offset: Int64, entryID: Hash32? = nil, ordinal: Int64? = nil, what: String) {
        self.file = file; self.offset = offset; self.entryID = entryID; self.ordinal = ordinal; self.what = what
    }

    enum CodingKeys: String, CodingKey { case file, offset, entryID = "entry_id", ordinal, what }
}
