import LedgerPrimitives

/// Recovery and scanning (Specs/segment-format.md §8 "Recovery").
extension SegmentLog {
    /// The valid blocks found by walking a byte range of a segment from its start.
    struct ScanResult {
        var blocks: [BlockInfo] = []
        var keys: [UInt8] = []
        var rawBytes: UInt64 = 0
        var recordCount: UInt64 = 0
        /// File offset where the valid blocks end.
        var end: UInt64
        /// Why the walk stopped before the end of the range, or nil when it reached it.
        var stopReason: String?
        /// Whether the walk stopped at an index frame (a sealed segment's footer).
        var stoppedAtIndex = false
    }

    /// Walks blocks in `[start, limit)`, checking each one's structure, checksum and ordinals.
    ///
    /// It stops at the first byte that does not begin a complete, checksummed block in
    /// sequence; everything before that point is trustworthy, nothing after it is used.
    static func scanBlocks(_ segment: Segment, from start: UInt64, to limit: UInt64, fileSystem: any FileSystem) throws
        -> ScanResult
    {
        var result = ScanResult(end: start)
        guard limit > start else { return result }
        var window = ScanWindow(file: try segment.file(fileSystem), fileSystem: fileSystem, limit: limit)
        // Blocks of a batch whose batch-end block has not been seen yet (§8: batches are atomic).
        var pending = ScanResult(end: start)
        var ordinal = segment.firstOrdinal
        var position = start
        scanning: while position < limit {
            guard limit - position >= UInt64(BlockHeaderPrefix.size) else {
                result.stopReason = "torn block header"
                break scanning
            }
            guard let prefix = try window.with(position, BlockHeaderPrefix.size, { BlockHeaderPrefix.parse($0) }) else {
                if try window.with(position, 4, { LZ4SkippableHeader.nibble($0) }) == SegmentFormat.indexNibble {
                    result.stoppedAtIndex = true
                    result.stopReason = "segment index without a valid tail (interrupted seal)"
                } else {
                    result.stopReason = "not a block header"
                }
                break scanning
            }
            guard UInt64(prefix.totalLength) <= limit - position else {
                result.stopReason = "torn block (\(limit - position) of \(prefix.totalLength) bytes)"
                break scanning
            }
            let intact = try window.with(position, prefix.totalLength) { raw -> Bool in
                guard (try? DecodedBlock.check(raw, file: segment.path, offset: position)) != nil else { return false }
                for record in 0..<prefix.recordCount {
                    let at = BlockHeaderPrefix.size + record * SegmentFormat.blockRecordEntrySize
                    pending.keys.append(contentsOf: UnsafeRawBufferPointer(rebasing: raw[at..<at + SegmentFormat.keySize]))
                }
                return true
            }
            guard intact else {
                result.stopReason = "block checksum mismatch"
                break scanning
            }
            guard prefix.firstOrdinal == ordinal else {
                result.stopReason = "block ordinal \(prefix.firstOrdinal) out of sequence, expected \(ordinal)"
                break scanning
            }
            pending.blocks.append(
                BlockInfo(
                    offset: position, length: UInt32(prefix.totalLength), firstOrdinal: ordinal,
                    recordCount: UInt32(prefix.recordCount)))
            ordinal += UInt64(prefix.recordCount)
            pending.recordCount += UInt64(prefix.recordCount)
            pending.rawBytes += UInt64(prefix.rawLength)
            position += UInt64(prefix.totalLength)
            if prefix.endsBatch {
                result.blocks += pending.blocks
                result.keys += pending.keys
                result.recordCount += pending.recordCount
                result.rawBytes += pending.rawBytes
                result.end = position
                pending = ScanResult(end: position)
            }
        }
        if !pending.blocks.isEmpty {
            if let reason = result.stopReason {
                result.stopReason = reason + ", after \(pending.blocks.count) block(s) of an incomplete batch"
                result.stoppedAtIndex = false
            } else {
                result.stopReason = "batch without its batch-end block (interrupted append)"
            }
        }
        return result
    }

    /// Scans the active segment's blocks and adopts what it found as the segment's table;
    /// the caller decides what happens to bytes past the last valid block.
    private static func scanActive(_ segment: Segment, fileSystem: any FileSystem) throws -> ScanResult {
        let scan = try scanBlocks(
            segment, from: UInt64(SegmentFormat.headerFrameSize), to: segment.size, fileSystem: fileSystem)
        segment.scannedBlocks = scan.blocks
        segment.scannedKeys = scan.keys
        segment.recordCount = scan.recordCount
        segment.rawBytes = scan.rawBytes
        segment.blocksLoaded = true
        return scan
    }

    /// Scans the active segment and cuts a torn or corrupt tail, quarantining it first.
    ///
    /// - Returns: a report when bytes were cut, nil when the segment ended cleanly.
    static func recoverActive(_ segment: Segment, fileSystem: any FileSystem) throws -> RecoveryReport? {
        let scan = try scanActive(segment, fileSystem: fileSystem)
        guard scan.end < segment.size else { return nil }
        let cut = try fileSystem.readExactly(segment.file(fileSystem), count: Int(segment.size - scan.end), at: scan.end)
        let quarantine = try quarantinePath(for: segment.path, offset: scan.end, fileSystem: fileSystem)
        try DurableFile.write(cut, to: quarantine, fileSystem: fileSystem)
        try fileSystem.truncate(segment.file(fileSystem), to: scan.end)
        try fileSystem.syncData(segment.file(fileSystem))
        let report = RecoveryReport(
            file: segment.path, cutOffset: scan.end, cutBytes: segment.size - scan.end, quarantineFile: quarantine,
            reason: scan.stopReason ?? "unreadable tail")
        segment.size = scan.end
        return report
    }

    /// Read-only: scans the active segment like ``recoverActive(_:fileSystem:)`` but cuts
    /// nothing; a torn or corrupt tail is left on disk and not read.
    ///
    /// - Returns: a report (with no quarantine file) when bytes past the valid blocks were left unread.
    static func inspectActive(_ segment: Segment, fileSystem: any FileSystem) throws -> RecoveryReport? {
        let scan = try scanActive(segment, fileSystem: fileSystem)
        guard scan.end < segment.size else { return nil }
        let report = RecoveryReport(
            file: segment.path, cutOffset: scan.end, cutBytes: segment.size - scan.end, quarantineFile: "",
            reason: (scan.stopReason ?? "unreadable tail") + "; read-only, so left in place and not read")
        segment.size = scan.end
        return report
    }

    /// A sealed segment whose tail is unusable: learn its blocks by scanning; record any damage.
    static func scanSealedWithoutIndex(_ segment: Segment, fileSystem: any FileSystem, faults: inout [StorageFault]) throws {
        let scan = try scanBlocks(
            segment, from: UInt64(SegmentFormat.headerFrameSize), to: segment.size, fileSystem: fileSystem)
        adoptScan(scan, into: segment, faults: &faults)
    }

    /// Uses a scan of a sealed segment as its block table, noting where it stopped being readable.
    static func adoptScan(_ scan: ScanResult, into segment: Segment, faults: inout [StorageFault]) {
        segment.scannedBlocks = scan.blocks
        segment.scannedKeys = scan.keys
        segment.blocksLoaded = true
        if segment.tail == nil {
            segment.recordCount = scan.recordCount
            segment.rawBytes = scan.rawBytes
        }
        if let reason = scan.stopReason, !scan.stoppedAtIndex || scan.recordCount < segment.recordCount {
            let fault = StorageFault(file: segment.path, offset: scan.end, what: reason)
            segment.damage = fault
            faults.append(fault)
        }
    }

    /// `SEGMENT.quarantine-OFFSET`, with `-2`, `-3`, ... when that name is taken.
    static func quarantinePath(for segmentPath: String, offset: UInt64, fileSystem: any FileSystem) throws -> String {
        let base = "\(segmentPath).quarantine-\(offset)"
        var candidate = base
        var attempt = 1
        while fileSystem.exists(candidate) {
            attempt += 1
            candidate = "\(base)-\(attempt)"
        }
        return candidate
    }
}

/// Reads just the nibble of a skippable frame at the start of a buffer.
enum LZ4SkippableHeader {
    static func nibble(_ raw: UnsafeRawBufferPointer) -> UInt8? {
        var reader = SegmentFormat.reader(raw, at: 0)
        guard let magic = try? reader.u32() else { return nil }
        guard magic & 0xFFFF_FFF0 == 0x184D_2A50 else { return nil }
        return UInt8(magic & 0xF)
    }
}

/// A reusable read window over a file, so a scan reads large chunks without holding the file.
struct ScanWindow {
    static let chunk = 1 << 20
    let file: OpenFile
    let fileSystem: any FileSystem
    let limit: UInt64
    private var buffer: [UInt8] = []
    private var start: UInt64 = 0

    init(file: OpenFile, fileSystem: any FileSystem, limit: UInt64) {
        self.file = file
        self.fileSystem = fileSystem
        self.limit = limit
    }

    /// Calls `body` with bytes `[offset, offset + count)`, which the caller has checked lie below `limit`.
    mutating func with<R>(_ offset: UInt64, _ count: Int, _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        if offset < start || offset + UInt64(count) > start + UInt64(buffer.count) {
            let length = Int(min(limit - offset, UInt64(max(count, Self.chunk))))
            if buffer.count != length { buffer = [UInt8](repeating: 0, count: length) }
            let file = file
            let fileSystem = fileSystem
            let got = try buffer.withUnsafeMutableBytes { try fileSystem.read(file, into: $0, at: offset) }
            guard got == length else {
                throw StorageError(.corruptBlock, "file is shorter than expected while scanning", file: file.path, offset: offset + UInt64(got))
            }
            start = offset
        }
        let from = Int(offset - start)
        return try buffer.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[from..<from + count])) }
    }
}
