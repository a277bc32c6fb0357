import LedgerConsent
import LedgerCore
import LedgerIndex

/// What the HTTP API answers from, kept up to date with the ledger it serves.
///
/// Why a cache beside the ledger: a long-running server must not re-read the log per request,
/// and entries arrive from syncs and other writers while it runs. Before each request the
/// entries past ``seen`` are absorbed (Specs/fhir-api.md §3). Touched only on the ledger's queue.
///
/// With the site's derived state (Specs/site-layout.md §9) the cache starts empty and holds
/// only the patients requests asked about, each loaded through the index when first asked for,
/// and recorded decisions are found through the index: the first request costs what it answers,
/// not what the site holds. Without derived state it reads the whole log once.
struct ConsentAPIState {
    var consent: SiteConsent
    /// Log positions already absorbed.
    var seen: Int
    /// The derived state, when the site has it.
    let index: SiteIndex?
    /// The patients whose versions ``consent`` holds, with an index; nil: every patient (no index).
    private(set) var loadedPatients: LoadedPatients?
    /// Patients held at most (with an index) before the least recently asked about are dropped.
    let patientCapacity: Int
    /// Consent logical id → the consents (patient and id) that use it; without an index only.
    var consentsByID: [String: Set<ConsentKey>] = [:]
    /// Every recorded access decision, in log order; without an index only.
    var decisions: [RecordedDecision] = []

    /// One `access.decision` entry.
    struct RecordedDecision {
        let id: Hash32
        let author: Hash32
        let time: HybridTimestamp
        let decision: AccessDecision

        /// The decision `entry` records, or nil when its payload does not decode.
        init?(_ entry: Entry) {
            guard let decision = try? AccessDecisionPayload.decode(entry.payload) else { return nil }
            self.init(id: entry.id, author: entry.author, time: entry.timestamp, decision: decision)
        }

        init(id: Hash32, author: Hash32, time: HybridTimestamp, decision: AccessDecision) {
            self.id = id
            self.author = author
            self.time = time
            self.decision = decision
        }
    }

    /// Versions under an upheld dispute when the state was built (Specs/consent.md §5.5).
    private var voided: Set<Hash32>

    /// Ready to answer: with derived state, nothing is read yet; without, the whole log once.
    init(ledger: SiteLedger, patientCapacity: Int) throws {
        self.patientCapacity = patientCapacity
        consent = SiteConsent(ledger: ledger, loaded: LoadedConsent(engine: ConsentEngine(policy: ledger.consentPolicy), skipped: []))
        voided = ledger.charter.upheldEntries
        index = try ledger.currentIndex()
        seen = 0
        if index != nil {
            loadedPatients = LoadedPatients(capacity: patientCapacity)
        } else {
            try indexEntries(of: ledger, from: 0)
        }
        seen = ledger.entryCount
    }

    /// Absorbs what the ledger gained since the last call. A dispute upheld since then voids a
    /// version the engine may already hold, so the state is then started again.
    mutating func catchUp(_ ledger: SiteLedger) throws {
        guard ledger.entryCount > seen else { return }
        guard ledger.charter.upheldEntries == voided else {
            self = try ConsentAPIState(ledger: ledger, patientCapacity: patientCapacity)
            return
        }
        if index != nil { _ = try ledger.currentIndex() }  // level with the log before it is asked
        try indexEntries(of: ledger, from: seen)
        seen = ledger.entryCount
    }

    /// Absorbs entries this process has just appended (the API's group commit) without
    /// reading them back from the log, when they are all the log gained since ``seen``;
    /// otherwise it does nothing and the next ``catchUp(_:)`` reads the log. Either way the
    /// state ends up as if the log had been read (Specs/fhir-api.md §3).
    mutating func absorb(written entries: [Entry], ledger: SiteLedger) {
        guard !entries.isEmpty, ledger.entryCount == seen + entries.count, ledger.charter.upheldEntries == voided else { return }
        // Searches read the index below ``seen``: it must hold these too (the commit applied them).
        if index != nil, !ledger.indexIsLevelWithLog { return }
        for entry in entries { absorb(entry) }
        seen = ledger.entryCount
    }

    /// Makes the engine hold every version of `patients` (after ``catchUp(_:)``): read by
    /// ordinal through the index the first time a patient is asked about, or again after it
    /// was dropped (``LoadedPatients``; never one of `patients` while they are loaded).
    mutating func load(_ patients: some Sequence<PatientPseudonym>, from ledger: SiteLedger) throws {
        guard let index, loadedPatients != nil else { return }
        let asked = Array(patients)
        // `loadedPatients` is changed in place: a copy would copy every patient held.
        let missing = asked.filter { loadedPatients?.use($0) == false }
        guard !missing.isEmpty else { return }
        for patient in loadedPatients?.evict(keeping: Set(asked)) ?? [] { consent.forget(patient: patient) }
        for patient in missing where loadedPatients?.contains(patient) == false {
            for ordinal in try index.consentVersionOrdinals(patient: patient, below: seen) {
                consent.absorb(indexed: try ledger.entry(at: ordinal), voided: voided)
            }
            loadedPatients?.insert(patient)
        }
    }

    /// The consents that use logical id `id`, their patients loaded.
    mutating func keys(ofConsentID id: String, from ledger: SiteLedger) throws -> Set<ConsentKey> {
        guard let index else { return consentsByID[id] ?? [] }
        let patients = try index.consentPatients(consentID: id, below: seen)
        try load(patients, from: ledger)
        return Set(patients.map { ConsentKey(patient: $0, consentId: id) })
    }

    /// One pass over the log from `ordinal`. Without an index: the consent engine, the id index
    /// and the decisions; with one: only new versions of the patients already loaded.
    private mutating func indexEntries(of ledger: SiteLedger, from ordinal: Int) throws {
        try ledger.forEachEntry(from: ordinal) { _, entry in absorb(entry) }
    }

    /// One entry past ``seen``, in log order: see ``indexEntries(of:from:)``.
    private mutating func absorb(_ entry: Entry) {
        if let loaded = loadedPatients {
            guard entry.kind == ConsentVersionPayload.kind, let content = try? ConsentVersionPayload.decode(entry.payload),
                  loaded.contains(content.key.patient) else { return }
            consent.absorb(entry, voided: voided)
            return
        }
        consent.absorb(entry, voided: voided)
        switch entry.kind {
        case ConsentVersionPayload.kind:
            if let content = try? ConsentVersionPayload.decode(entry.payload) {
                consentsByID[content.key.consentId, default: []].insert(content.key)
            }
        case AccessDecisionPayload.kind:
            if let recorded = RecordedDecision(entry) { decisions.append(recorded) }
        default:
            break
        }
    }
}
