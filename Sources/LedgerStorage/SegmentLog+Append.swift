/// Appending, sealing and creating segments (Specs/segment-format.md §5–§7).
extension SegmentLog {
    /// Appends a batch of records and returns once they are durable (group commit).
    ///
    /// The batch is packed into blocks, written to the end of the active segment in one
    /// write and made durable with one `fdatasync`; only then does this return. If any
    /// step fails, the segment is cut back to where it was, so the batch is not served
    /// now or after a reopen; the log stays usable. If even that rollback fails, the log
    /// refuses further appends (`.writerPoisoned`) until it is reopened, and recovery on
    /// open removes the partial batch.
    ///
    /// Before writing, an active segment past the size limit is sealed; a failure there
    /// fails this call, with nothing of this batch written.
    ///
    /// - Parameter records: keys of exactly 32 bytes, values up to ``SegmentLogOptions/maxRecordSize``.
    /// - Returns: the location of each record, in order; their ordinals are consecutive.
    /// - Throws: ``StorageError``: `.invalidArgument` for a bad key or oversized value,
    ///   `.noSpace`/`.io` when the disk fails, `.writerPoisoned`, `.closed`.
    @discardableResult
    public func append(_ records: [(key: [UInt8], value: [UInt8])]) throws -> [RecordLocation] {
        try appendBatch(records, durably: true)
    }

    /// ``append(_:)``, or with `durably` false ``write(_:)``: the batch written without its `fdatasync`.
    func appendBatch(_ records: [(key: [UInt8], value: [UInt8])], durably: Bool) throws -> [RecordLocation] {
        let maxValue = min(options.maxRecordSize, SegmentFormat.maxBlockRawLength)
        for (position, record) in records.enumerated() {
            guard record.key.count == SegmentFormat.keySize else {
                throw StorageError(.invalidArgument, "record \(position) of the batch has a \(record.key.count)-byte key; keys are 32 bytes")
            }
            guard record.value.count <= maxValue else {
                throw StorageError(.invalidArgument, "record \(position) of the batch is \(record.value.count) bytes; the limit is \(maxValue)")
            }
        }
        return try lock.withLock {
            try checkOpen()
            try checkWritable()
            if let poisoned { throw StorageError(.writerPoisoned, "an earlier failed write could not be undone; reopen the log", file: directory, underlying: poisoned) }
            try checkNoFailedSync()
            guard !records.isEmpty else { return [] }
            if let last = segments.last, !last.isSealed, last.size >= options.segmentSizeLimit {
                try seal(last)
            }
            let active = try activeSegment()
            var batch: [UInt8] = []
            var blocks: [BlockInfo] = []
            var ordinal = active.endOrdinal
            var start = 0
            var rawInBlock = 0
            var rawTotal: UInt64 = 0
            func flush(until end: Int) throws {
                var block = try BlockEncoder.append(
                    records[start..<end], firstOrdinal: ordinal, endsBatch: end == records.count, scratch: &scratch, to: &batch)
                block.offset = active.size + UInt64(batch.count) - UInt64(block.length)
                blocks.append(block)
                ordinal += UInt64(end - start)
                start = end
                rawInBlock = 0
            }
            for (position, record) in records.enumerated() {
                if position > start, rawInBlock + record.value.count > options.blockSize
                    || position - start >= SegmentFormat.maxRecordsPerBlock
                {
                    try flush(until: position)
                }
                rawInBlock += record.value.count
                rawTotal += UInt64(record.value.count)
            }
            try flush(until: records.count)
            if durably {
                try writeDurably(batch, to: active)
            } else {
                if unsynced == nil { unsynced = DurablePoint(of: active) }
                try writeUnsynced(batch, to: active)
            }
            var locations: [RecordLocation] = []
            locations.reserveCapacity(records.count)
            for block in blocks {
                for index in 0..<Int(block.recordCount) {
                    locations.append(
                        RecordLocation(
                            segment: active.number, blockOffset: block.offset, index: UInt32(index),
                            ordinal: block.firstOrdinal + UInt64(index)))
                }
            }
            let firstNew = UInt32(active.recordCount)
            active.scannedBlocks.append(contentsOf: blocks)
            for (position, record) in records.enumerated() {
                active.scannedKeys.append(contentsOf: record.key)
                if active.keyMap != nil {
                    let key = record.key.withUnsafeBytes { Key32($0) }
                    if active.keyMap?[key] == nil { active.keyMap?[key] = firstNew + UInt32(position) }
                }
            }
            active.recordCount += UInt64(records.count)
            active.rawBytes += rawTotal
            active.size += UInt64(batch.count)
            return locations
        }
    }

    /// Seals the active segment now, whatever its size (for tests, tools and shutdown).
    ///
    /// The next append starts a new segment. Does nothing when there is no active segment
    /// or it holds no records.
    public func sealActiveSegment() throws {
        try lock.withLock {
            try checkOpen()
            try checkWritable()
            if let poisoned { throw StorageError(.writerPoisoned, "an earlier failed write could not be undone; reopen the log", file: directory, underlying: poisoned) }
            guard let last = segments.last, !last.isSealed, last.recordCount > 0 else { return }
            try seal(last)
        }
    }

    /// Makes every record the log holds durable: `fdatasync` of the last segment, the only
    /// one whose bytes may not be (earlier segments were sealed durably before the next was
    /// created). For an opener that is about to build on records a writer killed before its
    /// sync returned left in the page cache (Specs/site-layout.md §9.7).
    public func syncLastSegment() throws {
        try lock.withLock {
            try checkOpen()
            try checkWritable()
            guard let last = segments.last else { return }
            try fileSystem.syncData(file(of: last))
        }
    }

    /// Writes the index and tail frames (§6) after the last block and makes them durable.
    func seal(_ segment: Segment) throws {
        let index = SegmentIndex(blocks: segment.scannedBlocks, keys: segment.scannedKeys)
        var footer = index.encoded(recordCount: segment.recordCount)
        footer += SegmentTail(indexOffset: segment.size, recordCount: segment.recordCount, rawBytes: segment.rawBytes).encoded()
        try writeDurably(footer, to: segment)
        segment.tail = SegmentTail(indexOffset: segment.size, recordCount: segment.recordCount, rawBytes: segment.rawBytes)
        segment.index = index
        segment.isSealed = true
        segment.closeFile(fileSystem)
        segment.blocksLoaded = true
        segment.scannedBlocks = []
        segment.scannedKeys = []
        segment.keyMap = nil
        segment.size += UInt64(footer.count)
    }

    /// The active segment, creating the next one (atomically, §7) when the last is sealed.
    func activeSegment() throws -> Segment {
        if let last = segments.last, !last.isSealed { return last }
        let number = (segments.last?.number ?? 0) + 1
        let first = segments.last?.endOrdinal ?? 0
        let path = path(of: number)
        let header = SegmentHeader(segmentNumber: number, firstOrdinal: first).encoded()
        try DurableFile.write(header, to: path, fileSystem: fileSystem)
        let file = try fileSystem.open(path, mode: .readWrite)
        let segment = Segment(number: number, path: path, firstOrdinal: first, file: file, size: UInt64(header.count))
        segment.blocksLoaded = true
        segments.append(segment)
        return segment
    }

    /// Writes `bytes` at the end of `segment` and `fdatasync`s; on failure cuts the file back.
    ///
    /// The sync makes every record written before it durable too (records written without a
    /// sync lie only in the active segment, which is the one written here). When it fails
    /// while such records wait, they are not durable either: the failure is kept
    /// (``failedSync``) until ``discardUnsynced()`` cuts them.
    func writeDurably(_ bytes: [UInt8], to segment: Segment) throws {
        do {
            try fileSystem.writeAll(segment.file(fileSystem), bytes, at: segment.size)
            let file = try segment.file(fileSystem)
            try syncLock.withLock { try fileSystem.syncData(file) }
            // A background sync that failed before this one took the error: this one's
            // success does not make the records it covered durable.
            try checkNoFailedSync()
            unsynced = nil
        } catch {
            if unsynced != nil {
                let failure = error as? StorageError ?? StorageError(.io, "fdatasync failed", file: segment.path)
                failureLock.withLock { if failedSync == nil { failedSync = failure } }
            }
            do {
                try fileSystem.truncate(segment.file(fileSystem), to: segment.size)
                try fileSystem.syncData(segment.file(fileSystem))
            } catch let rollback as StorageError {
                poisoned = rollback
            } catch {
                poisoned = StorageError(.io, "rollback failed", file: segment.path)
            }
            throw error
        }
    }
}
