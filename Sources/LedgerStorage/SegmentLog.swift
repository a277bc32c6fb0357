import Foundation
import LZ4Codec

/// The compressed, append-only segment log: bytes and records, nothing of entries' meaning.
///
/// Records (a 32-byte key and a value) are appended in batches; a batch is durable when
/// ``append(_:)`` returns (one `fdatasync` of the active segment per batch: group commit).
/// Records are packed into checksummed LZ4-frame blocks in `segment-NNNNNNNNNN.lz4` files; the
/// active segment is the only file written, and is sealed (made immutable, with a persisted
/// index) once it passes ``SegmentLogOptions/segmentSizeLimit``. The byte layout and the
/// recovery rules are in Specs/segment-format.md.
///
/// One process writes a data folder at a time: opening takes an exclusive `flock` on its
/// `LOCK` file (and records the holder in it, `SegmentLog+Lock.swift`), and a second opener
/// gets ``StorageError/Code-swift.struct/locked`` naming the holder after
/// ``SegmentLogOptions/lockTimeout``. A read-only snapshot (``SegmentLogOptions/takesLock``
/// false) takes no lock and may be opened beside a live writer. Within a
/// process, the log serialises its callers with one lock, so it may be shared across tasks;
/// its calls block on disk I/O, so call them off the cooperative thread pool in async code.
public final class SegmentLog: @unchecked Sendable {  // all mutable state is guarded by `lock`.
    /// The data folder.
    public let directory: String
    /// The options the log was opened with.
    public let options: SegmentLogOptions
    /// What recovery cut from the active segment while opening (empty after a clean shutdown).
    public let recoveryReports: [RecoveryReport]

    let fileSystem: any FileSystem
    /// Segment headers that are damaged or whose ordinals do not continue, found by a
    /// read-only open (always empty otherwise: a writable open throws instead). The log ends
    /// before the first such segment; the segments they name are not served.
    public let structuralFaults: [StorageFault]

    let lock = NSLock()
    var lockFile: OpenFile?
    /// False once ``close()`` has run.
    var isOpen = true
    var segments: [Segment]
    var openFaults: [StorageFault]
    var cache: BlockCache
    let decompressor = LZ4FrameDecompressor()
    /// One decompression context per scan worker (one per core, at most 4).
    let scanDecompressors: [ScanDecompressor] = (0..<max(1, min(4, ProcessInfo.processInfo.activeProcessorCount))).map { _ in
        ScanDecompressor()
    }
    var scratch: [UInt8] = []
    /// Set when a failed write could not be rolled back; appends then fail until reopen.
    var poisoned: StorageError?
    /// Where the records written by ``write(_:)`` and not yet known durable begin (nil: every
    /// record is durable). Guarded by `lock`.
    var unsynced: DurablePoint?
    /// Serialises every `fdatasync` of the active segment (the background ``syncWritten()``
    /// and the owner's durable appends), so a sync error is seen by the first caller only
    /// once: the flag below carries it to the others. Never held while `lock` is wanted.
    let syncLock = NSLock()
    /// Guards `failedSync` (taken alone, for a moment).
    let failureLock = NSLock()
    /// The error of a failed `fdatasync` while written records were not yet durable: every
    /// write and sync fails with it until ``discardUnsynced()`` cuts those records.
    var failedSync: StorageError?
    /// Sealed segments with an open descriptor, oldest first; at most `maxOpenSealedSegments`.
    var openSealed: [Segment] = []
    static let maxOpenSealedSegments = 32

    /// Opens (creating when allowed) the log in `directory` and recovers its active segment.
    ///
    /// Cost grows with the active segment only: each sealed segment costs two 44-byte reads
    /// (the last one also a read of its index, to catch an interrupted seal).
    /// With ``SegmentLogOptions/readOnly`` nothing is written (no folder, no `LOCK` file, no
    /// recovery cut), and damaged headers and ordinal discontinuities become
    /// ``structuralFaults`` that end the log instead of errors.
    /// - Throws: ``StorageError`` with `.locked` when another holder has the folder,
    ///   `.notFound` when it is missing and may not be created, `.corruptSegment` when a
    ///   segment header is damaged or ordinals do not continue (unless read-only), or the
    ///   I/O error of a failed call.
    public init(directory: String, options: SegmentLogOptions = SegmentLogOptions()) throws {
        self.directory = directory
        self.options = options
        self.fileSystem = options.fileSystem
        self.cache = BlockCache(capacity: options.blockCacheCapacity)
        let fileSystem = options.fileSystem
        if !fileSystem.exists(directory) {
            guard options.createIfMissing, !options.readOnly else {
                throw StorageError(.notFound, "the data folder does not exist", file: directory)
            }
            try fileSystem.createDirectory(directory)
            try fileSystem.syncDirectory(DurableFile.directory(of: directory))  // the new folder's entry (§7)
        }
        let lockPath = directory + "/LOCK"
        // Read-only: lock the writers' `LOCK` file when there is one, never create it (§7).
        // A snapshot reader beside a live writer takes no lock at all.
        guard options.takesLock || options.readOnly else {
            throw StorageError(.invalidArgument, "only a read-only log may be opened without the lock", file: directory)
        }
        let lockFile: OpenFile? =
            !options.takesLock || (options.readOnly && !fileSystem.exists(lockPath))
            ? nil : try fileSystem.open(lockPath, mode: options.readOnly ? .readOnly : .readWriteCreate)
        var opened: [Segment] = []
        do {
            if let lockFile {
                try Self.acquireLock(lockFile, path: lockPath, timeout: options.lockTimeout, fileSystem: fileSystem)
                if !options.readOnly { Self.recordHolder(lockFile, fileSystem: fileSystem) }
            }
            var state = OpenState()
            try Self.openSegments(
                directory: directory, fileSystem: fileSystem, readOnly: options.readOnly, into: &opened, state: &state)
            self.segments = opened
            self.recoveryReports = state.reports
            self.openFaults = state.structural + state.faults
            self.structuralFaults = state.structural
            self.lockFile = lockFile
        } catch {
            for segment in opened { segment.closeFile(fileSystem) }
            if let lockFile { fileSystem.close(lockFile) }
            throw error
        }
    }

    deinit {
        for segment in segments { segment.closeFile(fileSystem) }
        if let lockFile { fileSystem.close(lockFile) }
    }

    /// Closes the files and releases the folder's lock; later calls throw `.closed`.
    public func close() {
        lock.withLock {
            for segment in segments { segment.closeFile(fileSystem) }
            segments = []
            openSealed = []
            cache.removeAll()
            if let lockFile { fileSystem.close(lockFile) }
            lockFile = nil
            isOpen = false
        }
    }

    /// The number of records in the log; the next append gets this ordinal.
    public var recordCount: UInt64 {
        lock.withLock { segments.last?.endOrdinal ?? 0 }
    }

    /// Problems with sealed segments noticed while opening (also reported by ``verify(progress:)``).
    public var faultsFoundOnOpen: [StorageFault] {
        lock.withLock { openFaults }
    }

    func checkOpen() throws {
        guard isOpen else { throw StorageError(.closed, "the log has been closed", file: directory) }
    }

    func checkWritable() throws {
        guard !options.readOnly else {
            throw StorageError(.readOnly, "the log was opened read-only (for verification)", file: directory)
        }
    }

    /// The path of segment file `number` in this log's folder (whether or not it exists).
    public func filePath(ofSegment number: UInt64) -> String { path(of: number) }

    /// A segment's descriptor, opening it on demand and closing the oldest open sealed
    /// segment beyond ``maxOpenSealedSegments``, so a ledger of thousands of segments stays
    /// within the process's descriptor limit.
    func file(of segment: Segment) throws -> OpenFile {
        if let file = segment.openFile { return file }
        if segment.isSealed {
            if openSealed.count >= Self.maxOpenSealedSegments {
                openSealed.removeFirst().closeFile(fileSystem)
            }
            openSealed.append(segment)
        }
        return try segment.file(fileSystem)
    }

    func path(of number: UInt64) -> String { directory + "/" + SegmentFormat.fileName(segment: number) }

    /// What opening found besides the segments: recovery cuts and faults.
    struct OpenState {
        var reports: [RecoveryReport] = []
        var faults: [StorageFault] = []
        /// Read-only opens only: the damaged header or ordinal discontinuity that ended the log.
        var structural: [StorageFault] = []
    }

    /// Lists the segment files, checks their headers and ordinals, and recovers the last one.
    ///
    /// Read-only, a segment whose header fails a check ends the log there: it and every
    /// later segment are named in `state.structural` and never served (§8).
    private static func openSegments(
        directory: String, fileSystem: any FileSystem, readOnly: Bool, into segments: inout [Segment],
        state: inout OpenState
    ) throws {
        var numbers: [UInt64] = []
        for name in try fileSystem.listDirectory(directory) {
            if name.hasPrefix("segment-"), name.hasSuffix(".lz4.tmp") {
                if !readOnly { try? fileSystem.remove(directory + "/" + name) }  // an interrupted creation (§7)
            } else if let number = SegmentFormat.segmentNumber(fileName: name) {
                numbers.append(number)
            }
        }
        numbers.sort()
        for (position, number) in numbers.enumerated() {
            let isLast = position == numbers.count - 1
            let path = directory + "/" + SegmentFormat.fileName(segment: number)
            let file = try fileSystem.open(path, mode: isLast && !readOnly ? .readWrite : .readOnly)
            let size: UInt64
            let header: SegmentHeader
            var headerIsValid = false
            do {
                (size, header) = try checkHeader(of: file, number: number, path: path, fileSystem: fileSystem)
                headerIsValid = true
                if let previous = segments.last, header.firstOrdinal != previous.endOrdinal {
                    throw StorageError(
                        .corruptSegment, "segment starts at ordinal \(header.firstOrdinal), expected \(previous.endOrdinal)",
                        file: path, offset: 0)
                }
            } catch let error as StorageError where readOnly && error.isStructural {
                fileSystem.close(file)
                state.structural = structuralFaults(
                    error, at: path, discontinuousAfter: headerIsValid ? segments.last : nil, later: numbers[(position + 1)...].map {
                        directory + "/" + SegmentFormat.fileName(segment: $0)
                    })
                return
            } catch {
                fileSystem.close(file)
                throw error
            }
            let segment = Segment(number: number, path: path, firstOrdinal: header.firstOrdinal, file: file, size: size)
            segment.readOnly = readOnly
            segments.append(segment)
            if let tail = try readTail(of: segment, fileSystem: fileSystem),
                try !isLast || lastSealIsComplete(segment, tail: tail, fileSystem: fileSystem)
            {
                segment.tail = tail
                segment.isSealed = true
                segment.recordCount = tail.recordCount
                segment.rawBytes = tail.rawBytes
            } else if isLast {
                let report =
                    readOnly
                    ? try inspectActive(segment, fileSystem: fileSystem) : try recoverActive(segment, fileSystem: fileSystem)
                if let report { state.reports.append(report) }
            } else {
                segment.isSealed = true
                state.faults.append(StorageFault(file: path, offset: size, what: "sealed segment has no valid tail; its blocks were scanned"))
                try scanSealedWithoutIndex(segment, fileSystem: fileSystem, faults: &state.faults)
            }
            if segment.isSealed { segment.closeFile(fileSystem) }
        }
    }

    /// Reads and checks a segment's size and header frame (§4).
    private static func checkHeader(of file: OpenFile, number: UInt64, path: String, fileSystem: any FileSystem) throws
        -> (size: UInt64, header: SegmentHeader)
    {
        let size = try fileSystem.size(file)
        guard size >= UInt64(SegmentFormat.headerFrameSize) else {
            throw StorageError(.corruptSegment, "segment is shorter than its header", file: path, offset: 0)
        }
        let header = try SegmentHeader.decode(
            fileSystem.readExactly(file, count: SegmentFormat.headerFrameSize, at: 0), file: path)
        guard header.segmentNumber == number else {
            throw StorageError(.corruptSegment, "segment header names segment \(header.segmentNumber)", file: path, offset: 0)
        }
        return (size, header)
    }

    /// The faults of a read-only open that stopped at segment `path`: that segment, the one
    /// before it when the ordinals do not continue (either may be the replaced one) and
    /// every later segment, none of which is served.
    private static func structuralFaults(
        _ error: StorageError, at path: String, discontinuousAfter previous: Segment?, later: [String]
    ) -> [StorageFault] {
        let name = (path as NSString).lastPathComponent
        let unread = later.isEmpty ? "it is not read" : "it and the \(later.count) segment(s) after it are not read"
        var faults = [StorageFault(file: path, offset: error.offset ?? 0, what: "\(error.message); \(unread)")]
        if let previous {
            // Where the previous segment declares its record count: its tail, or its end when unsealed.
            let offset = previous.tail == nil ? previous.size : previous.size - UInt64(SegmentFormat.tailFrameSize)
            faults.append(StorageFault(file: previous.path, offset: offset,
                what: "segment ends at ordinal \(previous.endOrdinal) but the next one, \(name), does not start there: one of them was replaced, or a segment between them is missing"))
        }
        for file in later {
            faults.append(StorageFault(file: file, offset: 0, what: "not read: it comes after \(name), where the log's segments stop continuing"))
        }
        return faults
    }

    /// Whether the last segment's index is intact behind its valid tail (§8 step 2).
    ///
    /// A seal is one write of index and tail; a crash before its `fdatasync` returns can
    /// leave the tail on disk without all of the index (sectors of one write reach the disk
    /// in any order). Such a seal never completed, so the segment is recovered as active
    /// (its footer is cut and quarantined, and the next append seals it again) instead of
    /// being kept as a sealed segment whose index is forever reported damaged.
    static func lastSealIsComplete(_ segment: Segment, tail: SegmentTail, fileSystem: any FileSystem) throws -> Bool {
        let length = Int(segment.size - UInt64(SegmentFormat.tailFrameSize) - tail.indexOffset)
        let bytes = try fileSystem.readExactly(segment.file(fileSystem), count: length, at: tail.indexOffset)
        guard
            let index = try? SegmentIndex.decode(
                bytes, firstOrdinal: segment.firstOrdinal, expectedCount: tail.recordCount, file: segment.path,
                offset: tail.indexOffset)
        else { return false }
        segment.index = index
        segment.blocksLoaded = true
        return true
    }

    /// The tail of a sealed segment, or nil when the file does not end in a valid one.
    static func readTail(of segment: Segment, fileSystem: any FileSystem) throws -> SegmentTail? {
        let minimum = UInt64(SegmentFormat.headerFrameSize + SegmentFormat.tailFrameSize)
        guard segment.size >= minimum else { return nil }
        let bytes = try fileSystem.readExactly(
            segment.file(fileSystem), count: SegmentFormat.tailFrameSize, at: segment.size - UInt64(SegmentFormat.tailFrameSize))
        guard let tail = SegmentTail.decode(bytes), tail.indexOffset >= UInt64(SegmentFormat.headerFrameSize),
            tail.indexOffset < segment.size - UInt64(SegmentFormat.tailFrameSize)
        else { return nil }
        return tail
    }
}
