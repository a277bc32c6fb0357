/// Writing batches without waiting for their `fdatasync`, and making them durable from
/// another thread (Specs/segment-format.md §7.1).
///
/// A group committer that must not stall while the disk syncs writes a batch with
/// ``write(_:)`` (the bytes reach the file, the records are readable in this process), hands
/// ``syncWritten()`` to a thread of its own, and keeps working; it acknowledges the batch
/// only once a ``syncWritten()`` that *started after the write* returned. Invariants:
/// - Written-but-unsynced records lie only in the active segment, after ``unsynced``'s
///   point: sealing a segment syncs it (and so everything written to it).
/// - One `fdatasync` of the active segment runs at a time (`syncLock`), so an error reported
///   to one caller is kept in ``failedSync`` for the others instead of being lost.
/// - After a failed sync nothing is written or synced until ``discardUnsynced()`` has cut
///   the file back to the last durable point: records that may not be on disk are never
///   built upon, nor later declared durable by a sync that happened to succeed.
extension SegmentLog {
    /// Appends a batch like ``append(_:)``, but returns once its bytes are written, before
    /// any `fdatasync`: the records are readable here at once and durable only once a later
    /// ``syncWritten()`` (or a durable ``append(_:)``, or a seal) returns.
    ///
    /// A failed write cuts the file back as ``append(_:)`` does.
    /// - Returns: the location of each record, in order.
    /// - Throws: ``StorageError`` as ``append(_:)``, and the error of an earlier failed
    ///   sync until ``discardUnsynced()`` has run.
    @discardableResult
    public func write(_ records: [(key: [UInt8], value: [UInt8])]) throws -> [RecordLocation] {
        try appendBatch(records, durably: false)
    }

    /// How many records, from the first, are durable (all but those written by ``write(_:)``
    /// and not synced since).
    public var durableRecordCount: UInt64 {
        lock.withLock { durableCountLocked }
    }

    /// Makes every record written before this call durable with one `fdatasync` of the
    /// active segment. Safe to call from any thread while the owner goes on writing: the
    /// log's lock is held only to note what is synced, never across the `fdatasync`.
    /// - Returns: ``durableRecordCount`` after the sync (at least the record count when the
    ///   call began).
    /// - Throws: ``StorageError`` when the sync fails; every record not durable before stays
    ///   unacknowledgeable and the log refuses writes until ``discardUnsynced()`` runs.
    @discardableResult
    public func syncWritten() throws -> UInt64 {
        let target: (point: DurablePoint, file: OpenFile)? = try lock.withLock {
            try checkOpen()
            try checkNoFailedSync()
            guard unsynced != nil, let active = segments.last else { return nil }
            let file = try active.file(fileSystem)
            active.syncsInFlight += 1
            return (DurablePoint(of: active), file)
        }
        guard let target else { return durableRecordCount }
        var failure: StorageError?
        syncLock.withLock {
            do {
                try fileSystem.syncData(target.file)
            } catch {
                failure = error as? StorageError ?? StorageError(.io, "fdatasync failed", file: target.point.segment.path)
                failureLock.withLock { if failedSync == nil { failedSync = failure } }
            }
        }
        return try lock.withLock {
            target.point.segment.syncFinished(fileSystem)
            if let failure { throw failure }
            // What was written before the sync began is durable; what came after still waits.
            // (A seal or a durable append meanwhile made it all durable: nothing left to move.)
            if let point = unsynced, point.segment === target.point.segment, target.point.recordCount > point.recordCount {
                unsynced = target.point.size == target.point.segment.size ? nil : target.point
            }
            return durableCountLocked
        }
    }

    /// After a failed sync: cuts the active segment back to the last durable point (the
    /// records written since are dropped from the file and from memory) and makes the cut
    /// durable, so the log holds exactly what is known to be on disk and may be written again.
    ///
    /// Call it on the writing thread with no ``syncWritten()`` running.
    /// - Returns: the record count after the cut (``durableRecordCount``).
    /// - Throws: ``StorageError`` when the cut fails; the log then refuses writes
    ///   (`.writerPoisoned`) until reopened, and recovery on open cuts what a crash left.
    @discardableResult
    public func discardUnsynced() throws -> UInt64 {
        try lock.withLock {
            try checkOpen()
            try checkWritable()
            guard let point = unsynced else {
                failureLock.withLock { failedSync = nil }
                return durableCountLocked
            }
            let segment = point.segment
            do {
                let file = try segment.file(fileSystem)
                try fileSystem.truncate(file, to: point.size)
                try fileSystem.syncData(file)
            } catch {
                poisoned = error as? StorageError ?? StorageError(.io, "cutting unsynced records failed", file: segment.path)
                throw error
            }
            let keep = Int(point.recordCount)
            if segment.keyMap != nil {
                for position in keep..<Int(segment.recordCount) {
                    let start = position * SegmentFormat.keySize
                    let key = segment.scannedKeys[start..<start + SegmentFormat.keySize].withUnsafeBytes { Key32($0) }
                    if let mapped = segment.keyMap?[key], mapped >= UInt32(keep) { segment.keyMap?[key] = nil }
                }
            }
            segment.scannedKeys.removeSubrange((keep * SegmentFormat.keySize)...)
            segment.scannedBlocks.removeSubrange(point.blockCount...)
            segment.recordCount = point.recordCount
            segment.rawBytes = point.rawBytes
            segment.size = point.size
            cache.removeAll()  // blocks cached from the cut region must not answer for new ones
            unsynced = nil
            failureLock.withLock { failedSync = nil }
            return durableCountLocked
        }
    }

    /// ``durableRecordCount`` with `lock` held.
    var durableCountLocked: UInt64 {
        if let unsynced { return unsynced.segment.firstOrdinal + unsynced.recordCount }
        return segments.last?.endOrdinal ?? 0
    }

    /// Throws the error of a failed sync that ``discardUnsynced()`` has not dealt with yet.
    func checkNoFailedSync() throws {
        if let failure = failureLock.withLock({ failedSync }) {
            throw StorageError(.io, "an fdatasync failed while records were not yet durable; discard them first", file: directory, underlying: failure)
        }
    }

    /// Writes `bytes` at the end of `segment` without syncing; on failure cuts the file back.
    func writeUnsynced(_ bytes: [UInt8], to segment: Segment) throws {
        do {
            try fileSystem.writeAll(segment.file(fileSystem), bytes, at: segment.size)
        } catch {
            do {
                try fileSystem.truncate(segment.file(fileSystem), to: segment.size)
            } catch let rollback as StorageError {
                poisoned = rollback
            } catch {
                poisoned = StorageError(.io, "rollback failed", file: segment.path)
            }
            throw error
        }
    }
}

/// A point of the active segment before which every byte is durable: where a discard cuts.
struct DurablePoint {
    let segment: Segment
    let size: UInt64
    /// Records of the segment before the point.
    let recordCount: UInt64
    let rawBytes: UInt64
    /// Blocks of the segment before the point.
    let blockCount: Int

    /// The segment's end as it is now.
    init(of segment: Segment) {
        self.segment = segment
        size = segment.size
        recordCount = segment.recordCount
        rawBytes = segment.rawBytes
        blockCount = segment.scannedBlocks.count
    }
}
