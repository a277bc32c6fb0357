import Foundation

/// The data folder's writer lock (Specs/segment-format.md §7, Specs/site-layout.md §8).
///
/// The lock is an exclusive `flock` on `LOCK`, held for as long as the log is open; the
/// kernel drops it when the holder exits, however it exits. Once it holds the lock, the
/// writer records who it is in the file, in place (never a rename: the lock is on this
/// inode): one line `<pid> <command line>`, at most ``holderRecordLimit`` bytes. The record
/// is advice for the error a waiting opener prints; a failed or stale record changes nothing.
extension SegmentLog {
    /// The most bytes of the holder record written or read.
    static let holderRecordLimit = 1024

    /// Takes the lock on `file`, retrying every 2 ms until `timeout` has passed.
    /// - Throws: ``StorageError`` `.locked`, naming the holder when its record reads and saying
    ///   how long this opener waited.
    static func acquireLock(_ file: OpenFile, path: String, timeout: Duration, fileSystem: any FileSystem) throws {
        let deadline = ContinuousClock.now + timeout
        while try !fileSystem.lockExclusive(file) {
            guard ContinuousClock.now < deadline else {
                let holder = LockHolder.read(file, fileSystem: fileSystem).map { "pid \($0.pid) (\($0.command))" } ?? "another process"
                throw StorageError(.locked, "the data folder is in use by \(holder); waited \(Self.seconds(timeout)) s", file: path)
            }
            usleep(2_000)
        }
    }

    /// Records this process as the holder in the lock file it has just locked; best effort.
    static func recordHolder(_ file: OpenFile, fileSystem: any FileSystem) {
        let line = LockHolder.current().line
        try? fileSystem.truncate(file, to: 0)
        try? fileSystem.writeAll(file, Array(line.utf8.prefix(holderRecordLimit)), at: 0)
    }

    /// `timeout` in seconds as a short decimal ("10", "0.25").
    static func seconds(_ timeout: Duration) -> String {
        let (whole, attoseconds) = timeout.components
        let hundredths = attoseconds / 10_000_000_000_000_000
        guard hundredths > 0 else { return "\(whole)" }
        let fraction = hundredths % 10 == 0 ? "\(hundredths / 10)" : (hundredths < 10 ? "0\(hundredths)" : "\(hundredths)")
        return "\(whole).\(fraction)"
    }
}

/// Who holds a data folder's lock, as its `LOCK` file records it.
public struct LockHolder: Sendable, Equatable {
    /// The holder's process id.
    public var pid: Int32
    /// The holder's command line (program name without its folder, then its arguments).
    public var command: String

    /// The record line: `<pid> <command>` and a newline.
    var line: String { "\(pid) \(command)\n" }

    /// This process.
    static func current() -> LockHolder {
        var arguments = CommandLine.arguments
        if let program = arguments.first { arguments[0] = (program as NSString).lastPathComponent }
        let command = arguments.joined(separator: " ").replacingOccurrences(of: "\n", with: " ")
        return LockHolder(pid: getpid(), command: command)
    }

    /// Parses a record; nil when it is empty or does not start with a pid.
    static func parse(_ bytes: [UInt8]) -> LockHolder? {
        guard let text = String(validating: bytes, as: UTF8.self) else { return nil }
        let line = text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? ""
        let parts = line.split(separator: " ", maxSplits: 1)
        guard let first = parts.first, let pid = Int32(first), pid > 0 else { return nil }
        return LockHolder(pid: pid, command: parts.count > 1 ? String(parts[1]) : "")
    }

    /// Reads the record of an open lock file.
    static func read(_ file: OpenFile, fileSystem: any FileSystem) -> LockHolder? {
        guard let size = try? fileSystem.size(file), size > 0,
              let bytes = try? fileSystem.readExactly(file, count: Int(min(size, UInt64(SegmentLog.holderRecordLimit))), at: 0)
        else { return nil }
        return parse(bytes)
    }

    /// The holder recorded in the `LOCK` file of the log folder `directory`, if it reads.
    ///
    /// The record may be stale (its holder gone); it names who last took the lock.
    public static func recorded(inLogFolder directory: String, fileSystem: any FileSystem = POSIXFileSystem()) -> LockHolder? {
        guard let file = try? fileSystem.open(directory + "/LOCK", mode: .readOnly) else { return nil }
        defer { fileSystem.close(file) }
        return read(file, fileSystem: fileSystem)
    }
}
