import Foundation
import LedgerCore

/// The site's API tokens, read again only when `api-tokens.json` changed (Specs/fhir-api.md §2).
///
/// Why: reading and decoding the file for every request costs more than the rest of a consult
/// at load; a `stat` per request keeps "a revocation takes effect on the next request". The
/// file is replaced atomically (a new file renamed over it), so a change shows as another
/// inode, size, or change time. The holders of the `Authorization` headers seen with one
/// version of the file are kept beside it (at most ``maximumHeaders``), so a known header costs
/// the `stat` and a dictionary lookup instead of a SHA-256 and a scan of the holders.
/// The `stat` is relative to the site folder, opened once (the path is not walked per request).
final class APITokenCache: @unchecked Sendable {  // `cached` and `folder` are touched only under `lock`.
    private let lock = NSLock()
    private var cached: (identity: FileIdentity, tokens: APITokens, holders: [String: String])?
    /// The site folder, open, for the `stat`; nil until first used, or when it cannot be opened.
    private var folder: (root: String, descriptor: Int32)?

    deinit {
        if let folder { close(folder.descriptor) }
    }
    /// The most headers whose holder is kept per version of the file (only headers of valid tokens are kept).
    static let maximumHeaders = 256

    /// What identifies one version of the file.
    private struct FileIdentity: Equatable {
        let device: UInt64, inode: UInt64, size: Int64
        let changed: Int, changedNanos: Int, modified: Int, modifiedNanos: Int
    }

    /// The name of the client whose token `header` (an `Authorization` header) bears, as the file
    /// holds the tokens now, or nil (``APITokens/holder(ofAuthorization:)``).
    /// - Throws: what ``APITokens/load(from:)`` throws.
    func holder(ofAuthorization header: String?, in layout: SiteLayout) throws -> String? {
        guard let header else { return nil }
        guard let identity = identity(in: layout) else {
            return try APITokens.load(from: layout).holder(ofAuthorization: header)
        }
        lock.lock()
        if let cached, cached.identity == identity, let name = cached.holders[header] {
            lock.unlock()
            return name
        }
        lock.unlock()
        let name = try current(identity: identity, layout: layout).holder(ofAuthorization: header)
        if let name {
            lock.lock()
            if cached?.identity == identity, let count = cached?.holders.count, count < Self.maximumHeaders {
                cached?.holders[header] = name
            }
            lock.unlock()
        }
        return name
    }

    private func current(identity: FileIdentity, layout: SiteLayout) throws -> APITokens {
        lock.lock()
        if let cached, cached.identity == identity {
            lock.unlock()
            return cached.tokens
        }
        lock.unlock()
        let tokens = try APITokens.load(from: layout)
        // Kept only if the file did not change while it was read.
        if self.identity(in: layout) == identity {
            lock.lock()
            cached = (identity, tokens, [:])
            lock.unlock()
        }
        return tokens
    }

    /// The token file's identity now, or nil when it does not exist.
    private func identity(in layout: SiteLayout) -> FileIdentity? {
        lock.lock()
        if folder?.root != layout.root {
            if let folder { close(folder.descriptor) }
            let descriptor = open(layout.root, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            folder = descriptor >= 0 ? (layout.root, descriptor) : nil
        }
        let descriptor = folder?.descriptor
        lock.unlock()
        var info = stat()
        if let descriptor {
            guard fstatat(descriptor, APITokens.fileName, &info, 0) == 0 else { return nil }
        } else {
            guard stat(APITokens.path(of: layout), &info) == 0 else { return nil }
        }
        #if canImport(Darwin)
        let changed = info.st_ctimespec, modified = info.st_mtimespec
        #else
        let changed = info.st_ctim, modified = info.st_mtim
        #endif
        return FileIdentity(device: UInt64(info.st_dev), inode: UInt64(info.st_ino), size: Int64(info.st_size),
                            changed: Int(changed.tv_sec), changedNanos: Int(changed.tv_nsec),
                            modified: Int(modified.tv_sec), modifiedNanos: Int(modified.tv_nsec))
    }
}
