import HTTPTypes
import Hummingbird
import HummingbirdTLS
import LedgerSite
import Logging
import NIOCore

/// The site's API over HTTP/1.1 (Specs/fhir-api.md): Hummingbird moves the bytes, ``SiteAPI``
/// answers.
///
/// Why one responder and no router: every route, status and error body is the library's
/// (`SiteAPI`), so the rules are the same for a program that embeds CareLedger without HTTP;
/// this target only bounds bodies, maps headers and keeps idle connections from piling up.
public enum HTTPAPIServer {
    /// The largest request body accepted; a larger one gets 413 before it is read whole (§6).
    public static let maximumBodyBytes = 8 << 20
    /// An idle keep-alive connection is closed after this long (§6).
    public static let idleTimeout: TimeAmount = .seconds(60)

    /// Serves `api` on `host:port` until the task is cancelled; over TLS when `tls` is given (§5.1).
    /// - Parameter onListening: called with the bound port once the server listens (port 0 picks one).
    /// - Parameter staticLog: a published static log to serve read-only under `/tlog/` (Specs/static-log.md §6).
    /// - Parameter accessLog: where each request's line goes (§5); without it, `logger` logs each at `info`.
    /// - Throws: what binding throws (the port is taken, the host is not this machine's), and
    ///   NIOSSL's error when `tls`'s key does not belong to its certificate.
    public static func run(api: SiteAPI, host: String, port: Int, tls: HTTPTLSIdentity? = nil, logger: Logger,
                           staticLog: StaticLogFiles? = nil, accessLog: AccessLog? = nil,
                           onListening: @escaping @Sendable (Int) async -> Void = { _ in }) async throws {
        let responder = StaticLogResponder(files: staticLog, next: APIResponder(api: api, logger: logger, accessLog: accessLog))
        let configuration = ApplicationConfiguration(address: .hostname(host, port: port), serverName: "CareLedger", backlog: 512)
        let running: @Sendable (any Channel) async -> Void = { channel in await onListening(channel.localAddress?.port ?? port) }
        // Hummingbird sets a request id on a copy of its logger per request: a cheap set (RequestLogHandler).
        let serverLogger = logger.withRequestLogHandler
        // Two initialisers because Hummingbird's server builder type is not exported by its
        // `Hummingbird` product: each branch names it only through `.http1` / `.tls`.
        let application = if let tls {
            Application(responder: responder, server: try .tls(.http1(configuration: .init(idleTimeout: idleTimeout)), tlsConfiguration: tls.configuration),
                        configuration: configuration, onServerRunning: running, logger: serverLogger)
        } else {
            Application(responder: responder, server: .http1(configuration: .init(idleTimeout: idleTimeout)),
                        configuration: configuration, onServerRunning: running, logger: serverLogger)
        }
        try await application.run()
    }
}

/// Turns a Hummingbird request into an ``APIRequest`` and the answer back into a response.
struct APIResponder: HTTPResponder {
    typealias Context = BasicRequestContext
    let api: SiteAPI
    let logger: Logger
    /// The batched access log (serve's); nil logs each line through `logger`.
    let accessLog: AccessLog?

    func respond(to request: Request, context: Context) async throws -> Response {
        let body: ByteBuffer
        do {
            body = try await request.body.collect(upTo: HTTPAPIServer.maximumBodyBytes)
        } catch {
            return Self.response(APIResponse.outcome(413, code: "too-costly", "the body is over \(HTTPAPIServer.maximumBodyBytes) bytes"))
        }
        let query = request.uri.queryParameters.map { (name: String($0.key), value: String($0.value)) }
        let method = request.method.rawValue, path = request.uri.path
        let apiRequest = APIRequest(method: method, path: path, query: query,
                                    authorization: request.headers[.authorization], body: Array(buffer: body))
        let api = self.api
        // Back on the loop that owns the connection when the ledger's queue answers (§5.2).
        let answer = await EventLoopTasks.stayingOnThisLoop { await api.respond(to: apiRequest) }
        if let accessLog {
            accessLog.record(method: method, path: path, status: answer.status, client: answer.client ?? "-")
        } else {
            logger.info("http request", metadata: [
                "method": .string(method), "path": .string(path),
                "status": .stringConvertible(answer.status), "client": .string(answer.client ?? "-"),
            ])
        }
        return Self.response(answer)
    }

    static func response(_ answer: APIResponse) -> Response {
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        for header in answer.headers {
            if let name = HTTPField.Name(header.name) { headers[name] = header.value }
        }
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers,
                        body: ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body)))
    }
}
