#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A failed system call: its name and `errno`, used as `CoreError.underlying`.
public struct SystemCallError: Error, Sendable, CustomStringConvertible {
    /// The call that failed, e.g. `open`.
    public let call: String
    /// The `errno` it set.
    public let errno: Int32

    /// `call: strerror(errno)`.
    public var description: String { "\(call): \(String(cString: strerror(errno)))" }
}

/// Thin, throwing wrappers around the POSIX calls LedgerCore needs (key files, node store).
///
/// Blocking I/O: callers keep it off the cooperative thread pool.
enum FileIO {
    static func fail(_ call: String, _ path: String, code: CoreError.Code = .io) -> CoreError {
        let err = errno
        return CoreError(code, "\(call) failed", file: path, underlying: SystemCallError(call: call, errno: err))
    }

    static func open(_ path: String, _ flags: Int32, mode: mode_t = 0o600) throws -> Int32 {
        while true {
            let fd = posixOpen(path, flags | O_CLOEXEC, mode)
            if fd >= 0 { return fd }
            if errno == EINTR { continue }
            if errno == EEXIST { throw fail("open", path, code: .alreadyExists) }
            throw fail("open", path)
        }
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8], path: String) throws {
        var done = 0
        try bytes.withUnsafeBytes { raw in
            guard let base = raw.baseAddress else { return }
            while done < raw.count {
                let n = write(fd, base + done, raw.count - done)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw fail("write", path)
                }
                done += n
            }
        }
    }

    static func pwriteAll(_ fd: Int32, _ raw: UnsafeRawBufferPointer, at offset: Int, path: String) throws {
        guard let base = raw.baseAddress else { return }
        var done = 0
        while done < raw.count {
            let n = pwrite(fd, base + done, raw.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("pwrite", path)
            }
            done += n
        }
    }

    /// Reads exactly `raw.count` bytes at `offset`; a short read throws `.truncated`.
    static func preadExactly(_ fd: Int32, into raw: UnsafeMutableRawBufferPointer, at offset: Int, path: String) throws {
        guard let base = raw.baseAddress else { return }
        var done = 0
        while done < raw.count {
            let n = pread(fd, base + done, raw.count - done, off_t(offset + done))
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("pread", path)
            }
            if n == 0 { throw CoreError(.truncated, "file ends early", file: path, offset: offset + done) }
            done += n
        }
    }

    /// Reads the whole file, refusing files larger than `limit` bytes.
    static func readAll(_ fd: Int32, limit: Int, path: String) throws -> [UInt8] {
        var out = [UInt8]()
        var chunk = [UInt8](repeating: 0, count: 4096)
        while true {
            let n = chunk.withUnsafeMutableBytes { buffer in
                guard let base = buffer.baseAddress else { return 0 }
                return read(fd, base, buffer.count)
            }
            if n < 0 {
                if errno == EINTR { continue }
                throw fail("read", path)
            }
            if n == 0 { return out }
            out.append(contentsOf: chunk[0..<n])
            if out.count > limit { throw CoreError(.malformedFile, "file is larger than \(limit) bytes", file: path) }
        }
    }

    static func fileSize(_ fd: Int32, path: String) throws -> Int {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fail("fstat", path) }
        return Int(st.st_size)
    }

    static func mode(_ fd: Int32, path: String) throws -> mode_t {
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw fail("fstat", path) }
        return st.st_mode
    }

    static func sync(_ fd: Int32, path: String) throws {
        guard fsync(fd) == 0 else { throw fail("fsync", path) }
    }

    static func truncate(_ fd: Int32, to size: Int, path: String) throws {
        guard ftruncate(fd, off_t(size)) == 0 else { throw fail("ftruncate", path) }
    }

    /// fsyncs the folder holding `path`, so a newly created name survives a power cut.
    static func syncParentDirectory(of path: String) throws {
        let dir = parentDirectory(of: path)
        let fd = try open(dir, O_RDONLY | O_DIRECTORY)
        defer { close(fd) }
        try sync(fd, path: dir)
    }
}

extension FileIO {
    /// The folder that holds `path`: "." for a bare name, "/" for a child of the root;
    /// trailing slashes are ignored. (Foundation's `deletingLastPathComponent` traps on
    /// one-character paths in this toolchain, so paths are split here.)
    static func parentDirectory(of path: String) -> String {
        var trimmed = Substring(path)
        while trimmed.count > 1, trimmed.hasSuffix("/") { trimmed = trimmed.dropLast() }
        guard let slash = trimmed.lastIndex(of: "/") else { return "." }
        return slash == trimmed.startIndex ? "/" : String(trimmed[..<slash])
    }
}

private func posixOpen(_ path: String, _ flags: Int32, _ mode: mode_t) -> Int32 {
    open(path, flags, mode)
}
