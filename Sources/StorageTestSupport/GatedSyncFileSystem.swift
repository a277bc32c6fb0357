import Foundation
import LedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// A file system whose `fdatasync` can be held until released, or made to fail once, to order
/// a sync running on another thread against the writes made meanwhile.
package final class GatedSyncFileSystem: ForwardingFileSystem, @unchecked Sendable {  // `holding`, `waiting` and `failing` are guarded by `condition`.
    /// The real file system every call but `fdatasync` goes straight to.
    package let base: any FileSystem = POSIXFileSystem()
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
        try base.syncData(file)
    }
}

