import Foundation
import LZ4Codec
import LedgerPrimitives

/// Reads: by location, by ordinal, by key, and forward scans (Specs/segment-format.md §5, §6).
extension SegmentLog {
    /// The location of the record with ordinal `ordinal` (0-based append order).
    ///
    /// - Throws: `.invalidArgument` when `ordinal >= recordCount`; `.corruptBlock` or
    ///   `.corruptSegment` when the segment holding it is damaged there.
    public func location(ofOrdinal ordinal: UInt64) throws -> RecordLocation {
        try lock.withLock {
            try checkOpen()
            let (segment, block) = try findBlock(ordinal: ordinal)
            return RecordLocation(
                segment: segment.number, blockOffset: block.offset, index: UInt32(ordinal - block.firstOrdinal), ordinal: ordinal)
        }
    }

    /// The record with ordinal `ordinal`.
    ///
    /// A block not in the read cache is decompressed only up to this record's end (and cached
    /// so: a later read of a record past it decompresses the block whole), so a read of one
    /// record does not pay for the records after it in its block.
    public func read(ordinal: UInt64) throws -> StoredRecord {
        let (location, decoded) = try lock.withLock { () throws -> (RecordLocation, DecodedBlock) in
            try checkOpen()
            let (segment, block) = try findBlock(ordinal: ordinal)
            let index = UInt32(ordinal - block.firstOrdinal)
            let location = RecordLocation(segment: segment.number, blockOffset: block.offset, index: index, ordinal: ordinal)
            return (location, try loadBlock(block, in: segment, for: Int(index)))
        }
        let index = Int(location.index)
        return StoredRecord(location: location, key: decoded.key(index), value: decoded.value(index))
    }

    /// The record at `location`, checked against its block's checksum.
    ///
    /// - Throws: `.invalidArgument` for a location this log never returned; `.corruptBlock`
    ///   (with file and offset) when the block is damaged — damaged bytes are never returned.
    public func read(at location: RecordLocation) throws -> StoredRecord {
        let decoded = try lock.withLock { () throws -> DecodedBlock in
            try checkOpen()
            let (segment, block) = try findBlock(ordinal: location.ordinal)
            guard segment.number == location.segment, block.offset == location.blockOffset,
                UInt64(location.index) == location.ordinal - block.firstOrdinal
            else {
                throw StorageError(.invalidArgument, "location \(location) is not a record of this log", file: directory)
            }
            return try loadBlock(block, in: segment, for: Int(location.index))
        }
        let index = Int(location.index)
        return StoredRecord(location: location, key: decoded.key(index), value: decoded.value(index))
    }

    /// The location of the first record appended with `key`, or nil when there is none.
    ///
    /// Sealed segments answer from their persisted key index (loaded on first use), the
    /// active segment from an in-memory map built on first use.
    /// - Throws: `.invalidArgument` unless `key` is 32 bytes; storage errors from reading an index or block.
    public func location(forKey key: [UInt8]) throws -> RecordLocation? {
        guard key.count == SegmentFormat.keySize else {
            throw StorageError(.invalidArgument, "keys are 32 bytes, got \(key.count)")
        }
        return try lock.withLock {
            try checkOpen()
            for segment in segments {
                if let location = try find(key: key, in: segment) { return location }
            }
            return nil
        }
    }

    /// Calls `body` with each record from ordinal `start` on, in order, across segments.
    ///
    /// The log's lock is not held while `body` runs, so `body` may call the log (records
    /// appended meanwhile may or may not be visited). Return false from `body` to stop.
    /// - Throws: what `body` throws, or a storage error at the first damaged block (records
    ///   before it have been visited; nothing from the damaged block is).
    public func scan(from start: UInt64 = 0, _ body: (StoredRecord) throws -> Bool) throws {
        var ordinal = start
        while true {
            let (decoded, failure) = try lock.withLock { () throws -> ([ScanItem], (any Error)?) in
                try checkOpen()
                return nextBlocks(from: ordinal)
            }
            for item in decoded {
                for index in Int(max(ordinal, item.block.firstOrdinal) - item.block.firstOrdinal)..<item.decoded.count {
                    let location = RecordLocation(
                        segment: item.segment, blockOffset: item.block.offset, index: UInt32(index),
                        ordinal: item.block.firstOrdinal + UInt64(index))
                    let record = StoredRecord(location: location, key: item.decoded.key(index), value: item.decoded.value(index))
                    guard try body(record) else { return }
                }
                ordinal = item.block.firstOrdinal + UInt64(item.block.recordCount)
            }
            if let failure { throw failure }
            if decoded.isEmpty { return }
        }
    }

    /// One block a scan will read.
    struct ScanJob: Sendable {
        let segment: UInt64
        let path: String
        let block: BlockInfo
        let file: OpenFile
    }

    /// One decoded block of a scan.
    struct ScanItem {
        let segment: UInt64
        let block: BlockInfo
        let decoded: DecodedBlock
    }

    /// How many blocks a scan reads and decodes at a time, across the machine's cores.
    static let scanBatchBlocks = 64

    /// Decodes the next few blocks from `ordinal` on, in parallel, and returns them in order
    /// up to the first that fails, with that failure (lock held).
    func nextBlocks(from ordinal: UInt64) -> ([ScanItem], (any Error)?) {
        let end = segments.last?.endOrdinal ?? 0
        var jobs: [ScanJob] = []
        var failure: (any Error)?
        var next = ordinal
        while jobs.count < Self.scanBatchBlocks, next < end {
            do {
                let (segment, block) = try findBlock(ordinal: next)
                jobs.append(ScanJob(segment: segment.number, path: segment.path, block: block, file: try file(of: segment)))
                next = block.firstOrdinal + UInt64(block.recordCount)
            } catch {
                failure = error
                break
            }
        }
        let fileSystem = fileSystem
        let work = jobs
        let workers = scanDecompressors
        // One worker per core, each with its own long-lived decompression context.
        let results = ParallelFill.map(count: work.count, workers: workers.count) { worker, position in
            let job = work[position]
            return Result<DecodedBlock, any Error> {
                let bytes = try fileSystem.readExactly(job.file, count: Int(job.block.length), at: job.block.offset)
                return try Self.decode(bytes, job.block, path: job.path, decompressor: workers[worker].decompressor)
            }
        }
        var items: [ScanItem] = []
        for (job, result) in zip(jobs, results) {
            switch result {
            case .success(let decoded): items.append(ScanItem(segment: job.segment, block: job.block, decoded: decoded))
            case .failure(let error): return (items, error)
            }
        }
        return (items, failure)
    }

    // MARK: - Internals (call with the lock held)

    /// The segment and block holding `ordinal`.
    func findBlock(ordinal: UInt64) throws -> (Segment, BlockInfo) {
        guard let last = segments.last, ordinal < last.endOrdinal else {
            throw StorageError(.invalidArgument, "ordinal \(ordinal) is past the end of the log (\(segments.last?.endOrdinal ?? 0) records)", file: directory)
        }
        var low = 0
        var high = segments.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if segments[middle].firstOrdinal <= ordinal { low = middle } else { high = middle - 1 }
        }
        let segment = segments[low]
        let blocks = try blocks(of: segment)
        guard let position = SegmentIndex.blockIndex(of: ordinal, in: blocks) else {
            let damage = segment.damage
            throw StorageError(
                .corruptBlock, "record \(ordinal) lies in a damaged part of the segment (\(damage?.what ?? "missing block"))",
                file: segment.path, offset: damage?.offset)
        }
        return (segment, blocks[position])
    }

    /// A segment's block table: from memory, or its index (loaded once), or a fallback scan.
    func blocks(of segment: Segment) throws -> [BlockInfo] {
        if !segment.blocksLoaded, let tail = segment.tail {
            let indexLength = Int(segment.size - UInt64(SegmentFormat.tailFrameSize) - tail.indexOffset)
            do {
                let bytes = try fileSystem.readExactly(file(of: segment), count: indexLength, at: tail.indexOffset)
                segment.index = try SegmentIndex.decode(
                    bytes, firstOrdinal: segment.firstOrdinal, expectedCount: tail.recordCount, file: segment.path,
                    offset: tail.indexOffset)
                segment.blocksLoaded = true
            } catch {
                openFaults.append(StorageFault(file: segment.path, offset: tail.indexOffset, what: "segment index unreadable; blocks were scanned"))
                let scan = try Self.scanBlocks(
                    segment, from: UInt64(SegmentFormat.headerFrameSize), to: tail.indexOffset, fileSystem: fileSystem)
                Self.adoptScan(scan, into: segment, faults: &openFaults)
            }
        }
        return segment.index?.blocks ?? segment.scannedBlocks
    }

    /// The decoded block, whole, from the cache or from disk (then cached).
    func loadBlock(_ block: BlockInfo, in segment: Segment) throws -> DecodedBlock {
        let key = BlockCache.Key(segment: segment.number, offset: block.offset)
        if let cached = cache.get(key), cached.isComplete { return cached }
        let decoded = try decodeBlock(block, in: segment)
        cache.put(key, decoded)
        return decoded
    }

    /// The decoded block holding at least record `index`'s value: from the cache, or from
    /// disk decompressed up to that record (then cached; see ``read(ordinal:)``).
    func loadBlock(_ block: BlockInfo, in segment: Segment, for index: Int) throws -> DecodedBlock {
        let key = BlockCache.Key(segment: segment.number, offset: block.offset)
        let cached = cache.get(key)
        if let cached, cached.holds(index) { return cached }
        let bytes = try fileSystem.readExactly(file(of: segment), count: Int(block.length), at: block.offset)
        // A block read again past its decoded part is decoded whole: reads in order cost two decodes at most.
        let decoded = try Self.decode(bytes, block, path: segment.path, decompressor: decompressor, upTo: cached == nil ? index : nil)
        cache.put(key, decoded)
        return decoded
    }

    /// Reads, checks and decompresses one block.
    func decodeBlock(_ block: BlockInfo, in segment: Segment) throws -> DecodedBlock {
        let bytes = try fileSystem.readExactly(file(of: segment), count: Int(block.length), at: block.offset)
        return try Self.decode(bytes, block, path: segment.path, decompressor: decompressor)
    }

    /// Checks and decompresses one block's bytes and checks it is the block the index promised.
    static func decode(
        _ bytes: [UInt8], _ block: BlockInfo, path: String, decompressor: LZ4FrameDecompressor, upTo record: Int? = nil
    ) throws -> DecodedBlock {
        let decoded = try DecodedBlock.decode(bytes, file: path, offset: block.offset, decompressor: decompressor, upTo: record)
        guard decoded.firstOrdinal == block.firstOrdinal, decoded.count == Int(block.recordCount) else {
            throw StorageError(.corruptBlock, "block ordinals disagree with the segment index", file: path, offset: block.offset)
        }
        return decoded
    }

    /// The first record with `key` in `segment`, if any.
    func find(key: [UInt8], in segment: Segment) throws -> RecordLocation? {
        let blocks = try blocks(of: segment)
        let candidates: [UInt32]
        if let index = segment.index {
            candidates = index.candidates(forKey: key)
        } else {
            if segment.keyMap == nil {
                var map: [Key32: UInt32] = [:]
                map.reserveCapacity(segment.scannedKeys.count / 32)
                segment.scannedKeys.withUnsafeBytes { raw in
                    for position in 0..<(raw.count / 32) {
                        let key = Key32(UnsafeRawBufferPointer(rebasing: raw[position * 32..<position * 32 + 32]))
                        if map[key] == nil { map[key] = UInt32(position) }
                    }
                }
                segment.keyMap = map
            }
            let wanted = key.withUnsafeBytes { Key32($0) }
            candidates = segment.keyMap?[wanted].map { [$0] } ?? []
        }
        for relative in candidates {
            let ordinal = segment.firstOrdinal + UInt64(relative)
            guard let position = SegmentIndex.blockIndex(of: ordinal, in: blocks) else { continue }
            let block = blocks[position]
            let decoded = try loadBlock(block, in: segment)
            let index = Int(ordinal - block.firstOrdinal)
            if decoded.key(index).elementsEqual(key) {
                return RecordLocation(segment: segment.number, blockOffset: block.offset, index: UInt32(index), ordinal: ordinal)
            }
        }
        return nil
    }
}

/// A decompression context used by one scan worker at a time.
struct ScanDecompressor: @unchecked Sendable {  // scan worker i alone uses element i, under the log's lock.
    let decompressor = LZ4FrameDecompressor()
}
