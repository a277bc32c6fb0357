import CanonicalJSON
import Foundation
import LedgerConsent
import LedgerCore

/// Consent create, update, read, history and search (Specs/fhir-api.md §4.2).
extension APIContext {
    /// `POST /fhir/Consent` (`id` nil) and `PUT /fhir/Consent/{id}`: the same validation and
    /// ledger write as `consent import`.
    mutating func writeConsent(_ body: [UInt8], id: String?) -> APIResponse {
        guard case .object(var members)? = try? JSONParser.parse(body) else {
            return .outcome(400, code: "structure", "the body is not a JSON object (a FHIR R4 Consent resource)")
        }
        guard members.first(where: { $0.0 == "resourceType" })?.1 == .string("Consent") else {
            return .outcome(400, code: "structure", "the body's resourceType must be \"Consent\"", expression: "resourceType")
        }
        if id == nil && !members.contains(where: { $0.0 == "id" }) {
            // A create without an id: the server names the consent (§4.2).
            members.insert(("id", .string(UUID().uuidString.lowercased())), at: 1)
        }
        if let id {
            switch members.first(where: { $0.0 == "id" })?.1 {
            case nil: members.append(("id", .string(id)))
            case .string(id)?: break
            default:
                return .outcome(400, code: "invalid", "the body's id must equal the id in the URL (\(id))", expression: "Consent.id")
            }
        }
        let document = JSONWriter.canonical(.object(members))
        let imported: (entries: [Entry], skipped: Int)
        do {
            // The versions already held of the body's patient decide what the new one supersedes.
            try state.load(Self.patients(in: document, ledger: ledger), from: ledger)
            imported = try state.consent.importFHIR([(name: "the request body", bytes: document)])
        } catch let error as SiteError {
            let cause = error.underlying as? ConsentError
            return .outcome(422, code: "processing", cause?.description ?? error.message,
                            expression: cause?.path.map(Self.fhirPath))
        } catch {
            return .outcome(500, code: "exception", "the consent could not be written: \(error)")
        }
        written += imported.entries
        for entry in imported.entries {
            guard let content = try? ConsentVersionPayload.decode(entry.payload) else { continue }
            if state.index == nil { state.consentsByID[content.key.consentId, default: []].insert(content.key) }
            guard let version = state.consent.engine.version(entry.id, patient: content.key.patient) else { continue }
            var headers = Self.versionHeaders(version)
            headers.append((name: "Location", value: "/fhir/Consent/\(version.content.key.consentId)/_history/\(version.id.hex)"))
            return APIResponse(status: 201, json: state.consent.fhirResource(version), headers: headers)
        }
        // Already held: the request repeated a version the site has.
        guard case .string(let consentID)? = members.first(where: { $0.0 == "id" })?.1,
              case .found(let version)? = try? currentVersion(consentID) else {
            return .outcome(200, code: "informational", "this consent version is already held; nothing was written", severity: "information")
        }
        return APIResponse(status: 200, json: state.consent.fhirResource(version), headers: Self.versionHeaders(version))
    }

    /// `GET /fhir/Consent/{id}`: the current version (the newest head when versions conflict,
    /// with every head named in `X-CareLedger-Heads`).
    mutating func readConsent(_ id: String) -> APIResponse {
        let lookup: Lookup
        do { lookup = try currentVersion(id) } catch {
            return .outcome(500, code: "exception", "the site could not read its consents: \(error)")
        }
        switch lookup {
        case .missing: return .outcome(404, code: "not-found", "no Consent with id \(id) at this site", expression: "Consent.id")
        case .ambiguous(let count):
            return .outcome(409, code: "conflict", "the id \(id) names consents of \(count) patients; search with ?patient= instead", expression: "Consent.id")
        case .found(let version):
            var headers = Self.versionHeaders(version)
            let heads = state.consent.engine.heads(of: version.content.key)
            if heads.count > 1 { headers.append((name: "X-CareLedger-Heads", value: heads.map(\.hex).joined(separator: ","))) }
            return APIResponse(status: 200, json: state.consent.fhirResource(version), headers: headers)
        }
    }

    /// `GET /fhir/Consent/{id}/_history`: every version, newest first, as a `history` Bundle.
    mutating func history(_ id: String) -> APIResponse {
        guard let key = try? uniqueKey(id) else { return readConsent(id) }
        let versions = state.consent.engine.versions(patient: key.patient).filter { $0.content.key == key }.reversed()
        return APIResponse(status: 200, json: Self.bundle(type: "history", versions.map { state.consent.fhirResource($0) }, total: versions.count))
    }

    /// `GET /fhir/Consent/{id}/_history/{vid}`.
    mutating func version(_ id: String, _ versionID: String) -> APIResponse {
        guard let key = try? uniqueKey(id) else { return readConsent(id) }
        guard let hash = Hash32(hex: versionID), let version = state.consent.engine.version(hash, patient: key.patient),
              version.content.key == key else {
            return .outcome(404, code: "not-found", "Consent \(id) has no version \(versionID)", expression: "Consent.meta.versionId")
        }
        return APIResponse(status: 200, json: state.consent.fhirResource(version), headers: Self.versionHeaders(version))
    }

    /// What an id names among the consents held.
    enum Lookup { case missing, ambiguous(Int), found(RecordedConsentVersion) }

    mutating func currentVersion(_ id: String) throws -> Lookup {
        let keys = try state.keys(ofConsentID: id, from: ledger)
        guard let key = keys.first else { return .missing }
        guard keys.count == 1 else { return .ambiguous(keys.count) }
        let heads = state.consent.engine.heads(patient: key.patient)[key] ?? []
        guard let newest = heads.max(by: { $1.isLater(than: $0) }) else { return .missing }
        return .found(newest)
    }

    private mutating func uniqueKey(_ id: String) throws -> ConsentKey? {
        let keys = try state.keys(ofConsentID: id, from: ledger)
        guard keys.count == 1 else { return nil }
        return keys.first
    }

    /// The patients a Consent document names, pseudonymised (none when it does not read: the
    /// import then reports why).
    static func patients(in document: [UInt8], ledger: SiteLedger) throws -> [PatientPseudonym] {
        let importer = FHIRConsentImporter(pseudonymKey: try ledger.pseudonymKey())
        guard let read = try? importer.read(document, engine: ConsentEngine()) else { return [] }
        return read.map(\.content.key.patient)
    }

    /// The `ETag` and `Last-Modified` of a version (§4.2).
    static func versionHeaders(_ version: RecordedConsentVersion) -> [(name: String, value: String)] {
        [(name: "ETag", value: "W/\"\(version.id.hex)\""),
         (name: "Last-Modified", value: HTTPDate.format(millis: Int64(clamping: version.time.wallMillis)))]
    }

    /// A Bundle of `type` holding `resources`, with `links` (`relation`, `url`) when given.
    static func bundle(type: String, _ resources: [JSONValue], total: Int, links: [(relation: String, url: String)] = []) -> JSONValue {
        var members: [(String, JSONValue)] = [
            ("resourceType", .string("Bundle")), ("type", .string(type)), ("total", .number(JSONNumber(total))),
        ]
        if !links.isEmpty {
            members.append(("link", .array(links.map { .object([("relation", .string($0.relation)), ("url", .string($0.url))]) })))
        }
        if !resources.isEmpty {
            members.append(("entry", .array(resources.map { resource in
                var entry: [(String, JSONValue)] = []
                if case .object(let m) = resource, let kind = m.first(where: { $0.0 == "resourceType" })?.1,
                   let id = m.first(where: { $0.0 == "id" })?.1, case .string(let k) = kind, case .string(let i) = id {
                    entry.append(("fullUrl", .string("urn:careledger:\(k):\(i)")))
                }
                entry.append(("resource", resource))
                if type == "searchset" { entry.append(("search", .object([("mode", .string("match"))]))) }
                return .object(entry)
            })))
        }
        return .object(members)
    }

    /// `$.provision.actor[0]` → `Consent.provision.actor[0]` (FHIRPath of the element at fault).
    static func fhirPath(_ jsonPath: String) -> String {
        jsonPath.hasPrefix("$") ? "Consent" + jsonPath.dropFirst() : jsonPath
    }
}

/// `_count` and `_offset` of a search (§4.5): 1–1000 (default 50) and ≥ 0.
struct SearchPage {
    var count = 50
    var offset = 0

    struct Failure: Error { let response: APIResponse }

    static func parse(_ request: APIRequest) -> Result<SearchPage, Failure> {
        var page = SearchPage()
        if let text = request.parameter("_count") {
            guard let value = Int(text), (1...1000).contains(value) else {
                return .failure(Failure(response: .outcome(400, code: "value", "_count must be 1–1000", expression: "_count")))
            }
            page.count = value
        }
        if let text = request.parameter("_offset") {
            guard let value = Int(text), value >= 0 else {
                return .failure(Failure(response: .outcome(400, code: "value", "_offset must be a whole number ≥ 0", expression: "_offset")))
            }
            page.offset = value
        }
        return .success(page)
    }
}
