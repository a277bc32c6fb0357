import CanonicalJSON
import Foundation
import LedgerConsent
import LedgerCore

/// Consent at one site: access checks that write their audit entry, FHIR R4 Consent import
/// and export, and conflict resolution, over the site's consent versions.
///
/// Break-glass is audited by construction: ``check(_:record:)`` is the only call that
/// grants emergency access, and it writes the `access.decision` entry (flagged emergency)
/// before it returns the permit. `ConsentEngine.check` writes nothing and so answers an
/// emergency request as a plain one.
///
/// The engine holds the site's versions as they were when this value was made, plus what
/// this value wrote; make a new one to see what arrived since.
public struct SiteConsent {
    /// The site; its ledger gets the entries this value writes.
    public let ledger: SiteLedger
    /// The site's consent versions (every trusted one that decodes).
    public private(set) var engine: ConsentEngine
    /// Ids of `consent.version` entries left out because their payload does not decode.
    public let skipped: [Hash32]

    /// Reads the site's consent versions.
    /// - Throws: only when the log cannot be read.
    public init(_ ledger: SiteLedger) throws {
        self.init(ledger: ledger, loaded: try ledger.loadConsent())
    }

    /// Over versions already read (all of them, or some patients' only).
    init(ledger: SiteLedger, loaded: LoadedConsent) {
        self.ledger = ledger
        self.engine = loaded.engine
        self.skipped = loaded.skipped
    }

    /// What to tell people about the versions left out (nil when none were).
    public var warnings: [String] {
        LoadedConsent(engine: engine, skipped: skipped).skippedWarning.map { [$0] } ?? []
    }

    /// The patient's pseudonym under the network's key.
    /// - Parameter patient: a FHIR token `system|value` (pseudonymised here) or a
    ///   64-hex-digit pseudonym.
    /// - Throws: ``SiteError`` `.unusableSite` when the network's key is unusable;
    ///   `ConsentError` when the text is neither form.
    public func pseudonym(of patient: String) throws -> PatientPseudonym {
        try ledger.pseudonymKey().resolve(patient: patient)
    }

    /// `request` as the ledger matches and records it: a patient reference (`Patient/…`) as actor
    /// or record becomes its pseudonym token, as import keeps patient actors (Specs/consent.md §4.1),
    /// so a recorded decision never carries a patient's local id.
    /// - Throws: ``SiteError`` `.unusableSite` when the network's key is unusable.
    public func ledgerRequest(_ request: AccessRequest) throws -> AccessRequest {
        let key = try ledger.pseudonymKey()
        var request = request
        request.actor = key.ledgerActor(request.actor)
        request.resource = request.resource.map(key.ledgerActor)
        request.referencedBy = Array(Set(request.referencedBy.map(key.ledgerActor))).sorted()
        return request
    }

    /// A decision and, when it was recorded, its `access.decision` entry.
    public struct Check: Sendable {
        /// Permit or deny, the versions that decided, the reason.
        public let decision: AccessDecision
        /// The entry recording the decision; never nil for a break-glass decision.
        public let entry: Entry?
    }

    /// Answers an access request; writes it as an `access.decision` entry when `record` is
    /// set, and always when the request is break-glass (`emergency`).
    ///
    /// A break-glass request for treatment is permitted whatever the consents say, flagged
    /// as emergency; its audit entry is written before the permit is returned, so a failure
    /// to write it throws and no permit is given.
    /// - Throws: ledger errors when the entry cannot be written.
    public func check(_ request: AccessRequest, record: Bool = false) throws -> Check {
        let decision = engine.decide(try ledgerRequest(request))
        guard record || decision.emergency else { return Check(decision: decision, entry: nil) }
        let entries = try ledger.append(kind: AccessDecisionPayload.kind, payloads: [AccessDecisionPayload.encode(decision)])
        guard let entry = entries.first else {
            throw SiteError(.unusableSite, "the access.decision entry was not written")
        }
        return Check(decision: decision, entry: entry)
    }

    /// FHIR R4 Consent resources (or Bundles of them) read from files, written as consent
    /// versions: every file or none.
    ///
    /// Every file is read and checked before anything is written, as one input: a consent
    /// carried by two files without CareLedger version ids is refused (Specs/consent.md §4.4).
    /// - Returns: the entries written and how many exported versions were already held.
    /// - Throws: ``SiteError`` `.unreadableInput` for a file that cannot be read,
    ///   `.invalidRequest` for one that is not valid FHIR consent (naming the file); nothing
    ///   is written then.
    public mutating func importFHIR(files: [String]) throws -> (entries: [Entry], skipped: Int) {
        try importFHIR(files.map { file in
            (file, {
                guard let data = FileManager.default.contents(atPath: file) else {
                    throw SiteError(.unreadableInput, "cannot read \(file): no such file or not readable; nothing was imported", path: file)
                }
                return Array(data)
            })
        })
    }

    /// FHIR R4 Consent JSON documents, each named for messages, written as consent versions:
    /// every document or none (see ``importFHIR(files:)``).
    /// - Throws: ``SiteError`` `.invalidRequest` naming the document at fault; nothing is written then.
    public mutating func importFHIR(_ documents: [(name: String, bytes: [UInt8])]) throws -> (entries: [Entry], skipped: Int) {
        try importFHIR(documents.map { document in (document.name, { document.bytes }) })
    }

    /// Reads each document when its turn comes, so the first one at fault is the one named.
    private mutating func importFHIR(_ documents: [(name: String, load: () throws -> [UInt8])]) throws -> (entries: [Entry], skipped: Int) {
        let importer = FHIRConsentImporter(pseudonymKey: try ledger.pseudonymKey())
        var batch = FHIRImportBatch()
        for document in documents {
            let bytes = try document.load()
            do throws(ConsentError) {
                let imported = try importer.read(bytes, engine: engine)
                try batch.add(imported, from: document.name, engine: engine)
            } catch {
                throw SiteError(.invalidRequest, "\(document.name): \(error.description); nothing was imported",
                                path: document.name, underlying: error)
            }
        }
        // Originals first, durably: an anchor on the ledger never names an original this site lost.
        let originals = try ConsentOriginals(ledger)
        var stored: [Hash32] = []
        do {
            for consent in batch.consents {
                if let original = consent.original, let anchor = try originals.store(original) { stored.append(anchor) }
            }
            let entries = try appendVersions(batch.consents.map(\.content))
            return (entries, batch.skipped)
        } catch {
            // Nothing was imported: take back the originals this call added, so no patient data
            // is left in the site folder without a version that anchors it.
            for anchor in stored { originals.remove(anchor) }
            throw error
        }
    }

    /// Writes the version that resolves a consent's conflict: under the network's rule, or
    /// copying the head `choosing` names.
    /// - Throws: `ConsentError` when the consent or the chosen head is unknown.
    public mutating func resolve(_ key: ConsentKey, choosing: Hash32? = nil) throws -> Entry {
        let content = try engine.resolution(for: key, choosing: choosing)
        let entries = try appendVersions([content])
        guard let entry = entries.first else { throw SiteError(.unusableSite, "the consent.version entry was not written") }
        return entry
    }

    /// The patient's consent versions as a FHIR R4 Bundle (type collection), JSON bytes: a
    /// version whose original this site holds is that original (with the version's `meta`),
    /// any other the ledger's view naming its original's anchor (Specs/consent.md §4.6).
    public func exportFHIR(patient: PatientPseudonym) -> [UInt8] {
        let originals = try? ConsentOriginals(ledger)
        return FHIRConsentExporter.bundle(engine.versions(patient: patient)) { Self.original(of: $0, in: originals) }
    }

    /// One version as `consent export` gives it (Specs/consent.md §4.6): the original resource
    /// when this site holds it (the importing site), with the version's `meta`; else the
    /// ledger's view naming the original's anchor. The HTTP API's reads answer with this.
    public func fhirResource(_ version: RecordedConsentVersion) -> JSONValue {
        guard version.content.original != nil else { return FHIRConsentExporter.resource(version) }
        return FHIRConsentExporter.resource(version, original: Self.original(of: version, in: try? ConsentOriginals(ledger)))
    }

    /// The original `version` anchors, when `originals` holds it intact.
    private static func original(of version: RecordedConsentVersion, in originals: ConsentOriginals?) -> JSONValue? {
        version.content.original.flatMap { originals?.original($0) }
    }

    /// The versions anchoring `resource` (any JSON text of an original Consent) as their
    /// original: what `attest` reports for a consent original. Empty when none does.
    /// - Throws: ``SiteError`` `.invalidRequest` when the bytes are not a FHIR Consent.
    public func versions(anchoring resource: [UInt8]) throws -> [RecordedConsentVersion] {
        let anchor = try ConsentOriginals(ledger).anchor(ofResource: resource)
        let importer = FHIRConsentImporter(pseudonymKey: try ledger.pseudonymKey())
        let imported: [ImportedConsent]
        do throws(ConsentError) { imported = try importer.read(resource) { _ in [] } } catch {
            throw SiteError(.invalidRequest, "not a FHIR Consent CareLedger imports: \(error.description)", underlying: error)
        }
        let patients = Set(imported.map(\.content.key.patient))
        return patients.sorted().flatMap { engine.versions(patient: $0) }.filter { $0.content.original == anchor }
    }

    /// Drops `patient`'s versions (``ConsentEngine/forget(patient:)``): for a long-lived value
    /// that holds only the patients asked about lately (the HTTP API's) and reads them again.
    public mutating func forget(patient: PatientPseudonym) {
        engine.forget(patient: patient)
    }

    /// Adds a `consent.version` entry the ledger gained since this value was made (by a sync
    /// or another writer), so a long-lived value, such as the HTTP API's, answers from
    /// everything the site holds. Other kinds, versions already held, payloads this build
    /// cannot read and versions in `voided` (the charter's `upheldEntries`, read once by the
    /// caller: Specs/consent.md §5.5) are left out, as on load.
    public mutating func absorb(_ entry: Entry, voided: Set<Hash32>) {
        guard entry.kind == ConsentVersionPayload.kind, !voided.contains(entry.id) else { return }
        _ = try? engine.ingest(entryId: entry.id, time: entry.timestamp, author: entry.author, payload: entry.payload)
    }

    /// Adds a `consent.version` entry that the site's index lists as a decodable version of a
    /// patient (the HTTP API's load by ordinal, Specs/fhir-api.md §3): as ``absorb(_:voided:)``,
    /// without proving its byte form canonical again (the index did when it decoded it).
    mutating func absorb(indexed entry: Entry, voided: Set<Hash32>) {
        guard entry.kind == ConsentVersionPayload.kind, !voided.contains(entry.id) else { return }
        _ = try? engine.ingest(entryId: entry.id, time: entry.timestamp, author: entry.author, payload: entry.payload, indexed: true)
    }

    /// Appends consent versions and adds them to the engine.
    private mutating func appendVersions(_ contents: [ConsentVersionContent]) throws -> [Entry] {
        let entries = try ledger.append(kind: ConsentVersionPayload.kind, payloads: contents.map { ConsentVersionPayload.encode($0) })
        for entry in entries {
            _ = try? engine.ingest(entryId: entry.id, time: entry.timestamp, author: entry.author, payload: entry.payload)
        }
        return entries
    }
}
