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

    init(ledger: SiteLedger) throws {
        consent = try SiteConsent(ledger)
        seen = 0
        try indexEntries(of: ledger, from: 0, absorbing: false)
        seen = ledger.entryCount
    }

    /// Absorbs what the ledger gained since the last call.
    mutating func catchUp(_ ledger: SiteLedger) throws {
        guard ledger.entryCount > seen else { return }
        try indexEntries(of: ledger, from: seen, absorbing: true)
        seen = ledger.entryCount
    }

    /// One pass over the log from `ordinal`: the consent engine (unless it was just loaded
    /// from the same entries), the id index and the decisions.
    private mutating func indexEntries(of ledger: SiteLedger, from ordinal: Int, absorbing: Bool) throws {
        try ledger.forEachEntry(from: ordinal) { _, entry in
            if absorbing { consent.absorb(entry) }
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
