import Dispatch
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A static log served over HTTP(S) (Specs/static-log.md §11.1), read with Foundation's
/// `URLSession` (libcurl on Linux): the platform's HTTP stack, so the clean build gains no
/// package (swift-server/async-http-client would add minutes to it).
///
/// 200 is the file, 404 (and 410) is "not there" (a partial tile superseded by its full
/// one), anything else is an error. Each `fetch` blocks its thread until the answer is in.
public final class HTTPLogSource: StaticLogSource {
    /// The prefix the log is served at, without a trailing slash.
    public let prefix: String
    private let session: URLSession

    /// A source for `prefix` (`http://host:port/tlog`).
    /// - Parameter connections: the most connections to the host at once.
    /// - Throws: `SiteError` `.invalidRequest` when `prefix` is not a URL.
    public init(prefix: String, connections: Int = 4) throws {
        var trimmed = prefix
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        guard URL(string: trimmed + "/checkpoint") != nil else {
            throw SiteError(.invalidRequest, "\(prefix) is not a URL")
        }
        self.prefix = trimmed
        let configuration = URLSessionConfiguration.ephemeral
        configuration.httpMaximumConnectionsPerHost = max(1, connections)
        configuration.timeoutIntervalForRequest = 60
        configuration.requestCachePolicy = .reloadIgnoringLocalCacheData
        // No cache and no cookies: a static log sets none, and FoundationNetworking otherwise
        // parses every answer's headers for them and keys it for the cache (a catch-up makes
        // one request per 256 entries).
        configuration.urlCache = nil
        configuration.httpCookieStorage = nil
        configuration.httpShouldSetCookies = false
        configuration.httpCookieAcceptPolicy = .never
        session = URLSession(configuration: configuration)
    }

    deinit { session.finishTasksAndInvalidate() }

    /// The prefix.
    public var location: String { prefix }

    /// GETs `prefix/path`.
    public func fetch(_ path: String, limit: Int) throws -> [UInt8]? {
        guard let url = URL(string: prefix + "/" + path) else {
            throw SiteError(.invalidRequest, "\(prefix)/\(path) is not a URL")
        }
        var request = URLRequest(url: url)
        request.setValue("gzip, identity", forHTTPHeaderField: "Accept-Encoding")
        let answer = Answer()
        let done = DispatchSemaphore(value: 0)
        let task = session.dataTask(with: request) { data, response, error in
            answer.set(data: data, status: (response as? HTTPURLResponse)?.statusCode, error: error)
            done.signal()
        }
        task.resume()
        done.wait()
        let (data, status, error) = answer.get()
        if let error {
            throw SiteError(.mirrorUnreachable, "GET \(url.absoluteString) failed: \(error.localizedDescription)", underlying: error)
        }
        switch status {
        case 200:
            let bytes = data.map { Array($0) } ?? []
            guard bytes.count <= limit else {
                throw SiteError(.mirrorInvalid, "GET \(url.absoluteString) answered \(bytes.count) bytes, more than the \(limit) such a file can hold")
            }
            return bytes
        case 404, 410:
            return nil
        default:
            throw SiteError(.mirrorUnreachable, "GET \(url.absoluteString) answered HTTP \(status.map(String.init) ?? "(no status)")")
        }
    }
}

/// One request's answer, handed from URLSession's delegate queue to the waiting thread.
private final class Answer: @unchecked Sendable {  // every field is read and written under `lock`
    private let lock = NSLock()
    private var data: Data?
    private var status: Int?
    private var error: (any Error)?

    func set(data: Data?, status: Int?, error: (any Error)?) {
        lock.lock(); defer { lock.unlock() }
        self.data = data; self.status = status; self.error = error
    }

    func get() -> (Data?, Int?, (any Error)?) {
        lock.lock(); defer { lock.unlock() }
        return (data, status, error)
    }
}
