/// Durable writes of small files through the ``FileSystem`` seam: the segment log's headers
/// and set-aside bytes, and every other file of a site (Specs/segment-format.md §7,
/// Specs/site-layout.md §7).
///
/// Each helper names the steps that make its file survive power loss: data is fsynced
/// before it is acknowledged, and the folder is fsynced whenever a name is created or
/// renamed (the ALICE lesson).
public enum DurableFile {
    /// Writes `bytes` to `path` atomically and durably: `PATH.tmp` is given `permissions` when
    /// they are named, written, fsynced, renamed over `PATH`, then the folder is fsynced.
    ///
    /// After a crash the file holds either its old content or the new one, never a mix,
    /// and once this returns the new content survives power loss.
    /// - Parameters:
    ///   - bytes: the whole new content.
    ///   - path: the destination; its directory must exist.
    ///   - permissions: the new file's mode bits, set exactly (0600 for secrets); nil creates
    ///     it 0644 less the umask (segment headers and set-aside bytes).
    ///   - fileSystem: the seam to write through.
    /// - Throws: ``StorageError`` from the failing step; the destination is then unchanged
    ///   (a stale `PATH.tmp` may remain and is overwritten by the next attempt).
    public static func write(
        _ bytes: [UInt8], to path: String, permissions: UInt32? = nil, fileSystem: any FileSystem = POSIXFileSystem()
    ) throws {
        let temporary = path + ".tmp"
        let file = try fileSystem.open(temporary, mode: .createTruncate, permissions: permissions ?? 0o644)
        try fill(file, at: temporary, with: bytes, permissions: permissions, fileSystem: fileSystem)
        try fileSystem.rename(temporary, to: path)
        try fileSystem.syncDirectory(directory(of: path))
    }

    /// Creates `path` holding `bytes`, never replacing an existing file: created exclusively
    /// with `permissions`, written, fsynced, then the folder is fsynced.
    ///
    /// A failure removes the half-written file, so a retry can create it again.
    /// - Throws: ``StorageError``; its `errno` is `EEXIST` when the name exists.
    public static func create(
        _ bytes: [UInt8], at path: String, permissions: UInt32, fileSystem: any FileSystem = POSIXFileSystem()
    ) throws {
        let file = try fileSystem.open(path, mode: .createExclusive, permissions: permissions)
        try fill(file, at: path, with: bytes, permissions: permissions, fileSystem: fileSystem)
        try fileSystem.syncDirectory(directory(of: path))
    }

    /// Gives the new file `file`, opened at `path`, its `permissions` when they are named, then
    /// `bytes`, fsyncs and closes it; on failure closes and removes it, so no half-written file
    /// is left under that name.
    private static func fill(
        _ file: OpenFile, at path: String, with bytes: [UInt8], permissions: UInt32?, fileSystem: any FileSystem
    ) throws {
        do {
            if let permissions { try fileSystem.setPermissions(file, to: permissions) }
            try fileSystem.writeAll(file, bytes, at: 0)
            try fileSystem.sync(file)
        } catch {
            fileSystem.close(file)
            try? fileSystem.remove(path)
            throw error
        }
        fileSystem.close(file)
    }

    /// Creates the folder `path` and any missing parents, fsyncing each new folder's parent
    /// so the names survive a power cut. Does nothing for a folder that exists.
    public static func makeDirectory(_ path: String, fileSystem: any FileSystem = POSIXFileSystem()) throws {
        if fileSystem.exists(path) { return }
        let parent = directory(of: path)
        if parent != "." && parent != "/" && parent != path { try makeDirectory(parent, fileSystem: fileSystem) }
        try fileSystem.createDirectory(path)
        try fileSystem.syncDirectory(parent)
    }

    /// The directory part of `path` (`.` when it has none, `/` for a child of the root);
    /// trailing slashes are ignored.
    package static func directory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }
}
