/// An open file as the storage layer sees it: a descriptor and the path it was opened from.
///
/// The path travels with the descriptor so every error can name the file at fault, and so a
/// test double can decide which operations to fail by path.
public struct OpenFile: Sendable, Hashable {
    /// The POSIX file descriptor.
    public let descriptor: Int32
    /// The path the file was opened from.
    public let path: String

    /// Wraps a descriptor opened from `path`.
    public init(descriptor: Int32, path: String) {
        self.descriptor = descriptor
        self.path = path
    }
}

/// How ``FileSystem/open(_:mode:)`` opens a file.
public enum FileOpenMode: Sendable, Hashable {
    /// Read only; the file must exist.
    case readOnly
    /// Read and write; the file must exist.
    case readWrite
    /// Read and write, created when missing, never truncated (lock files).
    case readWriteCreate
    /// Read and write, created when missing and truncated to zero when present (temporary files).
    case createTruncate
    /// Read and write, created; fails (`EEXIST`) when the name exists (key files, never overwritten).
    case createExclusive
}

/// The seam every byte a site reads or writes goes through.
///
/// All writes, syncs, renames, creations and truncations of the segment log, and of every
/// other file of a site (tree heads, metadata, keys, the Merkle store, peer records and
/// summaries, history; Specs/site-layout.md §7), use this protocol, so a test double can
/// fail any one of them (`EIO`, `ENOSPC`, short writes, `fsync` failures) and tests can
/// check what the site does next. ``POSIXFileSystem`` is the real implementation. Every
/// method throws ``StorageError`` (with `errno`) on failure.
public protocol FileSystem: Sendable {
    /// Opens `path` in `mode`; a file it creates gets `permissions` (before the umask).
    func open(_ path: String, mode: FileOpenMode, permissions: UInt32) throws -> OpenFile
    /// Closes a file; errors on close are ignored (data durability comes from the syncs).
    func close(_ file: OpenFile)
    /// Reads up to `buffer.count` bytes at `offset`; returns fewer only at end of file.
    func read(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int
    /// Writes some of `bytes` at `offset` and returns how many; may be fewer than asked (a short write).
    func write(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws -> Int
    /// `fdatasync`: makes the file's data (and its size) durable.
    func syncData(_ file: OpenFile) throws
    /// `fsync`: makes the file's data and metadata durable.
    func sync(_ file: OpenFile) throws
    /// Cuts or extends the file to `length` bytes.
    func truncate(_ file: OpenFile, to length: UInt64) throws
    /// The file's current size in bytes.
    func size(_ file: OpenFile) throws -> UInt64
    /// Renames `source` to `destination`, replacing it atomically.
    func rename(_ source: String, to destination: String) throws
    /// Deletes a file or an empty directory.
    func remove(_ path: String) throws
    /// `fsync` of a directory, so that creations and renames inside it are durable.
    func syncDirectory(_ path: String) throws
    /// Creates a directory (and its parents); succeeds when it already exists.
    func createDirectory(_ path: String) throws
    /// Whether a file or directory exists at `path`.
    func exists(_ path: String) -> Bool
    /// The names (not paths) of the entries of a directory.
    func listDirectory(_ path: String) throws -> [String]
    /// Takes an exclusive, non-blocking `flock` on the file; false when another holder has it.
    func lockExclusive(_ file: OpenFile) throws -> Bool
    /// `fchmod`: sets the file's permission bits exactly (the umask does not apply).
    func setPermissions(_ file: OpenFile, to permissions: UInt32) throws
    /// The file's permission bits (`st_mode & 0o7777`).
    func permissions(_ file: OpenFile) throws -> UInt32
}

extension FileSystem {
    /// Opens `path` in `mode`; a file it creates gets mode 0644 (before the umask).
    public func open(_ path: String, mode: FileOpenMode) throws -> OpenFile {
        try open(path, mode: mode, permissions: 0o644)
    }

    /// Writes all of `bytes` at `offset`, looping over short writes.
    ///
    /// A write that makes no progress is reported as an I/O error rather than looping forever.
    package func writeAll(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws {
        var done = 0
        while done < bytes.count {
            let written = try write(file, UnsafeRawBufferPointer(rebasing: bytes[done...]), at: offset + UInt64(done))
            guard written > 0 else {
                throw StorageError(.io, "write made no progress", file: file.path, offset: offset + UInt64(done))
            }
            done += written
        }
    }

    /// Writes all of `bytes` at `offset`; see ``writeAll(_:_:at:)-(_,UnsafeRawBufferPointer,_)``.
    package func writeAll(_ file: OpenFile, _ bytes: [UInt8], at offset: UInt64) throws {
        try bytes.withUnsafeBytes { try writeAll(file, $0, at: offset) }
    }

    /// Reads exactly `count` bytes at `offset`, or throws `.corruptBlock` when the file is shorter.
    package func readExactly(_ file: OpenFile, count: Int, at offset: UInt64) throws -> [UInt8] {
        var failure: (any Error)?
        let bytes = [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
            var done = 0
            do {
                while done < count {
                    let got = try read(
                        file, into: UnsafeMutableRawBufferPointer(rebasing: UnsafeMutableRawBufferPointer(buffer)[done...]),
                        at: offset + UInt64(done))
                    if got == 0 { break }
                    done += got
                }
            } catch {
                failure = error
            }
            initialized = done
        }
        if let failure { throw failure }
        guard bytes.count == count else {
            throw StorageError(
                .corruptBlock, "file ends \(count - bytes.count) bytes before an expected structure ends",
                file: file.path, offset: offset + UInt64(bytes.count))
        }
        return bytes
    }
}
