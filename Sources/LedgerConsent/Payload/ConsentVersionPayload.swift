import CanonicalJSON
import LedgerCore

/// The canonical JSON payload of a `consent.version` ledger entry (Specs/consent.md §3).
///
/// Entries are hashed and signed, so the payload must have exactly one byte form: keys
/// sorted, no whitespace, empty lists omitted. `decode` accepts only that form; anything
/// else (unknown members, wrong types, extra spaces) is refused with the path at fault.
public enum ConsentVersionPayload {
    /// The ledger entry kind that carries a consent version.
    public static let kind = "consent.version"
    /// The payload format version written in member `format`.
    public static let formatVersion: Int64 = 1
    /// The format of a payload with `policies` (Specs/trials.md §5.2); one without stays format 1.
    public static let policiesFormatVersion: Int64 = 2
    /// The format of a payload with an original anchor, policy references or provision data
    /// (Specs/consent.md §3.3); formats 1 and 2 are unchanged.
    public static let originalsFormatVersion: Int64 = 3

    /// The format `content` is written in: the lowest that holds every member it has.
    public static func format(of content: ConsentVersionContent) -> Int64 {
        content.needsFormat3 ? originalsFormatVersion : content.policies.isEmpty ? formatVersion : policiesFormatVersion
    }

    /// The canonical payload bytes of `content`.
    public static func encode(_ content: ConsentVersionContent) -> [UInt8] {
        JSONWriter.canonical(json(content))
    }

    /// Decodes a canonical payload; throws for any other byte form.
    /// - Throws: `ConsentError` naming the JSON path (rooted at `$`) or byte offset at fault.
    ///
    /// The usual canonical form is read by ``ConsentPayloadScanner`` (no JSON tree); anything
    /// else by the full decoder, which gives the same content or names the fault. Either way
    /// the bytes must be the content's encoding: what a site accepts onto its ledger never
    /// rests on the scanner's own idea of canonical.
    public static func decode(_ bytes: [UInt8]) throws(ConsentError) -> ConsentVersionContent {
        if let content = ConsentPayloadScanner.scan(bytes) {
            try PayloadValues.requireCanonical(bytes, encode(content))
            return content
        }
        return try decodeFully(bytes)
    }

    /// ``decode(_:)`` through the JSON tree and the strict member readers only (what the
    /// scanner must agree with; its errors name the path at fault).
    static func decodeFully(_ bytes: [UInt8]) throws(ConsentError) -> ConsentVersionContent {
        let value = try ConsentJSON.parse(bytes)
        let content = try content(value)
        try PayloadValues.requireCanonical(bytes, encode(content))
        return content
    }

    /// Decodes a payload the site's derived-state index has already decoded with
    /// ``decode(_:)`` (it lists only those as consent versions): the same content, without
    /// encoding it again to prove the byte form canonical — that was proved when it was indexed.
    /// - Throws: `ConsentError` as ``decode(_:)``, but a non-canonical byte form is not refused.
    public static func decode(indexed bytes: [UInt8]) throws(ConsentError) -> ConsentVersionContent {
        if let content = ConsentPayloadScanner.scan(bytes) { return content }
        return try content(try ConsentJSON.parse(bytes))
    }

    static func json(_ c: ConsentVersionContent) -> JSONValue {
        var m: [(String, JSONValue)] = [
            ("format", .number(JSONNumber(format(of: c)))),
            ("patient", .string(c.key.patient.hex)),
            ("consent_id", .string(c.key.consentId)),
            ("status", .string(c.status.rawValue)),
            ("scope", PayloadValues.concept(c.scope)),
        ]
        if !c.category.isEmpty { m.append(("category", .array(c.category.map(PayloadValues.concept)))) }
        if let dateTime = c.dateTime { m.append(("date_time", .number(JSONNumber(dateTime)))) }
        if let rule = c.policyRule { m.append(("policy_rule", PayloadValues.concept(rule))) }
        if !c.organizations.isEmpty { m.append(("organizations", .array(c.organizations.map { .string($0) }))) }
        if let provision = c.provision { m.append(("provision", provisionJSON(provision))) }
        if !c.supersedes.isEmpty { m.append(("supersedes", .array(c.supersedes.map { .string($0.hex) }))) }
        if !c.policies.isEmpty { m.append(("policies", .array(c.policies.map { .string($0) }))) }
        if !c.policyReferences.isEmpty { m.append(("policy_refs", .array(c.policyReferences.map(PayloadValues.policyReference)))) }
        if let original = c.original { m.append(("original", .string(original.hex))) }
        return .object(m)
    }

    static func provisionJSON(_ p: ConsentProvision) -> JSONValue {
        var m: [(String, JSONValue)] = []
        if let type = p.type { m.append(("type", .string(type.rawValue))) }
        if let period = p.period { m.append(("period", PayloadValues.period(period))) }
        if !p.actors.isEmpty {
            m.append(("actors", .array(p.actors.map { .object([("reference", .string($0.reference)), ("role", PayloadValues.concept($0.role))]) })))
        }
        if !p.actions.isEmpty { m.append(("actions", .array(p.actions.map(PayloadValues.concept)))) }
        if !p.securityLabels.isEmpty { m.append(("security_labels", .array(p.securityLabels.map(PayloadValues.coding)))) }
        if !p.purposes.isEmpty { m.append(("purposes", .array(p.purposes.map(PayloadValues.coding)))) }
        if !p.classes.isEmpty { m.append(("classes", .array(p.classes.map(PayloadValues.coding)))) }
        if !p.codes.isEmpty { m.append(("codes", .array(p.codes.map(PayloadValues.concept)))) }
        if let dp = p.dataPeriod { m.append(("data_period", PayloadValues.period(dp))) }
        if !p.provisions.isEmpty { m.append(("provisions", .array(p.provisions.map(provisionJSON)))) }
        if !p.data.isEmpty { m.append(("data", .array(p.data.map(PayloadValues.data)))) }
        return .object(m)
    }

    static func content(_ value: JSONValue) throws(ConsentError) -> ConsentVersionContent {
        var r = try JSONObjectReader(value, path: "$")
        let (patient, format) = try PayloadValues.decodeHeader(&r, formatVersions: formatVersion...originalsFormatVersion)
        let consentId = try JSONRead.string(try r.required("consent_id"), r.child("consent_id"))
        let statusText = try JSONRead.string(try r.required("status"), r.child("status"))
        guard let status = ConsentStatus(rawValue: statusText) else {
            throw ConsentError(.invalidValue, "unknown status code", path: r.child("status"))
        }
        let scope = try PayloadValues.decodeConcept(try r.required("scope"), r.child("scope"))
        let category = try r.list("category", PayloadValues.decodeConcept)
        let dateTime = try r.optional("date_time").map { (x) throws(ConsentError) in try PayloadValues.instant(x, r.child("date_time")) }
        let rule = try r.optional("policy_rule").map { (x) throws(ConsentError) in try PayloadValues.decodeConcept(x, r.child("policy_rule")) }
        let organizations = try r.list("organizations", PayloadValues.string)
        let provision = try r.optional("provision").map { (x) throws(ConsentError) in try provisionReader.read(x, r.child("provision"), depth: 1) }
        let supersedes = try r.list("supersedes", PayloadValues.hash)
        let policies = try r.list("policies", PayloadValues.string)
        let references = try r.list("policy_refs", PayloadValues.decodePolicyReference)
        let original = try r.optional("original").map { (x) throws(ConsentError) in try PayloadValues.hash(x, r.child("original")) }
        try r.finish(.invalidValue)
        let content = ConsentVersionContent(
            key: ConsentKey(patient: patient, consentId: consentId), status: status, scope: scope, category: category,
            dateTime: dateTime, policyRule: rule, organizations: organizations, provision: provision, supersedes: supersedes,
            policies: policies, policyReferences: references, original: original)
        // Each format is exactly the payloads with its members (Specs/consent.md §3.3, Specs/trials.md §5.2).
        guard format == self.format(of: content) else {
            throw ConsentError(.invalidValue, format == policiesFormatVersion ? "unsupported payload format 2 without policies (format 2 is a payload with policies and none of format 3's members)"
                                              : format == formatVersion ? "policies need payload format 2 (and original, policy_refs or provision data format 3)"
                                              : "payload format 3 needs original, policy_refs or provision data; write format \(self.format(of: content))", path: "$.format")
        }
        return content
    }

    /// The deepest nesting of provisions accepted (the root is depth 1).
    public static let maxProvisionDepth = 16

    /// A provision in payload form: payload names and values, unknown members refused.
    static var provisionReader: ProvisionReader {
        ProvisionReader(
            names: .init(
                actors: "actors", actions: "actions", securityLabels: "security_labels", purposes: "purposes",
                classes: "classes", codes: "codes", dataPeriod: "data_period", provisions: "provisions", data: "data"),
            code: PayloadValues.string, concept: PayloadValues.decodeConcept, coding: PayloadValues.decodeCoding,
            period: PayloadValues.decodePeriod, actor: PayloadValues.decodeActor, data: PayloadValues.decodeData, refusal: .invalidValue)
    }
}
