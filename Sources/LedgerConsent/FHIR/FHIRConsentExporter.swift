import CanonicalJSON
import LedgerCore

/// Consent versions → FHIR R4 `Consent` resources and a `Bundle` (type collection) (Specs/consent.md §4.5).
///
/// The patient appears only as its pseudonym (identifier system `PseudonymKey.pseudonymSystem`),
/// and each resource carries the CareLedger version extension (ledger version id and the ids it
/// supersedes), so importing an export gives back exactly the same model.
public enum FHIRConsentExporter {
    /// One `Consent` resource as a JSON value.
    ///
    /// - Parameter original: the resource the version was imported from, when this site holds
    ///   it (its originals store): then the export is that resource, every element, with `meta`
    ///   replaced by the version's (`versionId`, `lastUpdated`, the CareLedger extension).
    ///   Without it, the ledger's view, naming the original's anchor (Specs/consent.md §4.6).
    public static func resource(_ version: RecordedConsentVersion, original: JSONValue?) -> JSONValue {
        if let original, case .object(let members) = original {
            let meta = JSONValue.object([
                ("versionId", .string(version.id.hex)),
                ("lastUpdated", .string(FHIRDateTime.format(Int64(clamping: version.time.wallMillis)))),
                ("extension", .array([versionExtension(version)])),
            ])
            var out = members.filter { $0.0 != "meta" }
            let at = (out.firstIndex { $0.0 == "id" }).map { $0 + 1 } ?? min(1, out.count)
            out.insert(("meta", meta), at: at)
            return .object(out)
        }
        return resource(version)
    }

    static func versionExtension(_ version: RecordedConsentVersion) -> JSONValue {
        var parts: [JSONValue] = [.object([("url", .string("versionId")), ("valueString", .string(version.id.hex))])]
        parts += version.content.supersedes.map { .object([("url", .string("supersedes")), ("valueString", .string($0.hex))]) }
        return .object([("url", .string(FHIRConsentImporter.versionExtensionURL)), ("extension", .array(parts))])
    }

    /// One `Consent` resource in the ledger's view (members in FHIR's conventional order).
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
        var extensions = [versionExtension(version)]
        if let original = c.original {
            extensions.append(.object([("url", .string(FHIRConsentImporter.originalExtensionURL)), ("valueString", .string(original.hex))]))
        }
        m.append(("extension", .array(extensions)))
        m.append(("status", .string(c.status.rawValue)))
        m.append(("scope", concept(c.scope)))
        m.append(("category", .array(c.category.map(concept))))
        m.append(("patient", .object([("identifier", .object([
            ("system", .string(PseudonymKey.pseudonymSystem)), ("value", .string(c.key.patient.hex)),
        ]))])))
        if let dateTime = c.dateTime { m.append(("dateTime", .string(FHIRDateTime.format(dateTime)))) }
        if !c.organizations.isEmpty { m.append(("organization", .array(c.organizations.map(reference)))) }
        var policies: [JSONValue] = c.policies.map { .object([("uri", .string($0))]) }
        policies += c.policyReferences.map { p in
            var m: [(String, JSONValue)] = []
            if let authority = p.authority { m.append(("authority", .string(authority))) }
            if let uri = p.uri { m.append(("uri", .string(uri))) }
            return .object(m)
        }
        if !policies.isEmpty { m.append(("policy", .array(policies))) }
        if let rule = c.policyRule { m.append(("policyRule", concept(rule))) }
        if let p = c.provision { m.append(("provision", provision(p))) }
        return .object(m)
    }

    /// A `Bundle` of type `collection` holding one `Consent` per version, as indented JSON bytes.
    /// - Parameter original: the original a version was imported from, where the site holds it.
    public static func bundle(
        _ versions: [RecordedConsentVersion], original: (RecordedConsentVersion) -> JSONValue? = { _ in nil }
    ) -> [UInt8] {
        var m: [(String, JSONValue)] = [("resourceType", .string("Bundle")), ("type", .string("collection"))]
        if !versions.isEmpty {
            m.append(("entry", .array(versions.map { .object([
                ("fullUrl", .string("urn:careledger:consent-version:\($0.id.hex)")), ("resource", resource($0, original: original($0))),
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

    /// An actor's reference: a pseudonymised patient as the CareLedger pseudonym identifier.
    static func actorReference(_ r: String) -> JSONValue {
        let prefix = PseudonymKey.pseudonymSystem + "|"
        guard r.hasPrefix(prefix) else { return reference(r) }
        return .object([("type", .string("Patient")), ("identifier", .object([
            ("system", .string(PseudonymKey.pseudonymSystem)), ("value", .string(String(r.dropFirst(prefix.count)))),
        ]))])
    }

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
            m.append(("actor", .array(p.actors.map { .object([("role", concept($0.role)), ("reference", actorReference($0.reference))]) })))
        }
        if !p.actions.isEmpty { m.append(("action", .array(p.actions.map(concept)))) }
        if !p.securityLabels.isEmpty { m.append(("securityLabel", .array(p.securityLabels.map(coding)))) }
        if !p.purposes.isEmpty { m.append(("purpose", .array(p.purposes.map(coding)))) }
        if !p.classes.isEmpty { m.append(("class", .array(p.classes.map(coding)))) }
        if !p.codes.isEmpty { m.append(("code", .array(p.codes.map(concept)))) }
        if let dp = p.dataPeriod { m.append(("dataPeriod", period(dp))) }
        if !p.data.isEmpty {
            m.append(("data", .array(p.data.map { .object([("meaning", .string($0.meaning.rawValue)), ("reference", reference($0.reference))]) })))
        }
        if !p.provisions.isEmpty { m.append(("provision", .array(p.provisions.map(provision)))) }
        return .object(m)
    }
}
