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
final class RecordingFileSystem: FileSystem, @unchecked Sendable {  // all state is guarded by `lock`.
    /// One recorded operation, in the order the storage layer issued it.
    enum Event: Sendable, CustomStringConvertible {
        case createDirectory(path: String)
        case create(path: String, inode: Int)
        case write(inode: Int, offset: UInt64, bytes: [UInt8])
        case truncate(inode: Int, length: UInt64)
        case syncData(inode: Int)
        case sync(inode: Int)
        case syncDirectory(path: String)
        case rename(from: String, to: String)
        case remove(path: String)

        var description: String {
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
    let root: String
    /// Files (relative path → bytes) present when recording started.
    let baseline: [String: [UInt8]]
    private let real = POSIXFileSystem()
    private let lock = NSLock()
    private var recorded: [Event] = []
    private var names: [String: Int] = [:]
    private var descriptors: [Int32: Int] = [:]
    private var nextInode = 0
    private var baselineInodes: [Int: String] = [:]

    /// Starts recording under `root`, taking the files already there (one level of folders deep) as the baseline.
    init(root: String) {
        self.root = root
        var baseline: [String: [UInt8]] = [:]
        for name in listing(root) {
            let path = root + "/" + name
            var isDirectory: ObjCBool = false
            guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else { continue }
            if isDirectory.boolValue {
                for inner in listing(path) { baseline[name + "/" + inner] = fileBytes(path + "/" + inner) }
            } else {
                baseline[name] = fileBytes(path)
            }
        }
        self.baseline = baseline
        for path in baseline.keys.sorted() {
            names[path] = nextInode
            baselineInodes[nextInode] = path
            nextInode += 1
        }
    }

    /// The events so far.
    var events: [Event] { lock.withLock { recorded } }
    /// How many events have been recorded; a workload notes this at each acknowledgement.
    var count: Int { lock.withLock { recorded.count } }
    /// The inodes of the baseline files, with the path each had.
    var baselineFiles: [Int: String] { lock.withLock { baselineInodes } }

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

    func open(_ path: String, mode: FileOpenMode) throws -> OpenFile {
        let file = try real.open(path, mode: mode)
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

    func close(_ file: OpenFile) {
        lock.withLock { _ = descriptors.removeValue(forKey: file.descriptor) }
        real.close(file)
    }

    func read(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        try real.read(file, into: buffer, at: offset)
    }

    func write(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws -> Int {
        let written = try real.write(file, bytes, at: offset)
        record(.write(inode: inode(of: file), offset: offset, bytes: Array(bytes.prefix(written))))
        return written
    }

    func syncData(_ file: OpenFile) throws {
        try real.syncData(file)
        record(.syncData(inode: inode(of: file)))
    }

    func sync(_ file: OpenFile) throws {
        try real.sync(file)
        record(.sync(inode: inode(of: file)))
    }

    func truncate(_ file: OpenFile, to length: UInt64) throws {
        try real.truncate(file, to: length)
        record(.truncate(inode: inode(of: file), length: length))
    }

    func size(_ file: OpenFile) throws -> UInt64 { try real.size(file) }

    func rename(_ source: String, to destination: String) throws {
        try real.rename(source, to: destination)
        let from = relative(source)
        let to = relative(destination)
        lock.withLock {
            names[to] = names.removeValue(forKey: from)
            recorded.append(.rename(from: from, to: to))
        }
    }

    func remove(_ path: String) throws {
        try real.remove(path)
        let name = relative(path)
        lock.withLock {
            names[name] = nil
            recorded.append(.remove(path: name))
        }
    }

    func syncDirectory(_ path: String) throws {
        try real.syncDirectory(path)
        record(.syncDirectory(path: relative(path)))
    }

    func createDirectory(_ path: String) throws {
        let existed = real.exists(path)
        try real.createDirectory(path)
        if !existed { record(.createDirectory(path: relative(path))) }
    }

    func exists(_ path: String) -> Bool { real.exists(path) }
    func listDirectory(_ path: String) throws -> [String] { try real.listDirectory(path) }
    func lockExclusive(_ file: OpenFile) throws -> Bool { try real.lockExclusive(file) }
}

/// What a disk could hold after a crash partway through a recorded trace.
///
/// The model (after the ALICE study's): a write or truncation of a file is durable once a
/// later `fsync`/`fdatasync` *of that file* has returned; a creation, rename or removal of
/// a name, or a new folder, is durable once a later `fsync` of the folder holding it has
/// returned. Anything not yet durable at the crash may be lost, independently of the
/// other operations; this type builds the state where everything before the crash point
/// happened except the chosen losses, and where a lost write may also have been torn
/// (only its first or only its last sectors reached the disk).
struct CrashState: CustomStringConvertible {
    /// How a state differs from "every operation before the crash reached the disk".
    enum Loss: Equatable {
        case none
        /// The event at this position never reached the disk.
        case dropped(Int)
        /// Only the bytes `kept` (a prefix or a suffix) of the write at this position reached
        /// the disk: a torn write, its sectors persisted in either order.
        case torn(Int, kept: Range<Int>)
    }

    let crashPoint: Int
    let loss: Loss

    var description: String {
        switch loss {
        case .none: "crash after event \(crashPoint)"
        case .dropped(let event): "crash after event \(crashPoint), event \(event) lost"
        case .torn(let event, let kept): "crash after event \(crashPoint), event \(event) torn, only bytes \(kept) written"
        }
    }

    /// The positions before `crashPoint` whose effect is not yet durable there.
    static func volatileEvents(_ events: [RecordingFileSystem.Event], before crashPoint: Int) -> [Int] {
        var volatile: [Int] = []
        var syncedFiles: Set<Int> = []
        var syncedFolders: Set<String> = []
        // Walk backwards: an event is durable when a sync covering it comes later (but before the crash).
        for position in stride(from: crashPoint - 1, through: 0, by: -1) {
            switch events[position] {
            case .sync(let inode), .syncData(let inode): syncedFiles.insert(inode)
            case .syncDirectory(let path): syncedFolders.insert(path)
            case .write(let inode, _, _), .truncate(let inode, _):
                if !syncedFiles.contains(inode) { volatile.append(position) }
            case .create(let path, _), .remove(let path), .createDirectory(let path):
                if !syncedFolders.contains(folder(of: path)) { volatile.append(position) }
            case .rename(let from, let to):
                if !syncedFolders.contains(folder(of: from)) || !syncedFolders.contains(folder(of: to)) {
                    volatile.append(position)
                }
            }
        }
        return volatile.reversed()
    }

    /// The relative folder of a relative path ("" for the root).
    static func folder(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "" }
        return String(path[..<slash])
    }

    /// Files (relative path → bytes) and folders after the crash.
    func files(
        _ events: [RecordingFileSystem.Event], baseline: [String: [UInt8]], baselineInodes: [Int: String]
    ) -> (files: [String: [UInt8]], folders: Set<String>) {
        var names: [String: Int] = [:]
        var contents: [Int: [UInt8]] = [:]
        for (inode, path) in baselineInodes {
            names[path] = inode
            contents[inode] = baseline[path] ?? []
        }
        var folders: Set<String> = [""]
        for path in baseline.keys { folders.insert(Self.folder(of: path)) }
        for position in 0..<crashPoint {
            if loss == .dropped(position) { continue }
            switch events[position] {
            case .createDirectory(let path): folders.insert(path)
            case .create(let path, let inode):
                names[path] = inode
                if contents[inode] == nil { contents[inode] = [] }
            case .write(let inode, var offset, var bytes):
                if case .torn(position, let kept) = loss {
                    bytes = Array(bytes[kept])
                    offset += UInt64(kept.lowerBound)
                }
                var content = contents[inode] ?? []
                let end = Int(offset) + bytes.count
                if content.count < end { content += [UInt8](repeating: 0, count: end - content.count) }
                content.replaceSubrange(Int(offset)..<end, with: bytes)
                contents[inode] = content
            case .truncate(let inode, let length):
                var content = contents[inode] ?? []
                if content.count > Int(length) {
                    content.removeSubrange(Int(length)...)
                } else {
                    content += [UInt8](repeating: 0, count: Int(length) - content.count)
                }
                contents[inode] = content
            case .rename(let from, let to):
                if let inode = names.removeValue(forKey: from) { names[to] = inode }
            case .remove(let path): names[path] = nil
            case .sync, .syncData, .syncDirectory: break
            }
        }
        var files: [String: [UInt8]] = [:]
        for (path, inode) in names where folders.contains(Self.folder(of: path)) {
            files[path] = contents[inode] ?? []
        }
        return (files, folders)
    }

    /// Writes the crash state's files into `directory` (which must be empty).
    func materialise(
        _ events: [RecordingFileSystem.Event], baseline: [String: [UInt8]], baselineInodes: [Int: String], into directory: String
    ) throws {
        let state = files(events, baseline: baseline, baselineInodes: baselineInodes)
        for folder in state.folders.sorted() where !folder.isEmpty {
            try FileManager.default.createDirectory(atPath: directory + "/" + folder, withIntermediateDirectories: true)
        }
        for (path, bytes) in state.files { try writeFile(directory + "/" + path, bytes) }
    }
}

/// A fresh, empty folder for one short-lived case, on tmpfs (`/dev/shm`) when there is one.
///
/// The sweeps open thousands of stores; on tmpfs the real POSIX calls (including `fsync`)
/// run exactly as elsewhere but cost microseconds instead of a disk flush, which keeps the
/// sweeps exhaustive within the test target's time budget. Durability itself is modelled
/// by the traces, not by the disk the checks happen to run on.
struct ScratchFolder {
    /// The folder's absolute path.
    let path: String

    /// Creates the folder, named `prefix-XXXXXXXX`.
    init(prefix: String) throws {
        var isDirectory: ObjCBool = false
        let shm = "/dev/shm"
        let base =
            FileManager.default.fileExists(atPath: shm, isDirectory: &isDirectory) && isDirectory.boolValue
                && FileManager.default.isWritableFile(atPath: shm)
            ? shm : FileManager.default.temporaryDirectory.path
        path = "\(base)/\(prefix)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    /// Deletes the folder and everything in it.
    func remove() {
        try? FileManager.default.removeItem(atPath: path)
    }
}
