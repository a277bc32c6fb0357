import Foundation
import LedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// A file system whose `fdatasync` can be held until released, or made to fail once, to order
/// a sync running on another thread against the writes made meanwhile.
package final class GatedSyncFileSystem: FileSystem, @unchecked Sendable {  // `holding`, `waiting` and `failing` are guarded by `condition`.
    private let real = POSIXFileSystem()
    private let condition = NSCondition()
    private var holding = false
    private var waiting = false
    private var failing: Int32?

    /// A file system that holds nothing and fails nothing.
    package init() {}

    /// The next `fdatasync`s wait until ``release()``.
    package func hold() { condition.withLock { holding = true } }

    /// Lets held `fdatasync`s go on.
    package func release() {
        condition.withLock {
            holding = false
            condition.broadcast()
        }
    }

    /// Blocks until an `fdatasync` is being held.
    package func waitUntilHeld() {
        condition.withLock { while !waiting { condition.wait() } }
    }

    /// The next `fdatasync` (once released) fails with `errno`.
    package func failNextSync(errno: Int32 = EIO) { condition.withLock { failing = errno } }

    package func syncData(_ file: OpenFile) throws {
        let failure: Int32? = condition.withLock {
            while holding {
                waiting = true
                condition.broadcast()
                condition.wait()
            }
            waiting = false
            defer { failing = nil }
            return failing
        }
        if let failure { throw StorageError(.io, "injected fdatasync failure", file: file.path, errno: failure) }
        try real.syncData(file)
    }

    package func open(_ path: String, mode: FileOpenMode, permissions: UInt32) throws -> OpenFile { try real.open(path, mode: mode, permissions: permissions) }
    package func close(_ file: OpenFile) { real.close(file) }
    package func read(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int { try real.read(file, into: buffer, at: offset) }
    package func write(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws -> Int { try real.write(file, bytes, at: offset) }
    package func sync(_ file: OpenFile) throws { try real.sync(file) }
    package func truncate(_ file: OpenFile, to length: UInt64) throws { try real.truncate(file, to: length) }
    package func size(_ file: OpenFile) throws -> UInt64 { try real.size(file) }
    package func rename(_ source: String, to destination: String) throws { try real.rename(source, to: destination) }
    package func remove(_ path: String) throws { try real.remove(path) }
    package func syncDirectory(_ path: String) throws { try real.syncDirectory(path) }
    package func createDirectory(_ path: String) throws { try real.createDirectory(path) }
    package func exists(_ path: String) -> Bool { real.exists(path) }
    package func listDirectory(_ path: String) throws -> [String] { try real.listDirectory(path) }
    package func lockExclusive(_ file: OpenFile) throws -> Bool { try real.lockExclusive(file) }
    package func setPermissions(_ file: OpenFile, to permissions: UInt32) throws { try real.setPermissions(file, to: permissions) }
    package func permissions(_ file: OpenFile) throws -> UInt32 { try real.permissions(file) }
}

