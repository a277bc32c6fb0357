import CanonicalJSON
import LedgerConsent
import LedgerCore

/// Recorded access decisions as FHIR R4 AuditEvents shaped after IHE BALP `AuthZconsent`
/// (Specs/fhir-api.md §4.4).
enum AuditEventView {
    static let dicom = "http://dicom.nema.org/resources/ontology/DCM"
    static let balpSubtype = "https://profiles.ihe.net/ITI/BALP/CodeSystem/AuthZsubType"
    /// The extension carrying the ledger entry id of the decision.
    static let entryExtension = "urn:careledger:fhir:ledger-entry"
    /// The identifier system of an API client: the value is the token's name (§2), never the token.
    static let apiClientSystem = "urn:careledger:api-client"

    static func resource(_ recorded: ConsentAPIState.RecordedDecision, siteName: String) -> JSONValue {
        let decision = recorded.decision
        let request = decision.request
        let actor: JSONValue = request.actor.contains("/") && !request.actor.contains("|")
            ? .object([("reference", .string(request.actor))])
            : .object([("identifier", .object([("value", .string(request.actor))]))])
        var entities: [JSONValue] = [.object([
            ("what", .object([("identifier", .object([
                ("system", .string(PseudonymKey.pseudonymSystem)), ("value", .string(request.patient.hex)),
            ]))])),
            ("type", .object([("system", .string("http://terminology.hl7.org/CodeSystem/audit-entity-type")), ("code", .string("1")), ("display", .string("Person"))])),
            ("role", .object([("system", .string("http://terminology.hl7.org/CodeSystem/object-role")), ("code", .string("1")), ("display", .string("Patient"))])),
        ])]
        entities += decision.basis.map { id in .object([
            ("what", .object([("identifier", .object([
                ("system", .string("urn:careledger:consent-version")), ("value", .string(id.hex)),
            ]))])),
            ("type", .object([("system", .string("http://terminology.hl7.org/CodeSystem/audit-entity-type")), ("code", .string("2")), ("display", .string("System Object"))])),
        ]) }
        let members: [(String, JSONValue)] = [
            ("resourceType", .string("AuditEvent")),
            ("id", .string(recorded.id.hex)),
            ("extension", .array([.object([("url", .string(entryExtension)), ("valueString", .string(recorded.id.hex))])])),
            ("type", .object([("system", .string(dicom)), ("code", .string("110113")), ("display", .string("Security Alert"))])),
            ("subtype", .array([.object([("system", .string(balpSubtype)), ("code", .string("AuthZ-Consent")),
                                         ("display", .string("Authorization Decision using Roles and Consent"))])])),
            ("action", .string("E")),
            ("recorded", .string(FHIRDateTime.format(Int64(clamping: recorded.time.wallMillis)))),
            ("outcome", .string(decision.outcome == .permit ? "0" : "4")),
            ("outcomeDesc", .string(decision.reason)),
            ("purposeOfEvent", .array([.object([("coding", .array([.object([
                ("system", .string("http://terminology.hl7.org/CodeSystem/v3-ActReason")), ("code", .string(request.purpose)),
            ])]))])])),
            ("agent", .array([
                .object([("who", actor), ("requestor", .bool(true))]),
                .object([
                    ("type", .object([("coding", .array([.object([
                        ("system", .string("http://terminology.hl7.org/CodeSystem/extra-security-role-type")),
                        ("code", .string("authserver")), ("display", .string("authorization server")),
                    ])]))])),
                    ("who", .object([("identifier", .object([
                        ("system", .string("urn:careledger:site-key")), ("value", .string(recorded.author.hex)),
                    ]))])),
                    ("requestor", .bool(false)),
                ]),
            ] + clientAgent(request.client))),
            ("source", .object([("observer", .object([("display", .string("CareLedger \(siteName)"))]))])),
            ("entity", .array(entities)),
        ]
        return .object(members)
    }

    /// BALP's client agent: the application that sent the request (DCM 110153 Source Role ID),
    /// for a decision asked through the API (Specs/fhir-api.md §4.4); none for one made at the site.
    static func clientAgent(_ client: String?) -> [JSONValue] {
        guard let client else { return [] }
        return [.object([
            ("type", .object([("coding", .array([.object([
                ("system", .string(dicom)), ("code", .string("110153")), ("display", .string("Source Role ID")),
            ])]))])),
            ("who", .object([
                ("identifier", .object([("system", .string(apiClientSystem)), ("value", .string(client))])),
                ("display", .string("API client \(client)")),
            ])),
            ("requestor", .bool(false)),
        ])]
    }
}

/// A FHIR date search parameter: a prefix and the range of instants its value covers
/// (`2026-01-01` is the whole day), compared as FHIR search says (§4.4).
struct DateBound {
    let prefix: String
    let low: Int64
    let high: Int64

    /// Every `date` parameter of `request`, or the 400 for the first that is not one.
    static func parseAll(_ request: APIRequest) -> Result<[DateBound], SearchPage.Failure> {
        var bounds: [DateBound] = []
        for (name, value) in request.query where name == "date" {
            guard let bound = parse(value) else {
                return .failure(SearchPage.Failure(response: .outcome(
                    400, code: "value", "date must be a prefix (eq, ge, gt, le, lt) and a FHIR date or dateTime, e.g. ge2026-01-01", expression: "date")))
            }
            bounds.append(bound)
        }
        return .success(bounds)
    }

    static func parse(_ text: String) -> DateBound? {
        let prefix = ["eq", "ge", "gt", "le", "lt"].first { text.hasPrefix($0) }
        let value = prefix == nil ? text : String(text.dropFirst(2))
        guard let low = FHIRDateTime.parse(value), let high = FHIRDateTime.parse(value, roundUp: true) else { return nil }
        return DateBound(prefix: prefix ?? "eq", low: low, high: high)
    }

    /// The instants all of `bounds` admit, as an inclusive range (nil ends are open).
    static func interval(_ bounds: [DateBound]) -> (earliest: Int64?, latest: Int64?) {
        var earliest: Int64?, latest: Int64?
        func atLeast(_ t: Int64) { earliest = max(earliest ?? t, t) }
        func atMost(_ t: Int64) { latest = min(latest ?? t, t) }
        for bound in bounds {
            switch bound.prefix {
            case "ge": atLeast(bound.low)
            case "gt": atLeast(bound.high &+ 1)
            case "le": atMost(bound.high)
            case "lt": atMost(bound.low &- 1)
            default: atLeast(bound.low); atMost(bound.high)
            }
        }
        return (earliest, latest)
    }

    func holds(_ time: Int64) -> Bool {
        switch prefix {
        case "ge": return time >= low
        case "gt": return time > high
        case "le": return time <= high
        case "lt": return time < low
        default: return low <= time && time <= high
        }
    }
}
