/// Full verification and statistics (Specs/segment-format.md §9).
extension SegmentLog {
    /// Checks every segment: headers, tails, indexes and every block's checksum and decompression.
    ///
    /// Reads everything on disk, so its cost grows with the ledger; it does not use or fill
    /// the block cache.
    /// - Parameter progress: called after each segment with (bytes checked, bytes in total).
    /// - Returns: every fault found, with file and offset; empty when the log is intact.
    public func verify(progress: ((_ done: UInt64, _ total: UInt64) -> Void)? = nil) throws -> [StorageFault] {
        try lock.withLock {
            try checkOpen()
            var faults = openFaults
            let total = segments.reduce(UInt64(0)) { $0 + $1.size }
            var done: UInt64 = 0
            for segment in segments {
                verify(segment, into: &faults)
                done += segment.size
                progress?(done, total)
            }
            var unique: [StorageFault] = []
            for fault in faults where !unique.contains(fault) { unique.append(fault) }
            return unique
        }
    }

    /// Sizes and counts: segments, bytes on disk, raw bytes, records.
    public func statistics() throws -> StorageStatistics {
        try lock.withLock {
            try checkOpen()
            return StorageStatistics(
                segments: segments.count, sealedSegments: segments.filter(\.isSealed).count,
                bytesOnDisk: segments.reduce(0) { $0 + $1.size }, rawBytes: segments.reduce(0) { $0 + $1.rawBytes },
                records: segments.last?.endOrdinal ?? 0)
        }
    }

    /// Checks one segment, appending what is wrong to `faults`.
    private func verify(_ segment: Segment, into faults: inout [StorageFault]) {
        func fault(_ offset: UInt64, _ what: String) { faults.append(StorageFault(file: segment.path, offset: offset, what: what)) }
        do {
            let header = try SegmentHeader.decode(
                fileSystem.readExactly(file(of: segment), count: SegmentFormat.headerFrameSize, at: 0), file: segment.path)
            if header.segmentNumber != segment.number || header.firstOrdinal != segment.firstOrdinal {
                fault(0, "segment header changed since the log was opened")
            }
        } catch {
            fault(0, "segment header unreadable: \((error as? StorageError)?.message ?? "\(error)")")
        }
        var end = segment.size
        if segment.isSealed, let tail = segment.tail {
            if (try? Self.readTail(of: segment, fileSystem: fileSystem)) != tail {
                fault(segment.size - UInt64(SegmentFormat.tailFrameSize), "segment tail unreadable or changed")
            }
            let indexLength = Int(segment.size - UInt64(SegmentFormat.tailFrameSize) - tail.indexOffset)
            do {
                _ = try SegmentIndex.decode(
                    fileSystem.readExactly(file(of: segment), count: indexLength, at: tail.indexOffset),
                    firstOrdinal: segment.firstOrdinal, expectedCount: tail.recordCount, file: segment.path, offset: tail.indexOffset)
            } catch {
                fault(tail.indexOffset, "segment index unreadable: \((error as? StorageError)?.message ?? "\(error)")")
            }
            end = tail.indexOffset
        }
        let blocks: [BlockInfo]
        do {
            blocks = try self.blocks(of: segment)
        } catch {
            fault(UInt64(SegmentFormat.headerFrameSize), "block table unreadable: \((error as? StorageError)?.message ?? "\(error)")")
            return
        }
        var expected = UInt64(SegmentFormat.headerFrameSize)
        var ordinal = segment.firstOrdinal
        for block in blocks {
            if block.offset != expected || block.firstOrdinal != ordinal {
                fault(expected, "blocks are not contiguous")
            }
            do {
                _ = try decodeBlock(block, in: segment)
            } catch let error as StorageError {
                fault(error.offset ?? block.offset, error.message)
            } catch {
                fault(block.offset, "\(error)")
            }
            expected = block.offset + UInt64(block.length)
            ordinal = block.firstOrdinal + UInt64(block.recordCount)
        }
        if segment.damage == nil, expected != end {
            fault(expected, "\(end > expected ? end - expected : 0) bytes after the last block are not part of any block")
        }
        if ordinal != segment.endOrdinal, segment.damage == nil {
            fault(expected, "blocks hold \(ordinal - segment.firstOrdinal) records, the segment declares \(segment.recordCount)")
        }
    }
}
