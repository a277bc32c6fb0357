/// One segment file as the open log tracks it (mutated only under the log's lock).
final class Segment {
    let number: UInt64
    let path: String
    let firstOrdinal: UInt64
    /// The open descriptor, when open: always for the active segment, on demand for sealed ones.
    var openFile: OpenFile?
    /// Bytes in the file (for the active segment: where the next block goes).
    var size: UInt64
    var recordCount: UInt64
    var rawBytes: UInt64
    /// Sealed segments have a tail; their blocks come from the index, loaded lazily.
    var tail: SegmentTail?
    var index: SegmentIndex?
    /// Blocks and keys (32 bytes each, ordinal order) known from a scan: always for the
    /// active segment, and for a sealed one whose index could not be read.
    var scannedBlocks: [BlockInfo] = []
    var scannedKeys: [UInt8] = []
    var keyMap: [Key32: UInt32]?
    /// Where a sealed segment without a usable index stopped being readable, if it did.
    var damage: StorageFault?
    /// Whether the segment is sealed (immutable): every segment but the last, and the last once sealed.
    var isSealed = false
    /// Whether the log was opened read-only: the file is then never opened for writing.
    var readOnly = false
    /// Whether the lazy load of a sealed segment's index (or its fallback scan) has happened.
    var blocksLoaded = false
    /// `fdatasync`s of this file running outside the log's lock (``SegmentLog/syncWritten()``):
    /// while any runs, closing the descriptor is deferred (it must not be closed under them).
    var syncsInFlight = 0
    /// A close deferred by a running sync: done by the last one to finish.
    var closeWhenSynced = false

    init(number: UInt64, path: String, firstOrdinal: UInt64, file: OpenFile?, size: UInt64) {
        self.number = number
        self.path = path
        self.firstOrdinal = firstOrdinal
        self.openFile = file
        self.size = size
        self.recordCount = 0
        self.rawBytes = 0
    }

    /// The descriptor, opening the file (read-only when sealed or the log is read-only) if it is not open.
    func file(_ fileSystem: any FileSystem) throws -> OpenFile {
        if let openFile { return openFile }
        let file = try fileSystem.open(path, mode: isSealed || readOnly ? .readOnly : .readWrite)
        openFile = file
        return file
    }

    /// Closes the descriptor if open; while a sync of it runs, the close waits for that sync
    /// (``syncFinished(_:)``), so a running `fdatasync` never meets a closed or reused descriptor.
    func closeFile(_ fileSystem: any FileSystem) {
        guard syncsInFlight == 0 else { closeWhenSynced = true; return }
        if let openFile { fileSystem.close(openFile) }
        openFile = nil
    }

    /// A sync started by ``SegmentLog/syncWritten()`` ended: makes a close deferred by it.
    func syncFinished(_ fileSystem: any FileSystem) {
        syncsInFlight -= 1
        guard syncsInFlight == 0, closeWhenSynced else { return }
        closeWhenSynced = false
        closeFile(fileSystem)
    }

    var endOrdinal: UInt64 { firstOrdinal + recordCount }
    var name: String { SegmentFormat.fileName(segment: number) }
}
