import CanonicalJSON
import Foundation
import LedgerConsent
import LedgerCore

/// The consent decision as a CDS Hooks service, after the LEAP Consent Decision Service
/// (Specs/fhir-api.md §4.3): `patient-consent-consult` answers with one card, and every
/// answer is recorded on the ledger as an `access.decision` entry.
enum CDSConsult {
    /// The service id and path segment.
    static let serviceID = "patient-consent-consult"

    /// The consult's `context` read with the network's pseudonym key, at the current time.
    static func request(_ body: [UInt8], client: String?, key: PseudonymKey) -> Result<AccessRequest, APIFailure> {
        request(body, client: client, pseudonym: { try key.resolve(patient: $0) }, now: Int64(Date().timeIntervalSince1970 * 1000))
    }

    /// `GET /cds-services`.
    static func discovery() -> APIResponse {
        APIResponse(status: 200, json: .object([("services", .array([.object([
            ("hook", .string(serviceID)), ("id", .string(serviceID)),
            ("title", .string("CareLedger consent decision")),
            ("description", .string("Decides from the patient's consents held on the site's ledger and records the decision there (tamper-evident, synced to the network).")),
            ("prefetch", .object([])),
        ])]))]), contentType: "application/json")
    }

    /// The consult's `context`, read into an access request (§4.3 lists the members) asked
    /// through API client `client` (the token's name, §2).
    static func request(_ body: [UInt8], client: String?, pseudonym: (String) throws -> PatientPseudonym,
                        now: Int64) -> Result<AccessRequest, APIFailure> {
        guard case .object(let top)? = try? JSONParser.parse(body) else {
            return .failure(APIFailure(400, "structure", "the body is not a JSON object (a CDS Hooks request)", nil))
        }
        guard case .object(let context)? = top.first(where: { $0.0 == "context" })?.1 else {
            return .failure(APIFailure(400, "required", "the request has no context object", "context"))
        }
        func member(_ name: String) -> JSONValue? { context.first { $0.0 == name }?.1 }
        guard let patient = identifiers(member("patientId")).first else {
            return .failure(APIFailure(400, "required", "context.patientId needs one {system, value}", "context.patientId"))
        }
        let pseudonymised: PatientPseudonym
        do { pseudonymised = try pseudonym(patient) } catch {
            return .failure(APIFailure(400, "value", "context.patientId: \(error)", "context.patientId"))
        }
        guard let actor = identifiers(member("actor")).first else {
            return .failure(APIFailure(400, "required", "context.actor needs one {system, value} (value a reference like Organization/clinic-b)", "context.actor"))
        }
        guard let purpose = codes(member("purposeOfUse")).first else {
            return .failure(APIFailure(400, "required", "context.purposeOfUse needs a v3-ActReason code such as TREAT", "context.purposeOfUse"))
        }
        var emergency = false
        if let flag = member("emergency") {
            guard case .bool(let value) = flag else {
                return .failure(APIFailure(400, "value", "context.emergency must be true or false", "context.emergency"))
            }
            emergency = value
        }
        return .success(AccessRequest(patient: pseudonymised, actor: actor, purpose: purpose, classes: codes(member("class")),
                                      time: now, emergency: emergency, client: client))
    }

    /// `[{system, value}]` → `value` when it is a literal reference (`Type/id`), else `system|value`.
    private static func identifiers(_ value: JSONValue?) -> [String] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap { item in
            guard case .object(let m) = item, case .string(let value)? = m.first(where: { $0.0 == "value" })?.1 else { return nil }
            guard case .string(let system)? = m.first(where: { $0.0 == "system" })?.1 else { return value }
            return value.utf8.contains(UInt8(ascii: "/")) && !value.utf8.contains(UInt8(ascii: "|")) && !system.hasPrefix("urn:careledger:patient") ? value : "\(system)|\(value)"
        }
    }

    /// Strings, or codings `{system, code}`, → codes.
    private static func codes(_ value: JSONValue?) -> [String] {
        guard case .array(let items)? = value else { return [] }
        return items.compactMap { item in
            switch item {
            case .string(let code): return code
            case .object(let m): if case .string(let code)? = m.first(where: { $0.0 == "code" })?.1 { return code }; return nil
            default: return nil
            }
        }
    }

    /// The response: one card naming the decision, its reason, its basis and its audit entry.
    static func card(_ decision: AccessDecision, entry: Entry?, siteName: String) -> APIResponse {
        let summary = decision.basis.isEmpty && !decision.emergency ? "NO_CONSENT"
            : decision.outcome == .permit ? "CONSENT_PERMIT" : "CONSENT_DENY"
        let indicator = decision.emergency ? "critical" : decision.outcome == .permit ? "info" : "warning"
        var ext: [(String, JSONValue)] = [
            ("decision", .string(decision.outcome.rawValue)),
            ("basis", .array(decision.basis.map { .string($0.hex) })),
            ("emergency", .bool(decision.emergency)),
        ]
        if let entry { ext.append(("entry", .string(entry.id.hex))) }
        return APIResponse(status: 200, json: .object([("cards", .array([.object([
            ("summary", .string(summary)), ("detail", .string(decision.reason)), ("indicator", .string(indicator)),
            ("source", .object([("label", .string("CareLedger \(siteName)"))])),
            ("extension", .object(ext)),
        ])]))]), contentType: "application/json")
    }
}

/// A request the API refuses, before any answer is computed.
struct APIFailure: Error {
    let status: Int, code: String, message: String, expression: String?
    init(_ status: Int, _ code: String, _ message: String, _ expression: String?) {
        self.status = status; self.code = code; self.message = message; self.expression = expression
    }
    var response: APIResponse { .outcome(status, code: code, message, expression: expression) }
}

extension APIContext {
    /// `POST /cds-services/patient-consent-consult`, first half: the decision and the payload
    /// that records it (naming `client`); the caller records it (group commit) before answering.
    mutating func prepareConsult(_ body: [UInt8], client: String?) -> Result<(decision: AccessDecision, payload: [UInt8]), APIFailure> {
        // The key, not `state.consent`: a second reference to the engine would make the load
        // below copy every version held.
        let key: PseudonymKey
        do { key = try ledger.pseudonymKey() } catch {
            return .failure(APIFailure(500, "exception", "the site's pseudonym key is unusable: \(error)", nil))
        }
        return CDSConsult.request(body, client: client, key: key).flatMap { prepareConsult($0) }
    }

    /// The second half for a request read already (``CDSConsult/request(_:client:key:)``, off
    /// the ledger's queue): the patient's consents loaded, the decision and its payload.
    mutating func prepareConsult(_ request: AccessRequest) -> Result<(decision: AccessDecision, payload: [UInt8]), APIFailure> {
        do { try state.load([request.patient], from: ledger) } catch {
            return .failure(APIFailure(500, "exception", "the site could not read the patient's consents: \(error)", nil))
        }
        return .success(state.consent.decisionForRecording(request))
    }
}
