import Foundation
import LedgerStorage

/// The real file system, counting the bytes read through it: a test asks how much of a
/// file the bundle reader touched.
package final class CountingFileSystem: ForwardingFileSystem, @unchecked Sendable {  // `lock` guards `read`.
    /// The real file system every call goes to.
    package let base: any FileSystem = POSIXFileSystem()
    private let lock = NSLock()
    private var read = 0

    /// A counter at zero.
    package init() {}

    /// Bytes read so far.
    package var bytesRead: Int { lock.withLock { read } }

    package func read(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        let got = try base.read(file, into: buffer, at: offset)
        lock.withLock { read += got }
        return got
    }
}
