import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Small files written so that they survive power loss: data fsynced, and the directory
/// fsynced whenever a name is created or renamed (the ALICE lesson).
package enum DurableFiles {
    /// Replaces `path` with `bytes` atomically: write a temporary file, fsync it, rename it
    /// over `path`, fsync the directory.
    package static func writeAtomically(_ bytes: [UInt8], to path: String, mode: mode_t) throws {
        let temporary = path + ".tmp"
        let fd = try FileIO.open(temporary, O_WRONLY | O_CREAT | O_TRUNC, mode: mode)
        do {
            try FileIO.writeAll(fd, bytes, path: temporary)
            guard fchmod(fd, mode) == 0 else { throw FileIO.fail("fchmod", temporary) }
            try FileIO.sync(fd, path: temporary)
        } catch {
            close(fd)
            unlink(temporary)
            throw error
        }
        close(fd)
        guard rename(temporary, path) == 0 else { throw FileIO.fail("rename", path) }
        try FileIO.syncParentDirectory(of: path)
    }

    /// Appends `bytes` to `path` (creating it, and then fsyncing its directory) and fsyncs.
    package static func append(_ bytes: [UInt8], to path: String) throws {
        let existed = access(path, F_OK) == 0
        let fd = try FileIO.open(path, O_WRONLY | O_CREAT | O_APPEND, mode: 0o644)
        defer { close(fd) }
        try FileIO.writeAll(fd, bytes, path: path)
        try FileIO.sync(fd, path: path)
        if !existed { try FileIO.syncParentDirectory(of: path) }
    }

    /// Creates `path` and any missing parents, fsyncing each new folder's parent so the
    /// names survive a power cut. Does nothing for a folder that exists.
    package static func makeDirectory(_ path: String) throws {
        var isDirectory: ObjCBool = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), isDirectory.boolValue { return }
        let parent = FileIO.parentDirectory(of: path)
        if parent != "." && parent != "/" && parent != path { try makeDirectory(parent) }
        guard mkdir(path, 0o755) == 0 || errno == EEXIST else { throw FileIO.fail("mkdir", path) }
        try FileIO.syncParentDirectory(of: path)
    }

    /// Cuts `path` to `size` bytes and fsyncs it.
    package static func truncate(_ path: String, to size: Int) throws {
        let fd = try FileIO.open(path, O_WRONLY)
        defer { close(fd) }
        try FileIO.truncate(fd, to: size, path: path)
        try FileIO.sync(fd, path: path)
    }
}
