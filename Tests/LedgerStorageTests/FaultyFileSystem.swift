import Foundation
import LedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// A file system that forwards to the real one and fails chosen operations on purpose.
///
/// Each rule names an operation kind, which call of that kind fails first (1-based,
/// counted from when the rule is armed), the errno, and whether it keeps failing
/// (fail-forever) or fails once. A `shortWrites` switch makes every write write at most
/// half of what it was asked (at least one byte), to exercise the write loop.
final class FaultyFileSystem: FileSystem, @unchecked Sendable {  // state guarded by `lock`.
    enum Operation: Hashable, Sendable {
        case write, syncData, sync, truncate, rename, open, syncDirectory
    }

    struct Rule: Sendable {
        var operation: Operation
        var failAt: Int
        var errno: Int32
        var forever: Bool
    }

    private let real = POSIXFileSystem()
    private let lock = NSLock()
    private var rules: [Rule] = []
    private var counts: [Operation: Int] = [:]
    private var shortWritesEnabled = false
    private(set) var injected = 0

    func arm(_ operation: Operation, failAt: Int = 1, errno: Int32, forever: Bool = false) {
        lock.withLock {
            rules.append(Rule(operation: operation, failAt: failAt, errno: errno, forever: forever))
            counts[operation] = 0
        }
    }

    func disarm() {
        lock.withLock {
            rules.removeAll()
            counts.removeAll()
        }
    }

    var shortWrites: Bool {
        get { lock.withLock { shortWritesEnabled } }
        set { lock.withLock { shortWritesEnabled = newValue } }
    }

    private func check(_ operation: Operation, _ path: String) throws {
        let failure: Int32? = lock.withLock {
            counts[operation, default: 0] += 1
            let count = counts[operation, default: 0]
            for rule in rules where rule.operation == operation {
                if count == rule.failAt || (rule.forever && count > rule.failAt) {
                    injected += 1
                    return rule.errno
                }
            }
            return nil
        }
        if let failure { throw StorageError.injected(operation, errno: failure, file: path) }
    }

    func open(_ path: String, mode: FileOpenMode) throws -> OpenFile {
        try check(.open, path)
        return try real.open(path, mode: mode)
    }

    func close(_ file: OpenFile) { real.close(file) }

    func read(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        try real.read(file, into: buffer, at: offset)
    }

    func write(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws -> Int {
        try check(.write, file.path)
        if shortWrites, bytes.count > 1 {
            return try real.write(file, UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 2)]), at: offset)
        }
        return try real.write(file, bytes, at: offset)
    }

    func syncData(_ file: OpenFile) throws {
        try check(.syncData, file.path)
        try real.syncData(file)
    }

    func sync(_ file: OpenFile) throws {
        try check(.sync, file.path)
        try real.sync(file)
    }

    func truncate(_ file: OpenFile, to length: UInt64) throws {
        try check(.truncate, file.path)
        try real.truncate(file, to: length)
    }

    func size(_ file: OpenFile) throws -> UInt64 { try real.size(file) }

    func rename(_ source: String, to destination: String) throws {
        try check(.rename, source)
        try real.rename(source, to: destination)
    }

    func remove(_ path: String) throws { try real.remove(path) }

    func syncDirectory(_ path: String) throws {
        try check(.syncDirectory, path)
        try real.syncDirectory(path)
    }

    func createDirectory(_ path: String) throws { try real.createDirectory(path) }
    func exists(_ path: String) -> Bool { real.exists(path) }
    func listDirectory(_ path: String) throws -> [String] { try real.listDirectory(path) }
    func lockExclusive(_ file: OpenFile) throws -> Bool { try real.lockExclusive(file) }
}

extension StorageError {
    /// The error the real file system would throw for `errno` (ENOSPC becomes `.noSpace`).
    static func injected(_ operation: FaultyFileSystem.Operation, errno: Int32, file: String) -> StorageError {
        let code: Code = errno == ENOSPC ? .noSpace : .io
        return StorageError(code, "\(operation) failed (injected)", file: file, errno: errno)
    }
}
