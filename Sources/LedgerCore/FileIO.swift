import LedgerStorage

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// LedgerCore's one way to touch a file: the storage layer's ``FileSystem`` seam and its
/// durable helpers (``DurableFile``), with storage errors turned into ``CoreError``s.
///
/// A site passes the file system it was opened with to everything it writes, so a test
/// double reaches tree heads, metadata, keys, the Merkle store, peer records, summaries and
/// history as it reaches the segment log (Specs/site-layout.md §7). Blocking I/O: callers
/// keep it off the cooperative thread pool.
package struct FileIO: Sendable {
    /// The seam every call goes through.
    package let fileSystem: any FileSystem

    /// Wraps `fileSystem`.
    package init(_ fileSystem: any FileSystem) { self.fileSystem = fileSystem }

    /// The real file system.
    package static var posix: FileIO { FileIO(POSIXFileSystem()) }

    /// The whole of a small file, or nil when it does not exist.
    /// - Throws: `CoreError` `.io`, or `.malformedFile` when it is larger than `limit` bytes.
    package func contents(of path: String, limit: Int = 1 << 20) throws -> [UInt8]? {
        try core { try fileSystem.contents(of: path, limit: limit) }
    }

    /// Replaces `path` atomically and durably (``DurableFile/write(_:to:permissions:fileSystem:)``).
    package func writeAtomically(_ bytes: [UInt8], to path: String, permissions: UInt32 = 0o644) throws {
        try core { try DurableFile.write(bytes, to: path, permissions: permissions, fileSystem: fileSystem) }
    }

    /// Creates `path`, never replacing a file (``DurableFile/create(_:at:permissions:fileSystem:)``).
    /// - Throws: `CoreError` `.alreadyExists` when the name exists.
    package func create(_ bytes: [UInt8], at path: String, permissions: UInt32) throws {
        try core { try DurableFile.create(bytes, at: path, permissions: permissions, fileSystem: fileSystem) }
    }

    /// Appends to `path` durably (``DurableFile/append(_:to:fileSystem:)``).
    package func append(_ bytes: [UInt8], to path: String) throws {
        try core { try DurableFile.append(bytes, to: path, fileSystem: fileSystem) }
    }

    /// Writes a record at `offset` and cuts what follows (``DurableFile/writeRecord(_:to:at:fileSystem:)``).
    package func writeRecord(_ bytes: [UInt8], to path: String, at offset: Int) throws {
        try core { try DurableFile.writeRecord(bytes, to: path, at: UInt64(offset), fileSystem: fileSystem) }
    }

    /// Writes a record at `offset` and cuts what follows, without syncing it: visible to every
    /// reader at once, durable at the next ``sync(_:)`` of the file (Specs/site-layout.md §3.1).
    /// A file that does not exist yet is created durably (``writeRecord(_:to:at:)``).
    package func writeRecordUnsynced(_ bytes: [UInt8], to path: String, at offset: Int) throws {
        guard fileSystem.exists(path) else { return try writeRecord(bytes, to: path, at: offset) }
        try core {
            let file = try fileSystem.open(path, mode: .readWrite)
            defer { fileSystem.close(file) }
            try fileSystem.writeAll(file, bytes, at: UInt64(offset))
            let end = UInt64(offset + bytes.count)
            if try fileSystem.size(file) != end { try fileSystem.truncate(file, to: end) }
        }
    }

    /// `fsync`s `path`: what unsynced writes left in it becomes durable.
    package func sync(_ path: String) throws {
        try core {
            let file = try fileSystem.open(path, mode: .readWrite)
            defer { fileSystem.close(file) }
            try fileSystem.sync(file)
        }
    }

    /// Cuts `path` to `length` bytes durably.
    package func truncate(_ path: String, to length: Int) throws {
        try core { try DurableFile.truncate(path, to: UInt64(length), fileSystem: fileSystem) }
    }

    /// Creates a folder and its missing parents durably (``DurableFile/makeDirectory(_:fileSystem:)``).
    package func makeDirectory(_ path: String) throws {
        try core { try DurableFile.makeDirectory(path, fileSystem: fileSystem) }
    }

    /// Whether anything exists at `path`.
    package func exists(_ path: String) -> Bool { fileSystem.exists(path) }

    /// The names in a folder, sorted; empty when it does not exist or cannot be read.
    package func names(in directory: String) -> [String] {
        ((try? fileSystem.listDirectory(directory)) ?? []).sorted()
    }

    /// The size of the file at `path`, 0 when it cannot be opened.
    package func size(of path: String) -> Int64 {
        guard let file = try? fileSystem.open(path, mode: .readOnly) else { return 0 }
        defer { fileSystem.close(file) }
        return (try? fileSystem.size(file)).map { Int64($0) } ?? 0
    }

    /// `EEXIST`: the errno of a creation that found the name taken.
    static var alreadyExistsErrno: Int32 { EEXIST }

    /// Runs `body`, turning a ``StorageError`` into the ``CoreError`` it means here.
    package func core<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StorageError {
            throw CoreError(fileError: error)
        }
    }
}

extension CoreError {
    /// The ``CoreError`` a failed file operation becomes: `.noSpace` for a full disk,
    /// `.alreadyExists` for `EEXIST`, `.malformedFile` for a file too large or too short to
    /// be what it claims, `.io` otherwise; the storage error (with its `errno`) is kept as
    /// `underlying`.
    package init(fileError error: StorageError) {
        let code: CoreError.Code
        if error.code == .noSpace {
            code = .noSpace
        } else if error.errno == FileIO.alreadyExistsErrno {
            code = .alreadyExists
        } else if error.code == .invalidArgument || error.code == .corruptBlock {
            code = .malformedFile
        } else {
            code = .io
        }
        self.init(code, error.message, file: error.file, offset: error.offset.map { Int(truncatingIfNeeded: $0) }, underlying: error)
    }
}
