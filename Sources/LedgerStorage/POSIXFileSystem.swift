#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The real file system: thin wrappers over POSIX calls that retry `EINTR` and throw ``StorageError``.
public struct POSIXFileSystem: FileSystem {
    /// Creates the POSIX file system.
    public init() {}

    /// See ``FileSystem/open(_:mode:permissions:)``.
    public func open(_ path: String, mode: FileOpenMode, permissions: UInt32) throws -> OpenFile {
        let flags: Int32
        switch mode {
        case .readOnly: flags = O_RDONLY
        case .readWrite: flags = O_RDWR
        case .readWriteCreate: flags = O_RDWR | O_CREAT
        case .createTruncate: flags = O_RDWR | O_CREAT | O_TRUNC
        case .createExclusive: flags = O_RDWR | O_CREAT | O_EXCL
        }
        let descriptor = try retrying("open", path) { Glibc.open(path, flags | O_CLOEXEC, mode_t(permissions)) }
        return OpenFile(descriptor: descriptor, path: path)
    }

    /// See ``FileSystem/close(_:)``.
    public func close(_ file: OpenFile) {
        _ = Glibc.close(file.descriptor)
    }

    /// See ``FileSystem/read(_:into:at:)``.
    public func read(_ file: OpenFile, into buffer: UnsafeMutableRawBufferPointer, at offset: UInt64) throws -> Int {
        var done = 0
        while done < buffer.count {
            let got = try retrying("read", file.path, offset: offset) {
                pread(file.descriptor, buffer.baseAddress.map { $0 + done }, buffer.count - done, off_t(offset) + off_t(done))
            }
            if got == 0 { break }
            done += got
        }
        return done
    }

    /// See ``FileSystem/write(_:_:at:)``.
    public func write(_ file: OpenFile, _ bytes: UnsafeRawBufferPointer, at offset: UInt64) throws -> Int {
        try retrying("write", file.path, offset: offset) {
            pwrite(file.descriptor, bytes.baseAddress, bytes.count, off_t(offset))
        }
    }

    /// See ``FileSystem/syncData(_:)``.
    public func syncData(_ file: OpenFile) throws {
        _ = try retrying("fdatasync", file.path) { fdatasync(file.descriptor) }
    }

    /// See ``FileSystem/sync(_:)``.
    public func sync(_ file: OpenFile) throws {
        _ = try retrying("fsync", file.path) { fsync(file.descriptor) }
    }

    /// See ``FileSystem/truncate(_:to:)``.
    public func truncate(_ file: OpenFile, to length: UInt64) throws {
        _ = try retrying("ftruncate", file.path, offset: length) { ftruncate(file.descriptor, off_t(length)) }
    }

    /// See ``FileSystem/size(_:)``.
    public func size(_ file: OpenFile) throws -> UInt64 {
        var info = stat()
        _ = try retrying("fstat", file.path) { fstat(file.descriptor, &info) }
        return UInt64(info.st_size)
    }

    /// See ``FileSystem/rename(_:to:)``.
    public func rename(_ source: String, to destination: String) throws {
        _ = try retrying("rename", source) { Glibc.rename(source, destination) }
    }

    /// See ``FileSystem/remove(_:)``.
    public func remove(_ path: String) throws {
        _ = try retrying("remove", path) { Glibc.remove(path) }
    }

    /// See ``FileSystem/syncDirectory(_:)``.
    public func syncDirectory(_ path: String) throws {
        let descriptor = try retrying("open directory", path) { Glibc.open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC) }
        defer { _ = Glibc.close(descriptor) }
        _ = try retrying("fsync directory", path) { fsync(descriptor) }
    }

    /// See ``FileSystem/createDirectory(_:)``.
    public func createDirectory(_ path: String) throws {
        var prefix = path.hasPrefix("/") ? "" : "."
        for component in path.split(separator: "/") {
            prefix += "/" + component
            if mkdir(prefix, 0o755) != 0 && errno != EEXIST {
                throw StorageError.system("mkdir", errno: errno, file: prefix)
            }
        }
    }

    /// See ``FileSystem/exists(_:)``.
    public func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// See ``FileSystem/listDirectory(_:)``.
    public func listDirectory(_ path: String) throws -> [String] {
        guard let directory = opendir(path) else { throw StorageError.system("opendir", errno: errno, file: path) }
        defer { closedir(directory) }
        var names: [String] = []
        while let entry = readdir(directory) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name != "." && name != ".." { names.append(name) }
        }
        return names
    }

    /// See ``FileSystem/lockExclusive(_:)``.
    public func lockExclusive(_ file: OpenFile) throws -> Bool {
        while flock(file.descriptor, LOCK_EX | LOCK_NB) != 0 {
            if errno == EINTR { continue }
            if errno == EWOULDBLOCK { return false }
            throw StorageError.system("flock", errno: errno, file: file.path)
        }
        return true
    }

    /// See ``FileSystem/setPermissions(_:to:)``.
    public func setPermissions(_ file: OpenFile, to permissions: UInt32) throws {
        _ = try retrying("fchmod", file.path) { fchmod(file.descriptor, mode_t(permissions)) }
    }

    /// See ``FileSystem/permissions(_:)``.
    public func permissions(_ file: OpenFile) throws -> UInt32 {
        var info = stat()
        _ = try retrying("fstat", file.path) { fstat(file.descriptor, &info) }
        return UInt32(info.st_mode) & 0o7777
    }

    private func retrying<T: BinaryInteger>(
        _ operation: String, _ path: String, offset: UInt64? = nil, _ call: () -> T
    ) throws -> T {
        while true {
            let result = call()
            if result >= 0 { return result }
            let number = errno
            if number == EINTR { continue }
            throw StorageError.system(operation, errno: number, file: path, offset: offset)
        }
    }
}
