import Foundation
import LedgerStorage

/// The real file system, counting the bytes read through it: a test asks how much of a
/// file the bundle reader touched.
final class CountingFileSystem: FileSystem, @unchecked Sendable {  // `lock` guards `read`.
    private let base = POSIXFileSystem()
    private let lock = NSLock()
    private var read = 0

    /// Bytes read so far.
    var bytesRead: Int { lock.withLock { read } }

    func read(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        let got = try base.read(file, into: buffer, at: offset)
        lock.withLock { read += got }
        return got
    }

    func open(_ path: String, mode: FileOpenMode, permissions: UInt32) throws -> OpenFile {
        try base.open(path, mode: mode, permissions: permissions)
    }
    func close(_ file: OpenFile) { base.close(file) }
    func write(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws -> Int {
        try base.write(file, bytes, at: offset)
    }
    func syncData(_ file: OpenFile) throws { try base.syncData(file) }
    func sync(_ file: OpenFile) throws { try base.sync(file) }
    func truncate(_ file: OpenFile, to length: UInt64) throws { try base.truncate(file, to: length) }
    func size(_ file: OpenFile) throws -> UInt64 { try base.size(file) }
    func rename(_ source: String, to destination: String) throws { try base.rename(source, to: destination) }
    func remove(_ path: String) throws { try base.remove(path) }
    func syncDirectory(_ path: String) throws { try base.syncDirectory(path) }
    func createDirectory(_ path: String) throws { try base.createDirectory(path) }
    func exists(_ path: String) -> Bool { base.exists(path) }
    func listDirectory(_ path: String) throws -> [String] { try base.listDirectory(path) }
    func lockExclusive(_ file: OpenFile) throws -> Bool { try base.lockExclusive(file) }
    func setPermissions(_ file: OpenFile, to permissions: UInt32) throws { try base.setPermissions(file, to: permissions) }
    func permissions(_ file: OpenFile) throws -> UInt32 { try base.permissions(file) }
}
