import Foundation
import LedgerCore
import LedgerStorage

extension SiteError.Code {
    /// A static log's mirror served something that does not verify: a checkpoint signature,
    /// a tile that does not hash up to the root, a bundle whose entries are not the tile's
    /// leaves, an entry whose own signature fails (Specs/static-log.md §11).
    public static let mirrorInvalid = SiteError.Code("mirror_invalid")
    /// A static log's mirror could not be read: no such folder, an HTTP error, a timeout.
    public static let mirrorUnreachable = SiteError.Code("mirror_unreachable")
}

/// Where a published static log is read from: a folder or an `http(s)://` prefix
/// (Specs/static-log.md §11.1). Paths are relative to the log's prefix (`checkpoint`,
/// `tile/0/000`, `tile/entries/x001/234.p/17`).
///
/// `fetch` blocks the calling thread: call it from a thread of your own or a dispatch
/// queue, never from Swift's cooperative pool. It is called from several threads at once.
public protocol StaticLogSource: Sendable {
    /// The file at `path`, nil when the source does not have it (HTTP 404, no such file).
    /// - Parameter limit: the largest answer accepted.
    /// - Throws: `SiteError` `.mirrorUnreachable` (another HTTP status, a network or read
    ///   failure), `.mirrorInvalid` (an answer over `limit`).
    func fetch(_ path: String, limit: Int) throws -> [UInt8]?
    /// The source, for messages.
    var location: String { get }
}

/// Opens static log sources from what a person types.
public enum StaticLogSources {
    /// The largest file a static log holds: a bundle of 256 entries of 65,535 bytes and their lengths.
    public static let maximumFileBytes = 256 * (EntryBundle.maximumEntryBytes + 2)

    /// A source for `location`: `http://…` or `https://…` is read over HTTP, anything else is a folder.
    /// - Parameter connections: how many requests may run at once (HTTP).
    /// - Throws: `SiteError` `.invalidRequest` for a URL that does not parse.
    public static func open(_ location: String, connections: Int = 4) throws -> any StaticLogSource {
        let lower = location.lowercased()
        if lower.hasPrefix("http://") || lower.hasPrefix("https://") {
            return try HTTPLogSource(prefix: location, connections: connections)
        }
        return FolderLogSource(directory: location)
    }
}

/// A published folder on this machine (or a mounted share).
public struct FolderLogSource: StaticLogSource {
    /// The folder.
    public let directory: String
    private let fileSystem: any FileSystem

    /// Reads `directory` through `fileSystem`.
    public init(directory: String, fileSystem: any FileSystem = POSIXFileSystem()) {
        self.directory = directory
        self.fileSystem = fileSystem
    }

    /// The folder's path.
    public var location: String { directory }

    /// Reads `directory/path`; nil when it does not exist.
    public func fetch(_ path: String, limit: Int) throws -> [UInt8]? {
        do {
            return try fileSystem.contents(of: directory + "/" + path, limit: limit)
        } catch let error as StorageError {
            throw SiteError(.mirrorUnreachable, "cannot read \(directory)/\(path): \(error.message)", path: directory + "/" + path, underlying: error)
        }
    }
}
