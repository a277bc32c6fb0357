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
/// `LOCK` file, and a second opener gets ``StorageError/Code-swift.enum/locked``. Within a
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
    let lock = NSLock()
    var lockFile: OpenFile?
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
    /// Sealed segments with an open descriptor, oldest first; at most `maxOpenSealedSegments`.
    var openSealed: [Segment] = []
    static let maxOpenSealedSegments = 32

    /// Opens (creating when allowed) the log in `directory` and recovers its active segment.
    ///
    /// Cost grows with the active segment only: each sealed segment costs two 44-byte reads
    /// (the last one also a read of its index, to catch an interrupted seal).
    /// - Throws: ``StorageError`` with `.locked` when another holder has the folder,
    ///   `.notFound` when it is missing and may not be created, `.corruptSegment` when a
    ///   segment header is damaged or ordinals do not continue, or the I/O error of a failed call.
    public init(directory: String, options: SegmentLogOptions = SegmentLogOptions()) throws {
        self.directory = directory
        self.options = options
        self.fileSystem = options.fileSystem
        self.cache = BlockCache(capacity: options.blockCacheCapacity)
        let fileSystem = options.fileSystem
        if !fileSystem.exists(directory) {
            guard options.createIfMissing else {
                throw StorageError(.notFound, "the data folder does not exist", file: directory)
            }
            try fileSystem.createDirectory(directory)
            try fileSystem.syncDirectory(DurableFile.directory(of: directory))  // the new folder's entry (§7)
        }
        let lockPath = directory + "/LOCK"
        let lockFile = try fileSystem.open(lockPath, mode: .readWriteCreate)
        var opened: [Segment] = []
        do {
            let deadline = ContinuousClock.now + options.lockTimeout
            while try !fileSystem.lockExclusive(lockFile) {
                guard ContinuousClock.now < deadline else {
                    throw StorageError(.locked, "the data folder is in use by another process", file: lockPath)
                }
                usleep(2_000)
            }
            var reports: [RecoveryReport] = []
            var faults: [StorageFault] = []
            try Self.openSegments(
                directory: directory, fileSystem: fileSystem, into: &opened, reports: &reports, faults: &faults)
            self.segments = opened
            self.recoveryReports = reports
            self.openFaults = faults
            self.lockFile = lockFile
        } catch {
            for segment in opened { segment.closeFile(fileSystem) }
            fileSystem.close(lockFile)
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
        guard lockFile != nil else { throw StorageError(.closed, "the log has been closed", file: directory) }
    }

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

    /// Lists the segment files, checks their headers and ordinals, and recovers the last one.
    private static func openSegments(
        directory: String, fileSystem: any FileSystem, into segments: inout [Segment],
        reports: inout [RecoveryReport], faults: inout [StorageFault]
    ) throws {
        var numbers: [UInt64] = []
        for name in try fileSystem.listDirectory(directory) {
            if name.hasPrefix("segment-"), name.hasSuffix(".lz4.tmp") {
                try? fileSystem.remove(directory + "/" + name)  // an interrupted creation (§7)
            } else if let number = SegmentFormat.segmentNumber(fileName: name) {
                numbers.append(number)
            }
        }
        numbers.sort()
        var nextOrdinal: UInt64?
        for (position, number) in numbers.enumerated() {
            let isLast = position == numbers.count - 1
            let path = directory + "/" + SegmentFormat.fileName(segment: number)
            let file = try fileSystem.open(path, mode: isLast ? .readWrite : .readOnly)
            let size: UInt64
            let header: SegmentHeader
            do {
                size = try fileSystem.size(file)
                guard size >= UInt64(SegmentFormat.headerFrameSize) else {
                    throw StorageError(.corruptSegment, "segment is shorter than its header", file: path, offset: 0)
                }
                header = try SegmentHeader.decode(
                    fileSystem.readExactly(file, count: SegmentFormat.headerFrameSize, at: 0), file: path)
                guard header.segmentNumber == number else {
                    throw StorageError(.corruptSegment, "segment header names segment \(header.segmentNumber)", file: path, offset: 0)
                }
                if let nextOrdinal, header.firstOrdinal != nextOrdinal {
                    throw StorageError(
                        .corruptSegment, "segment starts at ordinal \(header.firstOrdinal), expected \(nextOrdinal)",
                        file: path, offset: 0)
                }
            } catch {
                fileSystem.close(file)
                throw error
            }
            let segment = Segment(number: number, path: path, firstOrdinal: header.firstOrdinal, file: file, size: size)
            segments.append(segment)
            if let tail = try readTail(of: segment, fileSystem: fileSystem),
                try !isLast || lastSealIsComplete(segment, tail: tail, fileSystem: fileSystem)
            {
                segment.tail = tail
                segment.isSealed = true
                segment.recordCount = tail.recordCount
                segment.rawBytes = tail.rawBytes
            } else if isLast {
                if let report = try recoverActive(segment, fileSystem: fileSystem) { reports.append(report) }
            } else {
                segment.isSealed = true
                faults.append(StorageFault(file: path, offset: size, what: "sealed segment has no valid tail; its blocks were scanned"))
                try scanSealedWithoutIndex(segment, fileSystem: fileSystem, faults: &faults)
            }
            if segment.isSealed { segment.closeFile(fileSystem) }
            nextOrdinal = segment.endOrdinal
        }
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
