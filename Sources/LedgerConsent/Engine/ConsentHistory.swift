import LedgerCore

/// All known versions of one consent and its current heads (Specs/consent.md §5.1).
///
/// Invariant: `heads` are exactly the versions no known version supersedes, sorted by id.
/// That is a function of the set of versions alone, so arrival order never matters; a
/// version whose parents have not arrived is simply a head until something supersedes it.
struct ConsentHistory: Sendable {
    let key: ConsentKey
    /// Versions in arrival order (order is never observable through the API).
    private(set) var versions: [RecordedConsentVersion] = []
    /// The head rule over the versions' ids and `supersedes`.
    private var rule = ConsentHeads()
    /// Indices into `versions` of the heads, sorted by version id.
    private(set) var headIndices: [Int] = []

    init(key: ConsentKey) { self.key = key }

    /// Adds a version; returns false (and changes nothing) if it was already known.
    mutating func insert(_ version: RecordedConsentVersion) -> Bool {
        guard rule.insert(version.id, supersedes: version.content.supersedes) else { return false }
        versions.append(version)
        headIndices = versions.indices.filter { rule.isHead(versions[$0].id) }
            .sorted { versions[$0].id < versions[$1].id }
        return true
    }

    /// The head versions, sorted by id.
    var heads: [RecordedConsentVersion] { headIndices.map { versions[$0] } }

    /// Heads that count for decisions: entered-in-error versions are ignored.
    var consideredHeads: [RecordedConsentVersion] { heads.filter { $0.content.status != .enteredInError } }

    /// More than one head: a conflict for human review.
    var isConflicted: Bool { headIndices.count > 1 }

    /// Whether `a` is later than `b` for `latest-wins`: HLC time, then version id.
    static func isLater(_ a: RecordedConsentVersion, than b: RecordedConsentVersion) -> Bool {
        a.time != b.time ? a.time > b.time : a.id > b.id
    }

    /// The latest of `candidates` by HLC time, ties by version id.
    static func latest(_ candidates: [RecordedConsentVersion]) -> RecordedConsentVersion? {
        candidates.max { isLater($1, than: $0) }
    }
}
