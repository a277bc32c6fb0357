import Dispatch
import LedgerStorage

/// A published folder served read-only: what `serve --http --tlog DIR` answers under
/// `/tlog/` (Specs/static-log.md §6). Only `checkpoint` and paths that tlog-tiles defines are
/// served; anything else (the lock, a `.tmp` file, `..`) is not found.
public struct StaticLogFiles: Sendable {
    /// An answer: status, content type, cache policy and body.
    public struct Answer: Sendable, Equatable {
        /// 200, 404 or 500.
        public var status: Int
        /// The body's media type.
        public var contentType: String
        /// The `Cache-Control` value: short for the checkpoint, immutable for tiles.
        public var cacheControl: String
        /// The file's bytes, or a one-line explanation.
        public var body: [UInt8]
    }

    /// The published folder.
    public let directory: String
    private let fileSystem: any FileSystem

    /// Serves `directory` (which a `publish` may be writing into meanwhile: files are
    /// renamed into place whole, so a read sees an old or a new file, never half of one).
    public init(directory: String, fileSystem: any FileSystem = POSIXFileSystem()) {
        self.directory = directory
        self.fileSystem = fileSystem
    }

    /// The answer to a GET of `path`, relative to the log's prefix (`checkpoint`, `tile/0/000`).
    /// The read runs on a dispatch queue, off Swift's cooperative threads.
    public func answer(path: String) async -> Answer {
        let isCheckpoint = path == "checkpoint" || path == StaticLogPublisher.witnessedCheckpoint
        guard isCheckpoint || TileCoordinates(path: path) != nil else {
            return Answer(status: 404, contentType: "text/plain; charset=utf-8", cacheControl: "no-store", body: Array("not found\n".utf8))
        }
        let file = directory + "/" + path
        let fileSystem = self.fileSystem
        let read: Result<[UInt8]?, any Error> = await withCheckedContinuation { continuation in
            DispatchQueue.global().async {
                // A bundle holds at most 256 entries of 65,535 bytes and their lengths.
                continuation.resume(returning: Result { try fileSystem.contents(of: file, limit: 256 * (EntryBundle.maximumEntryBytes + 2)) })
            }
        }
        switch read {
        case .success(.some(let body)):
            return isCheckpoint
                ? Answer(status: 200, contentType: "text/plain; charset=utf-8", cacheControl: "no-cache", body: body)
                : Answer(status: 200, contentType: "application/octet-stream", cacheControl: "public, max-age=31536000, immutable", body: body)
        case .success(.none):
            return Answer(status: 404, contentType: "text/plain; charset=utf-8", cacheControl: "no-store", body: Array("not found\n".utf8))
        case .failure:
            return Answer(status: 500, contentType: "text/plain; charset=utf-8", cacheControl: "no-store", body: Array("cannot read the file\n".utf8))
        }
    }
}
