import LedgerCore

/// The consent engine: every consent version a site holds, indexed by patient (Specs/consent.md §5).
///
/// A pure value: the ledger feeds it `consent.version` entries (`ingest`) in any order, and
/// every query is a function of the set of versions ingested and the policy, so two sites
/// holding the same entries answer the same. A check touches only the asked patient's
/// versions, so its cost does not grow with the ledger. One writer: callers serialise
/// `ingest` (the type is a value; share it behind an actor or a lock).
public struct ConsentEngine: Sendable {
    /// The network's rule for concurrent heads and its default answer.
    public var policy: ConsentPolicy
    /// Patient → that patient's consents (usually one or two).
    var patients: [PatientPseudonym: [ConsentHistory]] = [:]
    /// Consents with more than one head.
    var openConflicts = Set<ConsentKey>()
    /// How many distinct versions have been ingested.
    public private(set) var versionCount = 0

    /// Creates an empty engine.
    public init(policy: ConsentPolicy = ConsentPolicy()) { self.policy = policy }

    /// Adds a recorded version (from a `consent.version` entry).
    /// - Returns: false if the version id was already known (duplicates are harmless).
    @discardableResult
    public mutating func ingest(_ version: RecordedConsentVersion) -> Bool {
        let key = version.content.key
        guard let conflicted = Self.insert(version, into: &patients[key.patient, default: []]) else { return false }
        versionCount += 1
        if conflicted { openConflicts.insert(key) } else { openConflicts.remove(key) }
        return true
    }

    /// Inserts into the right history; nil for a duplicate, else whether that consent is now conflicted.
    private static func insert(_ version: RecordedConsentVersion, into histories: inout [ConsentHistory]) -> Bool? {
        let key = version.content.key
        let index: Int
        if let found = histories.firstIndex(where: { $0.key.consentId == key.consentId }) {
            index = found
        } else {
            histories.append(ConsentHistory(key: key))
            index = histories.count - 1
        }
        guard histories[index].insert(version) else { return nil }
        return histories[index].isConflicted
    }

    /// Drops every version of `patient`, as if none had been ingested: for a holder that keeps
    /// only some patients (the HTTP API's bounded state) and ingests them again when needed.
    public mutating func forget(patient: PatientPseudonym) {
        guard let histories = patients.removeValue(forKey: patient) else { return }
        for history in histories {
            versionCount -= history.versions.count
            openConflicts.remove(history.key)
        }
    }

    /// Decodes a `consent.version` payload and ingests it with its entry's id, time and author.
    /// - Throws: `ConsentError` when the payload is not a canonical consent version.
    @discardableResult
    /// - Parameter indexed: the payload is one the site's index decoded already, so its
    ///   canonical form is not checked again (``ConsentVersionPayload/decode(indexed:)``).
    public mutating func ingest(
        entryId: Hash32, time: HybridTimestamp, author: Hash32, payload: [UInt8], indexed: Bool = false
    ) throws(ConsentError) -> Bool {
        let content: ConsentVersionContent
        do { content = try indexed ? ConsentVersionPayload.decode(indexed: payload) : ConsentVersionPayload.decode(payload) } catch { throw ConsentError(error.code, error.message, path: error.path, offset: error.offset, versionId: entryId.hex) }
        return ingest(RecordedConsentVersion(id: entryId, time: time, author: author, content: content))
    }

    func history(_ key: ConsentKey) -> ConsentHistory? {
        patients[key.patient]?.first { $0.key.consentId == key.consentId }
    }

    /// Every version of the patient's consents, ordered by consent id, then HLC time, then id.
    public func versions(patient: PatientPseudonym) -> [RecordedConsentVersion] {
        (patients[patient] ?? []).sorted { $0.key < $1.key }.flatMap { history in
            history.versions.sorted { ConsentHistory.isLater($1, than: $0) }
        }
    }

    /// The version with `id` among the patient's, if known.
    public func version(_ id: Hash32, patient: PatientPseudonym) -> RecordedConsentVersion? {
        for history in patients[patient] ?? [] {
            if let v = history.versions.first(where: { $0.id == id }) { return v }
        }
        return nil
    }

    /// The head version ids of one consent, sorted (empty when the consent is unknown).
    ///
    /// An importer passes these as `supersedes` when a known logical id arrives again.
    public func heads(of key: ConsentKey) -> [Hash32] {
        history(key)?.heads.map(\.id) ?? []
    }

    /// The head versions of every consent of a patient, by consent.
    public func heads(patient: PatientPseudonym) -> [ConsentKey: [RecordedConsentVersion]] {
        var out: [ConsentKey: [RecordedConsentVersion]] = [:]
        for history in patients[patient] ?? [] { out[history.key] = history.heads }
        return out
    }

    /// The keys of the patient's consents, sorted.
    public func consents(patient: PatientPseudonym) -> [ConsentKey] {
        (patients[patient] ?? []).map(\.key).sorted()
    }

    /// How many patients have at least one consent version.
    public var patientCount: Int { patients.count }

    /// The patients with at least one consent version, sorted (a search across patients).
    public var patientPseudonyms: [PatientPseudonym] { patients.keys.sorted() }
}
