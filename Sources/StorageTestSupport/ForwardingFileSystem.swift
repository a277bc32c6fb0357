import LedgerStorage

/// A test file system that hands every call it does not change to ``base``.
///
/// Each double (gated syncs, unsynced writes, recording, fault injection) states only the
/// operations it changes; the rest reach the wrapped file system unchanged through these
/// defaults, so a new ``FileSystem`` requirement is forwarded in one place.
package protocol ForwardingFileSystem: FileSystem {
    /// The file system every call this double does not change goes to.
    var base: any FileSystem { get }
}

extension ForwardingFileSystem {
    package func open(_ path: String, mode: FileOpenMode, permissions: UInt32) throws -> OpenFile {
        try base.open(path, mode: mode, permissions: permissions)
    }
    package func close(_ file: OpenFile) { base.close(file) }
    package func read(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        try base.read(file, into: buffer, at: offset)
    }
    package func write(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws -> Int {
        try base.write(file, bytes, at: offset)
    }
    package func syncData(_ file: OpenFile) throws { try base.syncData(file) }
    package func sync(_ file: OpenFile) throws { try base.sync(file) }
    package func truncate(_ file: OpenFile, to length: UInt64) throws { try base.truncate(file, to: length) }
    package func size(_ file: OpenFile) throws -> UInt64 { try base.size(file) }
    package func rename(_ source: String, to destination: String) throws { try base.rename(source, to: destination) }
    package func remove(_ path: String) throws { try base.remove(path) }
    package func syncDirectory(_ path: String) throws { try base.syncDirectory(path) }
    package func createDirectory(_ path: String) throws { try base.createDirectory(path) }
    package func exists(_ path: String) -> Bool { base.exists(path) }
    package func listDirectory(_ path: String) throws -> [String] { try base.listDirectory(path) }
    package func lockExclusive(_ file: OpenFile) throws -> Bool { try base.lockExclusive(file) }
    package func setPermissions(_ file: OpenFile, to permissions: UInt32) throws {
        try base.setPermissions(file, to: permissions)
    }
    package func permissions(_ file: OpenFile) throws -> UInt32 { try base.permissions(file) }
}
