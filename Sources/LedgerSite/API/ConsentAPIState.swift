import LedgerConsent
import LedgerCore

/// What the HTTP API answers from, kept up to date with the ledger it serves.
///
/// Why a cache beside the ledger: a long-running server must not re-read the log per request,
/// and entries arrive from syncs and other writers while it runs. Before each request the
/// entries past ``seen`` are absorbed (Specs/fhir-api.md §3). Touched only on the ledger's queue.
struct ConsentAPIState {
    var consent: SiteConsent
    /// Log positions already absorbed.
    var seen: Int
    /// Consent logical id → the consents (patient and id) that use it.
    var consentsByID: [String: Set<ConsentKey>] = [:]
    /// Every recorded access decision, in log order.
    var decisions: [RecordedDecision] = []

    /// One `access.decision` entry.
    struct RecordedDecision {
        let id: Hash32
        let author: Hash32
        let time: HybridTimestamp
        let decision: AccessDecision
    }

    /// Versions under an upheld dispute when the state was built (Specs/consent.md §5.5).
    private var voided: Set<Hash32>

    /// Reads the whole log once: consent versions, the id index and the decisions.
    init(ledger: SiteLedger) throws {
        consent = SiteConsent(ledger: ledger, loaded: LoadedConsent(engine: ConsentEngine(policy: ledger.consentPolicy), skipped: []))
        voided = ledger.charter.upheldEntries
        seen = 0
        try indexEntries(of: ledger, from: 0)
        seen = ledger.entryCount
    }

    /// Absorbs what the ledger gained since the last call. A dispute upheld since then voids a
    /// version the engine may already hold, so the state is then read again from the log.
    mutating func catchUp(_ ledger: SiteLedger) throws {
        guard ledger.entryCount > seen else { return }
        guard ledger.charter.upheldEntries == voided else {
            self = try ConsentAPIState(ledger: ledger)
            return
        }
        try indexEntries(of: ledger, from: seen)
        seen = ledger.entryCount
    }

    /// One pass over the log from `ordinal`: the consent engine, the id index and the decisions.
    private mutating func indexEntries(of ledger: SiteLedger, from ordinal: Int) throws {
        try ledger.forEachEntry(from: ordinal) { _, entry in
            consent.absorb(entry, voided: voided)
            switch entry.kind {
            case ConsentVersionPayload.kind:
                if let content = try? ConsentVersionPayload.decode(entry.payload) {
                    consentsByID[content.key.consentId, default: []].insert(content.key)
                }
            case AccessDecisionPayload.kind:
                if let decision = try? AccessDecisionPayload.decode(entry.payload) {
                    decisions.append(RecordedDecision(id: entry.id, author: entry.author, time: entry.timestamp, decision: decision))
                }
            default:
                break
            }
        }
    }
}
