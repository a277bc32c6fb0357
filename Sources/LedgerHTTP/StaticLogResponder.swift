import HTTPTypes
import Hummingbird
import LedgerSite
import NIOCore

/// Serves a published static log read-only under `/tlog/` (Specs/static-log.md §6) and
/// hands every other request to `next`: `serve --http --tlog DIR`.
///
/// The rules (which paths exist, their types and caching) are ``StaticLogFiles``'; this
/// only maps methods and bytes. No token is asked: the folder is what a static server
/// would serve to anyone.
struct StaticLogResponder<Next: HTTPResponder>: HTTPResponder where Next.Context == BasicRequestContext {
    typealias Context = BasicRequestContext
    /// The path prefix the log is served under.
    static var prefix: String { "/tlog/" }
    let files: StaticLogFiles?
    let next: Next

    func respond(to request: Request, context: Context) async throws -> Response {
        guard let files, request.uri.path.hasPrefix(Self.prefix) else { return try await next.respond(to: request, context: context) }
        guard request.method == .get || request.method == .head else {
            var headers = HTTPFields()
            headers[.allow] = "GET, HEAD"
            return Response(status: .methodNotAllowed, headers: headers)
        }
        let answer = await files.answer(path: String(request.uri.path.dropFirst(Self.prefix.count)))
        var headers = HTTPFields()
        headers[.contentType] = answer.contentType
        headers[.cacheControl] = answer.cacheControl
        headers[.contentLength] = String(answer.body.count)
        let body = request.method == .head ? ResponseBody() : ResponseBody(byteBuffer: ByteBuffer(bytes: answer.body))
        return Response(status: HTTPResponse.Status(code: answer.status), headers: headers, body: body)
    }
}
