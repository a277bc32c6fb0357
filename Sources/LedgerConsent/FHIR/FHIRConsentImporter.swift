import CanonicalJSON
import LedgerCore

/// One consent version read from FHIR, ready to be written as a `consent.version` entry.
public struct ImportedConsent: Sendable, Hashable {
    /// The version content, patient already pseudonymised, `supersedes` filled in.
    public let content: ConsentVersionContent
    /// Where the resource sat in the input, e.g. `Bundle.entry[1].resource`.
    public let path: String
    /// The ledger version id a CareLedger export stamped on the resource, if any; when the
    /// engine already holds that version, the caller may skip writing a duplicate.
    public let exportedVersionId: Hash32?
    /// The resource as imported, canonical JSON: what the site's originals store keeps under
    /// `content.original` (nil for a resource CareLedger exported, which is not an original).
    public let original: [UInt8]?

    /// Creates an imported consent.
    public init(content: ConsentVersionContent, path: String, exportedVersionId: Hash32?, original: [UInt8]? = nil) {
        self.content = content
        self.path = path
        self.exportedVersionId = exportedVersionId
        self.original = original
    }
}

/// FHIR R4 `Consent` JSON (a resource or a `Bundle` of them) → consent versions (Specs/consent.md §4).
///
/// The whole input is validated before anything is returned, so a caller never writes
/// half an import. Patient identifiers are replaced by the network pseudonym here, before
/// anything leaves this type; errors name JSON paths, never values.
public struct FHIRConsentImporter: Sendable {
    /// The CareLedger extension that carries a version's ledger id and `supersedes` in exports.
    public static let versionExtensionURL = "urn:careledger:fhir:consent-version"
    /// The extension naming the anchor of a version's original in exports that do not hold it.
    public static let originalExtensionURL = "urn:careledger:fhir:consent-original"

    private let key: PseudonymKey

    /// Creates an importer that pseudonymises with the network's key.
    public init(pseudonymKey: PseudonymKey) { self.key = pseudonymKey }

    /// What the originals store keeps of a resource, and what its anchor hashes: its canonical
    /// JSON without `meta` (the source's bookkeeping, replaced on export; Specs/consent.md §4.6).
    public static func originalBytes(_ resource: JSONValue) -> [UInt8] {
        guard case .object(let members) = resource else { return JSONWriter.canonical(resource) }
        return JSONWriter.canonical(.object(members.filter { $0.0 != "meta" }))
    }

    /// Reads every Consent in `bytes`.
    ///
    /// - Parameter currentHeads: the heads this site holds for a consent; a resource without
    ///   the CareLedger version extension becomes a version superseding them (a re-import of
    ///   a known logical id is an update).
    /// - Throws: `ConsentError` with the JSON path of the first element at fault.
    public func read(
        _ bytes: [UInt8], currentHeads: (ConsentKey) -> [Hash32]
    ) throws(ConsentError) -> [ImportedConsent] {
        let root = try ConsentJSON.parse(bytes)
        guard case .object(let members) = root,
              let typeValue = members.first(where: { $0.0 == "resourceType" })?.1 else {
            throw ConsentError(.missingElement, "not a FHIR resource (no resourceType); send a Consent or a Bundle of Consents", path: "resourceType")
        }
        let type = try JSONRead.string(typeValue, "resourceType")
        var out: [ImportedConsent] = []
        var seen = Set<ConsentKey>()
        func add(_ value: JSONValue, _ path: String) throws(ConsentError) {
            let imported = try consent(value, path, currentHeads)
            if imported.exportedVersionId == nil, !seen.insert(imported.content.key).inserted {
                throw ConsentError(.invalidValue, "the same consent appears twice in one input without CareLedger version ids; import its versions one at a time", path: "\(path).id")
            }
            out.append(imported)
        }
        switch type {
        case "Consent":
            try add(root, "Consent")
        case "Bundle":
            var r = try JSONObjectReader(root, path: "Bundle")
            r.ignore("resourceType")
            r.ignore("id")
            r.ignore("meta")
            r.ignore("timestamp")
            r.ignore("total")
            r.ignore("link")  // a searchset's paging links: decide nothing
            _ = try FHIRRead.code(try r.required("type"), r.child("type"))
            let entries = try r.list("entry") { (v, p) in v.withPath(p) }
            try r.finish()
            for (value, path) in entries {
                var e = try JSONObjectReader(value, path: path)
                e.ignore("fullUrl")
                e.ignore("search")  // a searchset's match/include mode: decides nothing
                let resource = try e.required("resource")
                try e.finish()
                let resourcePath = e.child("resource")
                guard case .object(let m) = resource, let t = m.first(where: { $0.0 == "resourceType" })?.1,
                      case .string("Consent") = t else {
                    throw ConsentError(.unsupportedElement, "only Consent resources can be imported; remove this entry from the Bundle", path: "\(resourcePath).resourceType")
                }
                try add(resource, resourcePath)
            }
        default:
            throw ConsentError(.unsupportedElement, "only Consent resources or Bundles of them can be imported; send a Consent or a Bundle of Consents", path: "resourceType")
        }
        return out
    }

    private func consent(
        _ value: JSONValue, _ path: String, _ currentHeads: (ConsentKey) -> [Hash32]
    ) throws(ConsentError) -> ImportedConsent {
        var r = try JSONObjectReader(value, path: path)
        r.ignore("resourceType")
        let metaStamp = try metaExtension(r.optional("meta"), r.child("meta"))
        // Decision-free elements kept only in the original (Specs/consent.md §4.6): they can
        // name the patient (narrative, MRNs, performer, verifier, the scanned form).
        try OriginalOnly.check(&r)
        let id = try FHIRRead.id(try r.required("id"), r.child("id"))
        let statusText = try FHIRRead.code(try r.required("status"), r.child("status"))
        guard let status = ConsentStatus(rawValue: statusText) else {
            throw ConsentError(.invalidValue, "not a Consent status; use one of draft, proposed, active, rejected, inactive, entered-in-error", path: r.child("status"))
        }
        let scope = try FHIRRead.concept(try r.required("scope"), r.child("scope"))
        let categoryValue = try r.required("category")
        let category = try JSONRead.each(
            try JSONRead.nonEmptyArray(categoryValue, r.child("category")), r.child("category"), FHIRRead.concept)
        let patient = try patient(try r.required("patient"), r.child("patient"))
        let dateTime = try r.optional("dateTime").map { (x) throws(ConsentError) in try FHIRRead.dateTime(x, r.child("dateTime")) }
        let organizations = try r.list("organization", FHIRRead.referenceString)
        let policyEntries = try r.list("policy", Self.policy)
        let policyRule = try r.optional("policyRule").map { (x) throws(ConsentError) in try FHIRRead.concept(x, r.child("policyRule")) }
        let provision = try r.optional("provision").map { (x) throws(ConsentError) in try provisionReader.read(x, r.child("provision"), depth: 1) }
        let extensions = try r.list("extension", extensionEntry)
        try r.finish()
        // FHIR R4 invariant ppc-1: policy or policyRule.
        guard policyRule != nil || !policyEntries.isEmpty else {
            throw ConsentError(.missingElement, "a Consent needs policy or policyRule (FHIR R4 invariant ppc-1); add the policy the consent refines", path: r.child("policyRule"))
        }
        var stamps = extensions.compactMap(\.stamp)
        if let metaStamp { stamps.append(metaStamp) }
        guard stamps.count <= 1 else {
            throw ConsentError(.invalidValue, "the CareLedger version extension appears more than once; keep one (in extension or meta.extension)", path: "\(r.child("extension"))[1]")
        }
        let anchors = extensions.compactMap(\.original)
        guard anchors.count <= 1 else {
            throw ConsentError(.invalidValue, "the CareLedger original extension appears more than once; keep one", path: r.child("extension"))
        }
        // The ledger's view CareLedger exports names its anchor; any other resource (an export of
        // an original, stamped in meta, included) is an original.
        let isLedgerView = extensions.contains { $0.stamp != nil }
        if !anchors.isEmpty, !isLedgerView {
            throw ConsentError(.invalidValue, "the CareLedger original extension belongs to a ledger's view export, next to the version extension; remove it", path: r.child("extension"))
        }
        let key = ConsentKey(patient: patient, consentId: id)
        let supersedes = stamps.first.map(\.supersedes) ?? currentHeads(key)
        let originalBytes: [UInt8]? = isLedgerView ? nil : Self.originalBytes(value)
        let original = isLedgerView ? anchors.first : originalBytes.map { self.key.originalAnchor($0) }
        let content = ConsentVersionContent(
            key: key, status: status, scope: scope, category: category, dateTime: dateTime,
            policyRule: policyRule, organizations: organizations, provision: provision, supersedes: supersedes,
            policies: policyEntries.compactMap(\.trial), policyReferences: policyEntries.compactMap(\.reference),
            original: original)
        return ImportedConsent(content: content, path: path, exportedVersionId: stamps.first?.versionId, original: originalBytes)
    }

    /// `Consent.patient` → pseudonym: an identifier (preferred) or a reference, hashed at once.
    private func patient(_ value: JSONValue, _ path: String) throws(ConsentError) -> PatientPseudonym {
        var r = try JSONObjectReader(value, path: path)
        r.ignore("display")  // a name: PHI, kept in the original only
        r.ignore("type")
        r.ignore("id")
        r.ignore("extension")
        let reference = try r.optional("reference").map { (x) throws(ConsentError) in try FHIRRead.string(x, r.child("reference")) }
        let identifier = try r.optional("identifier").map { (x) throws(ConsentError) -> PatientPseudonym in
            var i = try JSONObjectReader(x, path: r.child("identifier"))
            for name in ["use", "type", "period", "assigner", "id", "extension"] { i.ignore(name) }  // kept in the original
            let system = try FHIRRead.string(try i.required("system"), i.child("system"))
            let value = try FHIRRead.string(try i.required("value"), i.child("value"))
            try i.finish()
            if system == PseudonymKey.pseudonymSystem {
                guard value.utf8.count == 64, value == value.lowercased(), let p = PatientPseudonym(hex: value) else {
                    throw ConsentError(.invalidValue, "a CareLedger pseudonym needs 64 lowercase hex digits", path: i.child("value"))
                }
                return p
            }
            return key.pseudonym(system: system, value: value)
        }
        try r.finish()
        if let identifier { return identifier }
        if let reference { return key.pseudonym(system: PseudonymKey.referenceSystem, value: reference) }
        throw ConsentError(.missingElement, "the patient needs an identifier (system and value) or a reference; add one (e.g. reference Patient/ID)", path: path)
    }

    /// A provision in FHIR form: FHIR names and datatypes, unsupported elements refused;
    /// patient actors pseudonymised as `consent import` does the patient.
    private var provisionReader: ProvisionReader {
        let key = self.key
        var reader = ProvisionReader(
            names: .init(
                actors: "actor", actions: "action", securityLabels: "securityLabel", purposes: "purpose",
                classes: "class", codes: "code", dataPeriod: "dataPeriod", provisions: "provision", data: "data"),
            code: FHIRRead.code, concept: FHIRRead.concept, coding: FHIRRead.coding, period: FHIRRead.period,
            actor: { (v, p) throws(ConsentError) in try FHIRRead.actor(v, p, key: key) }, data: FHIRRead.data,
            refusal: .unsupportedElement)
        reader.ignored = ["id", "extension"]
        return reader
    }

    private struct PolicyEntry { var trial: String?; var reference: PolicyReference? }

    /// `Consent.policy[i]`: a trial binding `{uri: urn:careledger:trial:ID:protocol:V}` (Specs/trials.md §5.1)
    /// or any other policy by `authority` and/or `uri`, carried and exported, not evaluated.
    private static func policy(_ value: JSONValue, _ path: String) throws(ConsentError) -> PolicyEntry {
        var r = try JSONObjectReader(value, path: path)
        let authority = try r.optional("authority").map { (x) throws(ConsentError) in try FHIRRead.string(x, r.child("authority")) }
        let uri = try r.optional("uri").map { (x) throws(ConsentError) in try FHIRRead.string(x, r.child("uri")) }
        r.ignore("id")
        r.ignore("extension")
        try r.finish()
        if authority == nil, let uri, TrialProtocolBinding(uri: uri) != nil { return PolicyEntry(trial: uri) }
        if let uri, uri.hasPrefix(TrialProtocolBinding.prefix) {
            throw ConsentError(.invalidValue, "a trial binding is urn:careledger:trial:ID:protocol:V alone (IDs of A-Z a-z 0-9 . _ -); fix the uri or drop the authority", path: r.child("uri"))
        }
        guard authority != nil || uri != nil else {
            throw ConsentError(.missingElement, "a policy needs authority or uri (FHIR R4 ele-1); give one or remove the entry", path: path)
        }
        return PolicyEntry(reference: PolicyReference(authority: authority, uri: uri))
    }

    private struct VersionStamp { var versionId: Hash32?; var supersedes: [Hash32] }

    private struct ExtensionEntry { var stamp: VersionStamp?; var original: Hash32? }

    /// One `Consent.extension`: CareLedger's version or original extension, read; any other
    /// (non-modifier) extension is kept in the original only, and needs a `url`.
    private func extensionEntry(_ value: JSONValue, _ path: String) throws(ConsentError) -> ExtensionEntry {
        var r = try JSONObjectReader(value, path: path)
        let url = try FHIRRead.string(try r.required("url"), r.child("url"))
        switch url {
        case Self.versionExtensionURL: return ExtensionEntry(stamp: try versionExtension(value, path))
        case Self.originalExtensionURL:
            let text = try FHIRRead.string(try r.required("valueString"), r.child("valueString"))
            try r.finish()
            guard text.utf8.count == 64, text == text.lowercased(), let hash = Hash32(hex: text) else {
                throw ConsentError(.invalidValue, "expected 64 lowercase hex digits", path: r.child("valueString"))
            }
            return ExtensionEntry(original: hash)
        default:
            return ExtensionEntry()
        }
    }

    /// The CareLedger version extension inside `meta.extension`, where exports of an original put it.
    private func metaExtension(_ value: JSONValue?, _ path: String) throws(ConsentError) -> VersionStamp? {
        guard let value, case .object(let members) = value,
              let list = members.first(where: { $0.0 == "extension" })?.1, case .array(let items) = list else { return nil }
        var found: VersionStamp?
        for (i, item) in items.enumerated() {
            guard case .object(let m) = item, m.contains(where: { $0.0 == "url" && $0.1 == .string(Self.versionExtensionURL) }) else { continue }
            guard found == nil else {
                throw ConsentError(.invalidValue, "the CareLedger version extension appears more than once; keep one", path: "\(path).extension[\(i)]")
            }
            found = try versionExtension(item, "\(path).extension[\(i)]")
        }
        return found
    }

    /// The CareLedger extension: `{url, extension: [{url: versionId|supersedes, valueString: hex}]}`.
    private func versionExtension(_ value: JSONValue, _ path: String) throws(ConsentError) -> VersionStamp {
        var r = try JSONObjectReader(value, path: path)
        r.ignore("url")
        var stamp = VersionStamp(versionId: nil, supersedes: [])
        let parts = try r.list("extension") { (x, p) in x.withPath(p) }
        try r.finish()
        for (part, partPath) in parts {
            var e = try JSONObjectReader(part, path: partPath)
            let name = try FHIRRead.string(try e.required("url"), e.child("url"))
            let text = try FHIRRead.string(try e.required("valueString"), e.child("valueString"))
            try e.finish()
            guard text.utf8.count == 64, text == text.lowercased(), let hash = Hash32(hex: text) else {
                throw ConsentError(.invalidValue, "expected 64 lowercase hex digits", path: e.child("valueString"))
            }
            switch name {
            case "versionId" where stamp.versionId == nil: stamp.versionId = hash
            case "supersedes": stamp.supersedes.append(hash)
            default: throw ConsentError(.unsupportedElement, "unknown or repeated part of the CareLedger extension", path: e.child("url"))
            }
        }
        return stamp
    }
}

extension JSONValue {
    /// Pairs a value with its path (lets list readers defer work until the whole list is typed).
    func withPath(_ path: String) -> (JSONValue, String) { (self, path) }
}

extension FHIRConsentImporter {
    /// Reads every Consent in `bytes`, filling `supersedes` from the heads `engine` holds.
    /// - Throws: `ConsentError` with the JSON path of the first element at fault.
    public func read(_ bytes: [UInt8], engine: ConsentEngine) throws(ConsentError) -> [ImportedConsent] {
        try read(bytes) { engine.heads(of: $0) }
    }
}
