import LedgerStorage
import Logging

/// The site ledger's entry log on top of the storage layer's segment log.
///
/// Keys are entry ids, values the canonical entry encodings; the record ordinal is the
/// entry's Merkle leaf index. Storage errors become `CoreError`s here, so the ledger layer
/// has one error type (Specs/site-layout.md §1).
final class SegmentEntryLog: EntryLog {
    private let segments: SegmentLog
    private let name: String
    let recoveryNotes: [String]
    let structuralFaults: [LedgerFault]
    /// A snapshot's bound: records from this ordinal on are not served (nil: all of them).
    private let limit: Int?
    /// Where records written by ``write(_:)`` and not yet taken in begin: from here on they
    /// are not served (nil: every stored record is). Moved only by the owner
    /// (``revealDurable()``, a durable ``append(_:)``, ``discardUnsynced()``), so readers on
    /// the owner's thread never see an entry that is not durable (Specs/site-layout.md §3.2).
    private var visibleEnd: Int?

    /// Opens the segment log in `directory` (the data folder's `log` or `quarantine`).
    ///
    /// - Parameter readOnly: open for inspection (`verify` of a site that cannot open for
    ///   writing): nothing is written and structural damage ends the log as faults.
    /// - Parameter fileSystem: the seam the segment log is read and written through.
    /// - Parameter access: how the folder is opened: for writing (the lock, waited for up to
    ///   its timeout), read-only under the lock, or as a lock-free snapshot of the first
    ///   `limit` records (nil: every complete record) beside a live writer.
    init(directory: String, logger: Logger, access: LogAccess = .write(lockTimeout: .milliseconds(250)),
         fileSystem: any FileSystem) throws {
        var options = SegmentLogOptions()
        options.fileSystem = fileSystem
        options.segmentSizeLimit = Self.segmentSizeLimit
        switch access {
        case .write(let timeout): options.lockTimeout = timeout
        case .readOnly: options.readOnly = true
        case .snapshot: options.readOnly = true; options.takesLock = false
        }
        options.createIfMissing = !options.readOnly
        var isSnapshot = false
        if case .snapshot(let limit) = access { self.limit = limit; isSnapshot = true } else { self.limit = nil }
        do {
            segments = try SegmentLog(directory: directory, options: options)
        } catch let error as StorageError {
            throw Self.wrap(error)
        }
        let name = String(directory.split(separator: "/").last ?? "log")
        self.name = name
        // A snapshot's unread tail is a batch still being written, or a torn one the next
        // writer cuts: neither is news to a reader (Specs/site-layout.md §8).
        recoveryNotes = isSnapshot ? [] : segments.recoveryReports.map {
            let file = Self.relative($0.file, in: directory, name: name)
            return $0.quarantineFile.isEmpty
                ? "\(file): \($0.cutBytes) bytes at offset \($0.cutOffset) not read (\($0.reason))"
                : "\(file): cut \($0.cutBytes) bytes at offset \($0.cutOffset) (\($0.reason)); set aside in \($0.quarantineFile)"
        }
        structuralFaults = segments.structuralFaults.map {
            LedgerFault(file: Self.relative($0.file, in: directory, name: name), offset: Int64($0.offset), what: $0.what)
        }
        for note in recoveryNotes { logger.warning("recovery: \(note)") }
    }

    /// Where a site's logs seal their active segment (Specs/site-layout.md §2): every command
    /// opens the site, and opening scans the active segment (about 10 ms per 16 MiB), so
    /// a site keeps it small; a sealed segment costs two 44-byte reads to open.
    static let segmentSizeLimit: UInt64 = 4 << 20

    /// `path` relative to the data folder (`log/segment-….lz4`) when it lies in this log's folder.
    private static func relative(_ path: String, in directory: String, name: String) -> String {
        path.hasPrefix(directory + "/") ? name + "/" + path.dropFirst(directory.count + 1) : path
    }

    deinit { segments.close() }

    var count: Int {
        let stored = visibleEnd ?? Int(segments.recordCount)
        return limit.map { min($0, stored) } ?? stored
    }

    var storedCount: Int { Int(segments.recordCount) }

    func append(_ records: [(id: Hash32, bytes: [UInt8])]) throws {
        guard !records.isEmpty else { return }
        try storage { _ = try segments.append(records.map { (key: $0.id.bytes, value: $0.bytes) }) }
        visibleEnd = nil  // its sync made every record written before it durable too
    }

    func write(_ records: [(id: Hash32, bytes: [UInt8])]) throws {
        guard !records.isEmpty else { return }
        let before = Int(segments.recordCount)
        try storage { _ = try segments.write(records.map { (key: $0.id.bytes, value: $0.bytes) }) }
        if visibleEnd == nil { visibleEnd = before }
    }

    var syncer: LogSyncer { LogSyncer(segments: segments) }

    func revealDurable() {
        guard visibleEnd != nil else { return }
        let durable = Int(segments.durableRecordCount)
        visibleEnd = durable >= Int(segments.recordCount) ? nil : max(visibleEnd ?? 0, durable)
    }

    func discardUnsynced() throws {
        try storage { _ = try segments.discardUnsynced() }
        visibleEnd = nil
    }

    func syncRecords() throws {
        try storage { try segments.syncLastSegment() }
    }

    func read(ordinal: Int) throws -> [UInt8] {
        if let limit, ordinal >= limit {
            throw CoreError(.outOfRange, "record \(ordinal) of \(name) is past this snapshot's \(limit) records")
        }
        if let visibleEnd, ordinal >= visibleEnd {
            throw CoreError(.outOfRange, "record \(ordinal) of \(name) is written but not yet durable")
        }
        return try storage { Array(try segments.read(ordinal: UInt64(ordinal)).value) }
    }

    func ordinal(of id: Hash32) throws -> Int? {
        let ordinal = try storage { try segments.location(forKey: id.bytes).map { Int($0.ordinal) } }
        guard let ordinal, ordinal < bound else { return nil }
        return ordinal
    }

    func forEach(from start: Int, _ body: (Int, [UInt8]) throws -> Void) throws {
        try storage {
            let end = UInt64(bound)
            try segments.scan(from: UInt64(start)) { record in
                guard record.ordinal < end else { return false }
                try body(Int(record.ordinal), Array(record.value))
                return true
            }
        }
    }

    func forEachRecord(_ body: (Hash32, [UInt8]) throws -> Void) throws {
        try storage {
            let end = UInt64(bound)
            try segments.scan(from: 0) { record in
                guard record.ordinal < end else { return false }
                guard let id = Hash32(bytes: record.key) else {
                    throw CoreError(.malformedFile, "record \(record.ordinal) of \(name) has a key of \(record.key.count) bytes")
                }
                try body(id, Array(record.value))
                return true
            }
        }
    }

    func place(ofOrdinal ordinal: Int) -> RecordPlace? {
        guard ordinal >= 0 else { return nil }
        do {
            let location = try segments.location(ofOrdinal: UInt64(ordinal))
            let path = segments.filePath(ofSegment: location.segment)
            return RecordPlace(file: Self.relative(path, in: segments.directory, name: name), offset: Int64(location.blockOffset))
        } catch let error as StorageError {
            // The record lies in a damaged part: name where the damage is.
            guard let file = error.file, file != segments.directory else { return nil }
            return RecordPlace(file: Self.relative(file, in: segments.directory, name: name), offset: Int64(error.offset ?? 0))
        } catch {
            return nil
        }
    }

    func verifyBlocks() -> [LedgerFault] {
        do {
            // Structural faults reach `verify` as open faults, named relative to the data folder.
            let structural = Set(segments.structuralFaults)
            return try segments.verify().filter { !structural.contains($0) }
                .map { LedgerFault(file: $0.file, offset: Int64($0.offset), what: $0.what) }
        } catch {
            return [LedgerFault(file: name, offset: 0, what: "cannot check blocks: \(error)")]
        }
    }

    func sizes() -> LogSizes {
        guard let stats = try? segments.statistics() else { return LogSizes(segments: 0, bytesOnDisk: 0, bytesRaw: 0) }
        return LogSizes(segments: stats.segments, bytesOnDisk: Int64(stats.bytesOnDisk), bytesRaw: Int64(stats.rawBytes))
    }

    /// The first ordinal not served: the snapshot's limit or the unsynced records' start.
    private var bound: Int { min(limit ?? Int.max, visibleEnd ?? Int.max) }

    private func storage<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StorageError {
            throw Self.wrap(error)
        }
    }

    static func wrap(_ error: StorageError) -> CoreError {
        let code: CoreError.Code
        switch error.code {
        case .locked:
            // The message already says who holds the lock: no cause to repeat it.
            return CoreError(.locked, error.message, file: error.file)
        case .noSpace: code = .noSpace
        case .io, .writerPoisoned, .closed: code = .io
        case .corruptBlock, .corruptSegment, .notFound: code = .malformedFile
        case .invalidArgument: code = .limitExceeded
        case .readOnly: code = .notPermitted
        case .unsupportedVersion: code = .unsupportedVersion
        default: code = .io
        }
        let offset = error.offset.map { Int(truncatingIfNeeded: $0) }
        return CoreError(code, error.message, file: error.file, offset: offset, underlying: error)
    }
}

/// How a site opens one of its segment logs.
enum LogAccess {
    /// For writing: the folder's lock, waited for up to `lockTimeout`.
    case write(lockTimeout: Duration)
    /// Read-only for `verify` of a damaged folder (the lock when there is a `LOCK` file).
    case readOnly
    /// A lock-free snapshot beside a live writer, of the first `limit` records (nil: all).
    case snapshot(limit: Int?)
}

/// Makes the records a site's log holds durable from any thread (Specs/site-layout.md §3.2):
/// one `fdatasync` covering every record written before the call.
public struct LogSyncer: Sendable {
    let segments: SegmentLog

    /// Syncs the log: the records written before this call are durable once it returns.
    /// - Throws: `CoreError` (`.io`, `.noSpace`) when the `fdatasync` fails; the records not
    ///   durable before must then be discarded (``SiteLedger/discardWritten()``).
    public func sync() throws {
        do {
            try segments.syncWritten()
        } catch let error as StorageError {
            throw SegmentEntryLog.wrap(error)
        }
    }
}
