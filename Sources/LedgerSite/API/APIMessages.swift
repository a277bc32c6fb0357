import CanonicalJSON

/// One HTTP request to the site's API, as the HTTP layer hands it over (Specs/fhir-api.md).
///
/// Why plain values: the API's rules live in this library, testable and embeddable without an
/// HTTP server; the `LedgerHTTP` target only moves bytes between the network and these.
public struct APIRequest: Sendable {
    /// `GET`, `POST`, `PUT`, …
    public var method: String
    /// The path without the query, e.g. `/fhir/Consent/abc`.
    public var path: String
    /// Query parameters in order, percent-decoded.
    public var query: [(name: String, value: String)]
    /// The `Authorization` header, if any.
    public var authorization: String?
    /// The body (already bounded by the HTTP layer).
    public var body: [UInt8]

    /// Creates a request.
    public init(method: String, path: String, query: [(name: String, value: String)] = [], authorization: String? = nil,
                body: [UInt8] = []) {
        self.method = method
        self.path = path
        self.query = query
        self.authorization = authorization
        self.body = body
    }

    /// The first value of query parameter `name`.
    public func parameter(_ name: String) -> String? { query.first { $0.name == name }?.value }
}

/// The API's answer: status, headers and a JSON body.
public struct APIResponse: Sendable {
    /// The HTTP status code.
    public var status: Int
    /// Extra headers (the content type is always `application/fhir+json` or `application/json`).
    public var headers: [(name: String, value: String)]
    /// The body bytes.
    public var body: [UInt8]
    /// `application/fhir+json` for FHIR resources, `application/json` for CDS Hooks.
    public var contentType: String
    /// The name of the API token that made the request, once it is known (for the access log).
    public var client: String?

    /// A JSON response.
    public init(status: Int, json: JSONValue, headers: [(name: String, value: String)] = [],
                contentType: String = "application/fhir+json") {
        self.status = status
        self.headers = headers
        self.body = JSONWriter.pretty(json)
        self.contentType = contentType
    }

    /// The body parsed back, for tests and clients of the library.
    public var json: JSONValue? { try? JSONParser.parse(body) }

    /// A FHIR `OperationOutcome` with one issue (Specs/fhir-api.md §6): the status, the FHIR
    /// issue type code, what went wrong for a person, and the FHIRPath of the element at fault.
    public static func outcome(_ status: Int, code: String, _ diagnostics: String, expression: String? = nil,
                               severity: String = "error") -> APIResponse {
        var issue: [(String, JSONValue)] = [
            ("severity", .string(severity)), ("code", .string(code)), ("diagnostics", .string(diagnostics)),
        ]
        if let expression { issue.append(("expression", .array([.string(expression)]))) }
        return APIResponse(status: status, json: .object([
            ("resourceType", .string("OperationOutcome")), ("issue", .array([.object(issue)])),
        ]))
    }
}
