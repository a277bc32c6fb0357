import LedgerStorage

/// A `MerkleNodeStore` in a folder: one append-only file of 32-byte hashes per level.
///
/// `Specs/merkle-log.md` §5: `level-00.hashes` holds the leaf hashes, `level-01.hashes` the
/// parents of pairs of leaves, and so on; node i of a level is at byte offset 32·i. Opening
/// reads only file sizes (no rehashing); a torn last hash (size not a multiple of 32) is cut
/// off, and `MerkleTree.init` repairs levels that a crash left behind or ahead, since every
/// node can be recomputed from the level below it.
///
/// Appends are buffered in memory and written by `sync()`, which also fsyncs (the caller
/// decides when: typically once per appended batch, after the log's own sync). Reads see
/// buffered nodes. One writer: the site ledger owns the store; it is not `Sendable`.
public final class FileMerkleNodeStore: MerkleNodeStore {
    /// The folder holding the level files.
    public let directory: String
    private let files: FileIO
    private var levels: [Level] = []
    private var directoryDirty = false
    /// Opened by ``init(readingFirst:of:fileSystem:)``: nothing is ever written.
    private var readOnly = false

    private struct Level {
        let path: String
        /// Opened at the first flush of a new level, so an append never does I/O.
        var file: OpenFile?
        /// Nodes already written to the file.
        var written: UInt64
        /// Nodes appended but not yet written, 32 bytes each.
        var pending: [UInt8]
        var dirty: Bool
        var count: UInt64 { written + UInt64(pending.count / 32) }
    }

    /// Pending bytes per level that trigger a write before `sync()` (64 KiB = 2,048 nodes).
    private static let flushThreshold = 64 * 1024

    /// Opens (or starts) the store in `directory`, which must exist.
    /// - Parameter fileSystem: the seam every level file is read and written through.
    /// - Throws: `CoreError.Code.io` when a level file cannot be opened or sized.
    public init(directory: String, fileSystem: any FileSystem = POSIXFileSystem()) throws {
        self.directory = directory
        let files = FileIO(fileSystem)
        self.files = files
        var level = 0
        while true {
            let path = Self.path(directory, level)
            guard fileSystem.exists(path) else { break }
            let file = try files.core { try fileSystem.open(path, mode: .readWrite) }
            var size: UInt64 = 0
            do {
                try files.core {
                    size = try fileSystem.size(file)
                    if size % 32 != 0 {
                        size -= size % 32
                        try fileSystem.truncate(file, to: size)
                    }
                }
            } catch {
                fileSystem.close(file)
                for case let file? in levels.map(\.file) { fileSystem.close(file) }
                throw error
            }
            levels.append(Level(path: path, file: file, written: size / 32, pending: [], dirty: false))
            level += 1
        }
    }

    /// Opens the store read-only over the nodes of its first `leaves` leaves (level L holds
    /// `leaves >> L` of them, or fewer when its file is shorter): a snapshot beside a live
    /// writer, which never rewrites those nodes (Specs/site-layout.md §8.1).
    ///
    /// Nothing is ever written: appended nodes stay in memory, ``sync()`` does nothing, and a
    /// truncation only forgets nodes.
    /// - Throws: `CoreError.Code.io` when a level file cannot be opened or sized.
    public init(readingFirst leaves: UInt64, of directory: String, fileSystem: any FileSystem = POSIXFileSystem()) throws {
        self.directory = directory
        let files = FileIO(fileSystem)
        self.files = files
        readOnly = true
        var level = 0
        while level < 64, leaves >> UInt64(level) > 0 {
            let path = Self.path(directory, level)
            guard fileSystem.exists(path) else { break }
            let file = try files.core { try fileSystem.open(path, mode: .readOnly) }
            let size: UInt64
            do {
                size = try files.core { try fileSystem.size(file) }
            } catch {
                fileSystem.close(file)
                for case let file? in levels.map(\.file) { fileSystem.close(file) }
                throw error
            }
            levels.append(Level(path: path, file: file, written: min(size / 32, leaves >> UInt64(level)), pending: [], dirty: false))
            level += 1
        }
    }

    deinit {
        for case let file? in levels.map(\.file) { files.fileSystem.close(file) }
    }

    static func path(_ directory: String, _ level: Int) -> String {
        let digits = level < 10 ? "0\(level)" : "\(level)"
        return "\(directory)/level-\(digits).hashes"
    }

    /// How many nodes `level` holds, written or buffered.
    public func count(level: Int) -> UInt64 {
        level < levels.count ? levels[level].count : 0
    }

    /// The node at `level`, `index`, from the buffer or the file.
    public func node(level: Int, index: UInt64) throws -> Hash32 {
        guard level < levels.count, index < levels[level].count else {
            throw CoreError(.outOfRange, "no Merkle node at level \(level) index \(index)", file: directory)
        }
        let entry = levels[level]
        if index >= entry.written {
            let offset = Int(index - entry.written) * 32
            return entry.pending.withUnsafeBytes { Hash32(unsafeBytes: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + 32])) }
        }
        let bytes: [UInt8]
        do {
            guard let file = entry.file else { throw CoreError(.truncated, "level file is missing", file: entry.path) }
            bytes = try files.fileSystem.readExactly(file, count: 32, at: index * 32)
        } catch let error as StorageError where error.code != .corruptBlock {
            throw CoreError(fileError: error)
        } catch {
            bytes = []
        }
        guard let hash = Hash32(bytes: bytes) else {
            throw CoreError(.truncated, "file ends early", file: entry.path, offset: Int(index) * 32)
        }
        return hash
    }

    /// Appends a node to `level`'s buffer; a new level's file is created at its first flush.
    ///
    /// Never fails on I/O: a full buffer is written early when it can be, and otherwise
    /// kept for ``sync()``, which reports the failure (so the tree never holds a node
    /// without its parents because a write failed half way).
    public func append(_ hash: Hash32, level: Int) throws {
        while levels.count <= level {
            levels.append(Level(path: Self.path(directory, levels.count), file: nil, written: 0, pending: [], dirty: true))
        }
        hash.append(to: &levels[level].pending)
        if levels[level].pending.count >= Self.flushThreshold && !readOnly { try? flush(level) }
    }

    /// Drops nodes of `level` from `count` on, in the buffer and the file.
    public func truncate(level: Int, count: UInt64) throws {
        guard level < levels.count, count < levels[level].count else { return }
        if count >= levels[level].written {
            let keep = Int(count - levels[level].written) * 32
            levels[level].pending.removeSubrange(keep...)
        } else {
            levels[level].pending.removeAll()
            if !readOnly, let file = levels[level].file { try files.core { try files.fileSystem.truncate(file, to: count * 32) } }
            levels[level].written = count
            levels[level].dirty = true
        }
    }

    /// Writes every buffered node and fsyncs each changed file (and the folder if a file was created).
    public func sync() throws {
        guard !readOnly else { return }
        for level in levels.indices {
            try flush(level)
            if levels[level].dirty, let file = levels[level].file {
                try files.core { try files.fileSystem.sync(file) }
                levels[level].dirty = false
            }
        }
        if directoryDirty {
            try files.core { try files.fileSystem.syncDirectory(directory) }
            directoryDirty = false
        }
    }

    /// Writes `level`'s buffer, creating its file first when the level is new (the folder's
    /// fsync in ``sync()`` then makes the name durable).
    private func flush(_ level: Int) throws {
        guard !levels[level].pending.isEmpty else { return }
        if levels[level].file == nil {
            let path = levels[level].path
            levels[level].file = try files.core { try files.fileSystem.open(path, mode: .readWriteCreate, permissions: 0o600) }
            directoryDirty = true
        }
        let entry = levels[level]
        guard let file = entry.file else { return }
        try files.core { try files.fileSystem.writeAll(file, entry.pending, at: entry.written * 32) }
        levels[level].written += UInt64(entry.pending.count / 32)
        levels[level].pending.removeAll(keepingCapacity: true)
        levels[level].dirty = true
    }
}
