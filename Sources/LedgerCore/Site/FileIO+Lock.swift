import Foundation
import LedgerStorage

extension FileIO {
    /// Runs `body` holding an exclusive `flock` on `lockPath` (created when missing), waiting
    /// up to `timeout` for another holder; the lock is released when `body` returns.
    ///
    /// For short critical sections shared by writers and snapshot readers, such as one
    /// history append; never the data folder's writer lock.
    /// - Throws: `CoreError` `.locked` when the wait runs out, or what `body` throws.
    package func withExclusiveLock<T>(_ lockPath: String, timeout: Duration, _ body: () throws -> T) throws -> T {
        let file = try core { try fileSystem.open(lockPath, mode: .readWriteCreate) }
        defer { fileSystem.close(file) }
        let deadline = ContinuousClock.now + timeout
        while try !core({ try fileSystem.lockExclusive(file) }) {
            guard ContinuousClock.now < deadline else {
                throw CoreError(.locked, "\(lockPath) is held by another process", file: lockPath)
            }
            usleep(2_000)
        }
        return try body()
    }
}
