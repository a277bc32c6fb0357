import Foundation
import LedgerStorage

/// A file system that forwards to the real one and records every mutating operation.
///
/// The trace names files by *inode* (an id the recorder hands out when a name is first
/// created) as well as by name, so a replay can tell apart the bytes of a file from the
/// directory entry that makes them reachable: a write reaches an inode whatever it is
/// called, a creation or rename only changes which name points at which inode. Paths in
/// the trace are relative to `root`. Files that already exist under `root` when the
/// recorder is made form the ``baseline`` (durable before the trace starts).
package final class RecordingFileSystem: ForwardingFileSystem, @unchecked Sendable {  // all state is guarded by `lock`.
    /// One recorded operation, in the order the storage layer issued it.
    package enum Event: Sendable, CustomStringConvertible {
        case createDirectory(path: String)
        case create(path: String, inode: Int)
        case write(inode: Int, offset: UInt64, bytes: [UInt8])
        case truncate(inode: Int, length: UInt64)
        case syncData(inode: Int)
        case sync(inode: Int)
        case syncDirectory(path: String)
        case rename(from: String, to: String)
        case remove(path: String)

        package var description: String {
            switch self {
            case .createDirectory(let path): "mkdir \(path)"
            case .create(let path, let inode): "create \(path) (inode \(inode))"
            case .write(let inode, let offset, let bytes): "pwrite inode \(inode) at \(offset), \(bytes.count) bytes"
            case .truncate(let inode, let length): "ftruncate inode \(inode) to \(length)"
            case .syncData(let inode): "fdatasync inode \(inode)"
            case .sync(let inode): "fsync inode \(inode)"
            case .syncDirectory(let path): "fsync directory \(path.isEmpty ? "." : path)"
            case .rename(let from, let to): "rename \(from) -> \(to)"
            case .remove(let path): "unlink \(path)"
            }
        }
    }

    /// The folder the recorded paths are relative to.
    package let root: String
    /// Files (relative path → bytes) present when recording started.
    package let baseline: [String: [UInt8]]
    /// The real file system every call goes to; only the mutating ones are recorded.
    package let base: any FileSystem = POSIXFileSystem()
    private let lock = NSLock()
    private var recorded: [Event] = []
    private var names: [String: Int] = [:]
    private var descriptors: [Int32: Int] = [:]
    private var nextInode = 0
    private var baselineInodes: [Int: String] = [:]

    /// Starts recording under `root`, taking the files already there (at any depth) as the baseline.
    package init(root: String) {
        self.root = root
        var baseline: [String: [UInt8]] = [:]
        func collect(_ relative: String) {
            for name in listing(relative.isEmpty ? root : root + "/" + relative) {
                let inner = relative.isEmpty ? name : relative + "/" + name
                var isDirectory: ObjCBool = false
                guard FileManager.default.fileExists(atPath: root + "/" + inner, isDirectory: &isDirectory) else { continue }
                if isDirectory.boolValue { collect(inner) } else { baseline[inner] = fileBytes(root + "/" + inner) }
            }
        }
        collect("")
        self.baseline = baseline
        for path in baseline.keys.sorted() {
            names[path] = nextInode
            baselineInodes[nextInode] = path
            nextInode += 1
        }
    }

    /// The events so far.
    package var events: [Event] { lock.withLock { recorded } }
    /// How many events have been recorded; a workload notes this at each acknowledgement.
    package var count: Int { lock.withLock { recorded.count } }
    /// The inodes of the baseline files, with the path each had.
    package var baselineFiles: [Int: String] { lock.withLock { baselineInodes } }

    private func relative(_ path: String) -> String {
        if path == root { return "" }
        if path.hasPrefix(root + "/") { return String(path.dropFirst(root.count + 1)) }
        return path
    }

    private func inode(of file: OpenFile) -> Int {
        lock.withLock { descriptors[file.descriptor] ?? -1 }
    }

    private func record(_ event: Event) {
        lock.withLock { recorded.append(event) }
    }

    package func open(_ path: String, mode: FileOpenMode, permissions: UInt32) throws -> OpenFile {
        let file = try base.open(path, mode: mode, permissions: permissions)
        let name = relative(path)
        lock.withLock {
            let inode: Int
            if let known = names[name] {
                inode = known
            } else {
                inode = nextInode
                nextInode += 1
                names[name] = inode
                recorded.append(.create(path: name, inode: inode))
            }
            if mode == .createTruncate { recorded.append(.truncate(inode: inode, length: 0)) }
            descriptors[file.descriptor] = inode
        }
        return file
    }

    package func close(_ file: OpenFile) {
        lock.withLock { _ = descriptors.removeValue(forKey: file.descriptor) }
        base.close(file)
    }

    package func write(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws -> Int {
        let written = try base.write(file, bytes, at: offset)
        record(.write(inode: inode(of: file), offset: offset, bytes: Array(bytes.prefix(written))))
        return written
    }

    package func syncData(_ file: OpenFile) throws {
        try base.syncData(file)
        record(.syncData(inode: inode(of: file)))
    }

    package func sync(_ file: OpenFile) throws {
        try base.sync(file)
        record(.sync(inode: inode(of: file)))
    }

    package func truncate(_ file: OpenFile, to length: UInt64) throws {
        try base.truncate(file, to: length)
        record(.truncate(inode: inode(of: file), length: length))
    }

    package func rename(_ source: String, to destination: String) throws {
        try base.rename(source, to: destination)
        let from = relative(source)
        let to = relative(destination)
        lock.withLock {
            names[to] = names.removeValue(forKey: from)
            recorded.append(.rename(from: from, to: to))
        }
    }

    package func remove(_ path: String) throws {
        try base.remove(path)
        let name = relative(path)
        lock.withLock {
            names[name] = nil
            recorded.append(.remove(path: name))
        }
    }

    package func syncDirectory(_ path: String) throws {
        try base.syncDirectory(path)
        record(.syncDirectory(path: relative(path)))
    }

    package func createDirectory(_ path: String) throws {
        let existed = base.exists(path)
        try base.createDirectory(path)
        if !existed { record(.createDirectory(path: relative(path))) }
    }

    // Reads, sizes, listings, locks and permission bits go to `base` unrecorded: the crash
    // states model only names and bytes.
}
