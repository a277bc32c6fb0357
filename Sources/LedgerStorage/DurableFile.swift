/// Durable, atomic writes of small files: the ledger's own metadata files reuse this.
///
/// Specs/segment-format.md §7 "Creating files". The bytes go to `PATH.tmp`, which is
/// fsynced, then renamed over `PATH`, then the directory is fsynced: after a crash the
/// file holds either its old content or the new one, never a mix, and once this returns
/// the new content survives power loss.
public enum DurableFile {
    /// Writes `bytes` to `path` atomically and durably.
    ///
    /// - Parameters:
    ///   - bytes: the whole new content.
    ///   - path: the destination; its directory must exist.
    ///   - fileSystem: the seam to write through.
    /// - Throws: ``StorageError`` from the failing step; the destination is then unchanged
    ///   (a stale `PATH.tmp` may remain and is overwritten by the next attempt).
    public static func write(_ bytes: [UInt8], to path: String, fileSystem: any FileSystem = POSIXFileSystem()) throws {
        let temporary = path + ".tmp"
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
        try fileSystem.rename(temporary, to: path)
        try fileSystem.syncDirectory(directory(of: path))
    }

    /// The directory part of `path` (`.` when it has none).
    package static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        return slash == path.startIndex ? "/" : String(path[..<slash])
    }
}
