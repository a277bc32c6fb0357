import CanonicalJSON
import LedgerCore

/// Consent versions → FHIR R4 `Consent` resources and a `Bundle` (type collection) (Specs/consent.md §4.5).
///
/// The patient appears only as its pseudonym (identifier system `PseudonymKey.pseudonymSystem`),
/// and each resource carries the CareLedger version extension (ledger version id and the ids it
/// supersedes), so importing an export gives back exactly the same model.
public enum FHIRConsentExporter {
    /// One `Consent` resource as a JSON value (members in FHIR's conventional order).
    public static func resource(_ version: RecordedConsentVersion) -> JSONValue {
        let c = version.content
        var m: [(String, JSONValue)] = [
            ("resourceType", .string("Consent")),
            ("id", .string(c.key.consentId)),
            ("meta", .object([
                ("versionId", .string(version.id.hex)),
                ("lastUpdated", .string(FHIRDateTime.format(Int64(clamping: version.time.wallMillis)))),
            ])),
        ]
        var parts: [JSONValue] = [.object([("url", .string("versionId")), ("valueString", .string(version.id.hex))])]
        parts += c.supersedes.map { .object([("url", .string("supersedes")), ("valueString", .string($0.hex))]) }
        m.append(("extension", .array([.object([
            ("url", .string(FHIRConsentImporter.versionExtensionURL)), ("extension", .array(parts)),
        ])])))
        m.append(("status", .string(c.status.rawValue)))
        m.append(("scope", concept(c.scope)))
        m.append(("category", .array(c.category.map(concept))))
        m.append(("patient", .object([("identifier", .object([
            ("system", .string(PseudonymKey.pseudonymSystem)), ("value", .string(c.key.patient.hex)),
        ]))])))
        if let dateTime = c.dateTime { m.append(("dateTime", .string(FHIRDateTime.format(dateTime)))) }
        if !c.organizations.isEmpty { m.append(("organization", .array(c.organizations.map(reference)))) }
        if !c.policies.isEmpty { m.append(("policy", .array(c.policies.map { .object([("uri", .string($0))]) }))) }
        if let rule = c.policyRule { m.append(("policyRule", concept(rule))) }
        if let p = c.provision { m.append(("provision", provision(p))) }
        return .object(m)
    }

    /// A `Bundle` of type `collection` holding one `Consent` per version, as indented JSON bytes.
    public static func bundle(_ versions: [RecordedConsentVersion]) -> [UInt8] {
        var m: [(String, JSONValue)] = [("resourceType", .string("Bundle")), ("type", .string("collection"))]
        if !versions.isEmpty {
            m.append(("entry", .array(versions.map { .object([
                ("fullUrl", .string("urn:careledger:consent-version:\($0.id.hex)")), ("resource", resource($0)),
            ]) })))
        }
        return JSONWriter.pretty(.object(m))
    }

    /// One `Consent` as indented JSON bytes.
    public static func resourceBytes(_ version: RecordedConsentVersion) -> [UInt8] {
        JSONWriter.pretty(resource(version))
    }

    static func coding(_ c: Coding) -> JSONValue {
        var m: [(String, JSONValue)] = []
        if let system = c.system { m.append(("system", .string(system))) }
        m.append(("code", .string(c.code)))
        if let display = c.display { m.append(("display", .string(display))) }
        return .object(m)
    }

    static func concept(_ c: Concept) -> JSONValue {
        var m: [(String, JSONValue)] = []
        if !c.codings.isEmpty { m.append(("coding", .array(c.codings.map(coding)))) }
        if let text = c.text { m.append(("text", .string(text))) }
        return .object(m)
    }

    static func reference(_ r: String) -> JSONValue { .object([("reference", .string(r))]) }

    static func period(_ p: ConsentPeriod) -> JSONValue {
        var m: [(String, JSONValue)] = []
        if let start = p.start { m.append(("start", .string(FHIRDateTime.format(start)))) }
        if let end = p.end { m.append(("end", .string(FHIRDateTime.format(end)))) }
        return .object(m)
    }

    static func provision(_ p: ConsentProvision) -> JSONValue {
        var m: [(String, JSONValue)] = []
        if let type = p.type { m.append(("type", .string(type.rawValue))) }
        if let validity = p.period { m.append(("period", period(validity))) }
        if !p.actors.isEmpty {
            m.append(("actor", .array(p.actors.map { .object([("role", concept($0.role)), ("reference", reference($0.reference))]) })))
        }
        if !p.actions.isEmpty { m.append(("action", .array(p.actions.map(concept)))) }
        if !p.securityLabels.isEmpty { m.append(("securityLabel", .array(p.securityLabels.map(coding)))) }
        if !p.purposes.isEmpty { m.append(("purpose", .array(p.purposes.map(coding)))) }
        if !p.classes.isEmpty { m.append(("class", .array(p.classes.map(coding)))) }
        if !p.codes.isEmpty { m.append(("code", .array(p.codes.map(concept)))) }
        if let dp = p.dataPeriod { m.append(("dataPeriod", period(dp))) }
        if !p.provisions.isEmpty { m.append(("provision", .array(p.provisions.map(provision)))) }
        return .object(m)
    }
}
