import LedgerCore
import LedgerStorage

/// The published folder as the publisher writes it (Specs/static-log.md §5): files are
/// written to `NAME.tmp`, fsynced and renamed; the folders they land in are fsynced once,
/// before the checkpoint, by ``syncFolders()``.
///
/// A file whose bytes are already there is left alone (a publish resumed after a crash
/// does not write twice). Every byte goes through the `FileSystem` seam, so tests can
/// cut a publish at any write.
struct StaticLogFolder {
    /// The folder's path.
    let root: String
    let fileSystem: any FileSystem
    /// Folders a name was created in since the last ``syncFolders()``.
    private var touched: Set<String> = []
    /// Files written and bytes written, and files found already in place.
    private(set) var filesWritten = 0
    private(set) var bytesWritten = 0
    private(set) var filesUnchanged = 0

    init(root: String, fileSystem: any FileSystem) {
        self.root = root
        self.fileSystem = fileSystem
    }

    /// The absolute path of a path relative to the folder.
    func path(_ relative: String) -> String { root + "/" + relative }

    /// The bytes of a file (nil when missing), refused past `limit` bytes.
    func read(_ relative: String, limit: Int = 1 << 26) throws -> [UInt8]? {
        do {
            return try fileSystem.contents(of: path(relative), limit: limit)
        } catch let error as StorageError {
            throw SiteError(.cannotWrite, "cannot read \(path(relative)): \(error.message)", path: path(relative), underlying: CoreError(fileError: error))
        }
    }

    /// Makes `relative` hold `bytes`: nothing when it already does, else a new file
    /// written beside it, fsynced and renamed over it.
    mutating func write(_ bytes: [UInt8], to relative: String) throws {
        if let existing = try? fileSystem.contents(of: path(relative), limit: bytes.count), existing == bytes {
            filesUnchanged += 1
            return
        }
        let target = path(relative)
        let folder = DurableFile.directory(of: target)
        try cannotWrite(target) {
            try makeFolder(folder)
            let temporary = target + ".tmp"
            let file = try fileSystem.open(temporary, mode: .createTruncate)
            do {
                try fileSystem.writeAll(file, bytes, at: 0)
                try fileSystem.sync(file)
            } catch {
                fileSystem.close(file)
                try? fileSystem.remove(temporary)
                throw error
            }
            fileSystem.close(file)
            try fileSystem.rename(temporary, to: target)
        }
        touched.insert(folder)
        filesWritten += 1
        bytesWritten += bytes.count
    }

    /// Creates `folder` and its missing parents, remembering each for ``syncFolders()``.
    private mutating func makeFolder(_ folder: String) throws {
        guard !fileSystem.exists(folder) else { return }
        let parent = DurableFile.directory(of: folder)
        if parent != folder && parent != "." && parent != "/" { try makeFolder(parent) }
        try fileSystem.createDirectory(folder)
        touched.insert(parent)
    }

    /// Fsyncs every folder a name was created in, deepest first: after it, every file
    /// written so far survives a power cut under its name.
    mutating func syncFolders() throws {
        for folder in touched.sorted(by: { $0.count > $1.count }) {
            try cannotWrite(folder) { try fileSystem.syncDirectory(folder) }
        }
        touched.removeAll()
    }

    /// Removes the folder of partial tiles (`<N>.p/`) of a full tile that exists. Best
    /// effort: a leftover is harmless (readers of an old checkpoint fall back to the full tile).
    func removePartials(of relative: String) {
        guard fileSystem.exists(path(relative)) else { return }
        let folder = path(relative + ".p")
        guard let names = try? fileSystem.listDirectory(folder) else { return }
        for name in names { try? fileSystem.remove(folder + "/" + name) }
        try? fileSystem.remove(folder)
    }

    /// Runs `body`, turning a storage failure into `SiteError.cannotWrite` naming the file.
    private func cannotWrite<T>(_ full: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as StorageError {
            throw SiteError(.cannotWrite, "cannot write \(full): \(error.message)", path: full, underlying: CoreError(fileError: error))
        }
    }
}
