import CanonicalJSON

/// `GET /fhir/metadata`: an R4 CapabilityStatement listing exactly what the API implements
/// (Specs/fhir-api.md §4.1).
enum CapabilityStatementView {
    static func response() -> APIResponse {
        func interactions(_ codes: [String]) -> JSONValue {
            .array(codes.map { .object([("code", .string($0))]) })
        }
        func parameters(_ list: [(String, String)]) -> JSONValue {
            .array(list.map { .object([("name", .string($0.0)), ("type", .string($0.1))]) })
        }
        let resources: [JSONValue] = [
            .object([
                ("type", .string("Consent")),
                ("interaction", interactions(["read", "vread", "update", "history-instance", "create", "search-type"])),
                ("versioning", .string("versioned")),
                ("searchParam", parameters([("patient", "token"), ("status", "token"), ("date", "date"), ("actor", "reference"),
                                            ("purpose", "token"), ("_count", "number"), ("_offset", "number")])),
            ]),
            .object([
                ("type", .string("AuditEvent")),
                ("interaction", interactions(["search-type"])),
                ("searchParam", parameters([("patient", "token"), ("outcome", "token"), ("agent", "string"), ("date", "date"),
                                            ("_count", "number"), ("_offset", "number")])),
            ]),
            .object([("type", .string("Provenance")), ("interaction", interactions(["read"]))]),
        ]
        return APIResponse(status: 200, json: .object([
            ("resourceType", .string("CapabilityStatement")),
            ("status", .string("active")),
            ("date", .string("2026-12-05")),
            ("kind", .string("instance")),
            ("software", .object([("name", .string("CareLedger"))])),
            ("implementation", .object([("description", .string("CareLedger site API: consents, consent decisions and their audit trail"))])),
            ("fhirVersion", .string("4.0.1")),
            ("format", .array([.string("application/fhir+json")])),
            ("rest", .array([.object([
                ("mode", .string("server")),
                ("security", .object([("description", .string("Bearer tokens from `careledger api-token`; every endpoint but /fhir/metadata and /cds-services needs one."))])),
                ("resource", .array(resources)),
            ])])),
        ]))
    }
}
