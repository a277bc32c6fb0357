import Foundation
import LedgerStorage

#if canImport(Glibc)
import Glibc
#endif

/// A file system that forwards to the real one and fails chosen operations on purpose.
///
/// Two ways to choose. Each *rule* names an operation kind, which call of that kind fails
/// first (1-based, counted from when the rule is armed), the errno, and whether it keeps
/// failing (fail-forever) or fails once. A *fault plan* (``inject(_:at:forever:)``) counts
/// every call that a kind of fault can strike (``FaultKind/strikes(_:creating:)``) and
/// strikes the Nth, once or from then on; the sweeps fail N = 1, 2, … until a workload
/// runs without reaching N. A `shortWrites` switch makes every write write at most half of
/// what it was asked (at least one byte), to exercise the write loop.
package final class FaultyFileSystem: ForwardingFileSystem, @unchecked Sendable {  // state guarded by `lock`.
    package enum Operation: Hashable, Sendable {
        case write, syncData, sync, truncate, rename, open, syncDirectory
        case read, size, remove, createDirectory, listDirectory, setPermissions, permissions
    }

    /// What goes wrong when a fault plan strikes.
    package enum FaultKind: String, CaseIterable, Sendable {
        /// The call fails with `EIO` (any call that touches the disk, reads included).
        case eio = "EIO"
        /// The call fails with `ENOSPC` (any call that may allocate: writes, creations,
        /// renames, folder creation, syncs that flush delayed allocations).
        case noSpace = "ENOSPC"
        /// The write writes only half of its bytes and reports so; in fail-forever mode the
        /// disk is then full, and every later write fails with `ENOSPC`.
        case shortWrite = "short write"
        /// `fsync`, `fdatasync` or a folder's `fsync` fails with `EIO`.
        case syncFailure = "fsync failure"

        /// Whether a call of `operation` counts towards (and can be struck by) this fault.
        package func strikes(_ operation: Operation, creating: Bool) -> Bool {
            switch self {
            case .eio: true
            case .noSpace: [.write, .rename, .createDirectory, .syncData, .sync].contains(operation) || (operation == .open && creating)
            case .shortWrite: operation == .write
            case .syncFailure: [.syncData, .sync, .syncDirectory].contains(operation)
            }
        }

        /// The errno a struck call fails with.
        package var errno: Int32 {
            switch self {
            case .eio, .syncFailure: EIO
            case .noSpace, .shortWrite: ENOSPC
            }
        }
    }

    private struct Plan {
        var kind: FaultKind
        var strikeAt: Int
        var forever: Bool
    }

    private var plan: Plan?
    private var planCalls = 0
    private var planStruck = false
    private var planStruckOperation: Operation?
    private var planStruckPath: String?

    package struct Rule: Sendable {
        var operation: Operation
        var failAt: Int
        var errno: Int32
        var forever: Bool
    }

    /// The real file system every call that is not failed goes to.
    package let base: any FileSystem = POSIXFileSystem()

    /// A file system that fails nothing until a rule is armed or a fault plan injected.
    package init() {}
    private let lock = NSLock()
    private var rules: [Rule] = []
    private var counts: [Operation: Int] = [:]
    private var shortWritesEnabled = false
    package private(set) var injected = 0

    package func arm(_ operation: Operation, failAt: Int = 1, errno: Int32, forever: Bool = false) {
        lock.withLock {
            rules.append(Rule(operation: operation, failAt: failAt, errno: errno, forever: forever))
            counts[operation] = 0
        }
    }

    package func disarm() {
        lock.withLock {
            rules.removeAll()
            counts.removeAll()
        }
    }

    /// Strikes the `call`th call (1-based) that `kind` can strike, and with `forever` every later one too.
    package func inject(_ kind: FaultKind, at call: Int, forever: Bool) {
        lock.withLock {
            plan = Plan(kind: kind, strikeAt: call, forever: forever)
            planCalls = 0
            planStruck = false
            planStruckOperation = nil
            planStruckPath = nil
        }
    }

    /// How many calls the fault plan has counted so far.
    package var plannedCalls: Int { lock.withLock { planCalls } }
    /// Whether the fault plan has struck.
    package var struck: Bool { lock.withLock { planStruck } }
    /// The kind of call the fault plan struck first, if it has.
    package var struckOperation: Operation? { lock.withLock { planStruckOperation } }
    /// The file or folder of the call the fault plan struck first, if it has.
    package var struckPath: String? { lock.withLock { planStruckPath } }

    /// What the plan does to this call: nothing, fail it with an errno, or shorten a write.
    private enum Strike { case none, fail(Int32), shorten }

    private func strike(_ operation: Operation, _ path: String, creating: Bool = false) -> Strike {
        lock.withLock {
            guard let plan, plan.kind.strikes(operation, creating: creating) else { return .none }
            planCalls += 1
            if planCalls == plan.strikeAt {
                planStruck = true
                planStruckOperation = operation
                planStruckPath = path
                injected += 1
                return plan.kind == .shortWrite ? .shorten : .fail(plan.kind.errno)
            }
            if plan.forever, planCalls > plan.strikeAt {
                injected += 1
                return .fail(plan.kind.errno)
            }
            return .none
        }
    }

    package var shortWrites: Bool {
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

    /// Runs a call that is not a write: fails it when an armed rule or the fault plan says so,
    /// else hands it to the real file system.
    private func forward<T>(_ operation: Operation, _ path: String, creating: Bool = false, _ call: () throws -> T) throws -> T {
        try check(operation, path)
        if case .fail(let errno) = strike(operation, path, creating: creating) {
            throw StorageError.injected(operation, errno: errno, file: path)
        }
        return try call()
    }

    package func open(_ path: String, mode: FileOpenMode, permissions: UInt32) throws -> OpenFile {
        let creating = mode == .readWriteCreate || mode == .createTruncate || mode == .createExclusive
        return try forward(.open, path, creating: creating) { try base.open(path, mode: mode, permissions: permissions) }
    }

    package func read(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        try forward(.read, file.path) { try base.read(file, into: buffer, at: offset) }
    }

    package func write(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws -> Int {
        try check(.write, file.path)
        switch strike(.write, file.path) {
        case .none: break
        case .fail(let errno): throw StorageError.injected(.write, errno: errno, file: file.path)
        case .shorten:
            let half = max(1, bytes.count / 2)
            return try base.write(file, UnsafeRawBufferPointer(rebasing: bytes[0..<half]), at: offset)
        }
        if shortWrites, bytes.count > 1 {
            return try base.write(file, UnsafeRawBufferPointer(rebasing: bytes[0..<(bytes.count / 2)]), at: offset)
        }
        return try base.write(file, bytes, at: offset)
    }

    package func syncData(_ file: OpenFile) throws { try forward(.syncData, file.path) { try base.syncData(file) } }

    package func sync(_ file: OpenFile) throws { try forward(.sync, file.path) { try base.sync(file) } }

    package func truncate(_ file: OpenFile, to length: UInt64) throws {
        try forward(.truncate, file.path) { try base.truncate(file, to: length) }
    }

    package func size(_ file: OpenFile) throws -> UInt64 { try forward(.size, file.path) { try base.size(file) } }

    package func rename(_ source: String, to destination: String) throws {
        try forward(.rename, source) { try base.rename(source, to: destination) }
    }

    package func remove(_ path: String) throws { try forward(.remove, path) { try base.remove(path) } }

    package func syncDirectory(_ path: String) throws { try forward(.syncDirectory, path) { try base.syncDirectory(path) } }

    package func createDirectory(_ path: String) throws { try forward(.createDirectory, path) { try base.createDirectory(path) } }

    package func listDirectory(_ path: String) throws -> [String] {
        try forward(.listDirectory, path) { try base.listDirectory(path) }
    }

    package func setPermissions(_ file: OpenFile, to permissions: UInt32) throws {
        try forward(.setPermissions, file.path) { try base.setPermissions(file, to: permissions) }
    }

    package func permissions(_ file: OpenFile) throws -> UInt32 {
        try forward(.permissions, file.path) { try base.permissions(file) }
    }
}

extension StorageError {
    /// The error the real file system would throw for `errno` (ENOSPC becomes `.noSpace`).
    package static func injected(_ operation: FaultyFileSystem.Operation, errno: Int32, file: String) -> StorageError {
        let code: Code = errno == ENOSPC ? .noSpace : .io
        return StorageError(code, "\(operation) failed (injected)", file: file, errno: errno)
    }
}
