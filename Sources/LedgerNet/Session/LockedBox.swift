import Foundation

/// A value guarded by a lock, shared between an event loop and the session task.
///
/// Why not `Mutex`: the package still declares macOS 14, where `Synchronization.Mutex` is
/// unavailable; NIO's own box lives in a module this target does not depend on.
final class LockedBox<Value: Sendable>: @unchecked Sendable { // safe: every access to `value` holds `lock`
    private let lock = NSLock()
    private var value: Value

    init(_ value: Value) { self.value = value }

    /// Runs `body` with exclusive access to the value.
    func withLock<Result>(_ body: (inout Value) throws -> Result) rethrows -> Result {
        lock.lock()
        defer { lock.unlock() }
        return try body(&value)
    }
}
