/// Appends and in-place cuts of small files (tree heads, history lines), through the seam.
extension DurableFile {
    /// Appends `bytes` at the end of `path` and fsyncs it; a file this creates is made
    /// durable by an fsync of its folder.
    ///
    /// On failure the file is cut back to its old size (best effort), so a torn append does
    /// not merge with the next one.
    /// - Throws: ``StorageError`` from the failing step.
    public static func append(_ bytes: [UInt8], to path: String, fileSystem: any FileSystem = POSIXFileSystem()) throws {
        let existed = fileSystem.exists(path)
        let file = try fileSystem.open(path, mode: .readWriteCreate)
        defer { fileSystem.close(file) }
        var end: UInt64?
        do {
            end = try fileSystem.size(file)
            try fileSystem.writeAll(file, bytes, at: end ?? 0)
            try fileSystem.sync(file)
        } catch {
            if let end { try? fileSystem.truncate(file, to: end) }
            throw error
        }
        if !existed { try fileSystem.syncDirectory(directory(of: path)) }
    }

    /// Writes `bytes` at `offset` of `path`, cuts whatever follows them, and fsyncs: a
    /// fixed-size record written where the caller knows the file's last whole record ends,
    /// so the bytes of an earlier failed write are overwritten, never built upon. A file this
    /// creates is made durable by an fsync of its folder.
    /// - Throws: ``StorageError`` from the failing step.
    public static func writeRecord(
        _ bytes: [UInt8], to path: String, at offset: UInt64, fileSystem: any FileSystem = POSIXFileSystem()
    ) throws {
        let existed = fileSystem.exists(path)
        let file = try fileSystem.open(path, mode: .readWriteCreate)
        defer { fileSystem.close(file) }
        try fileSystem.writeAll(file, bytes, at: offset)
        let end = offset + UInt64(bytes.count)
        if try fileSystem.size(file) != end { try fileSystem.truncate(file, to: end) }
        try fileSystem.sync(file)
        if !existed { try fileSystem.syncDirectory(directory(of: path)) }
    }

    /// Cuts `path` to `length` bytes and fsyncs it.
    public static func truncate(_ path: String, to length: UInt64, fileSystem: any FileSystem = POSIXFileSystem()) throws {
        let file = try fileSystem.open(path, mode: .readWrite)
        defer { fileSystem.close(file) }
        try fileSystem.truncate(file, to: length)
        try fileSystem.sync(file)
    }
}

extension FileSystem {
    /// The whole content of a small file, or nil when it does not exist.
    ///
    /// - Parameter limit: files larger than this are refused (`.invalidArgument`), so a
    ///   planted huge file cannot exhaust memory.
    /// - Throws: ``StorageError`` when the file exists but cannot be read.
    public func contents(of path: String, limit: Int) throws -> [UInt8]? {
        let file: OpenFile
        do {
            file = try open(path, mode: .readOnly)
        } catch let error as StorageError where error.code == .notFound {
            return nil
        }
        defer { close(file) }
        let size = try self.size(file)
        guard size <= UInt64(limit) else {
            throw StorageError(.invalidArgument, "file is larger than \(limit) bytes", file: path)
        }
        return try readExactly(file, count: Int(size), at: 0)
    }
}
