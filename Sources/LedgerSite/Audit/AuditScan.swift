import LedgerConsent
import LedgerCore
import LedgerIndex

/// An access decision read back from its `access.decision` entry.
public struct DecisionRecord {
    /// Creates a record of a decision read back from its entry.
    public init(entryId: Hash32, author: Hash32, time: HybridTimestamp, decision: AccessDecision) {
        self.entryId = entryId; self.author = author; self.time = time; self.decision = decision
    }

    /// The `access.decision` entry.
    public var entryId: Hash32
    /// The site that wrote it.
    public var author: Hash32
    /// When it was written, by its author's clock.
    public var time: HybridTimestamp
    /// The decision it records.
    public var decision: AccessDecision
}

/// Everything the audit report reads from a site, gathered in one pass over its log, or
/// from its derived-state database when it has one.
///
/// Without the database, the log is read once, in order; the history files (verify runs, arrivals, earlier
/// reports) and the quarantine are read beside it. Payloads that do not decode as their
/// kind are counted, not fatal: the report still shows everything else, and `verify`
/// is the tool that names damaged entries.
public struct AuditScan {
    /// The site scanned.
    public var site: SiteSummary
    /// Trusted entries read.
    public var entries = 0
    /// Every consent version that decodes; read from the derived-state database, only the
    /// versions of consents that have more than one (the conflict timeline is the same: a
    /// consent's only version never opens a conflict).
    public var versions: [VersionNode] = []
    /// Every access decision that decodes; only the break-glass ones when
    /// ``decisionCounts`` holds the counts.
    public var decisions: [DecisionRecord] = []
    /// Decodable decisions per purpose (sorted by purpose), from the derived-state
    /// database's aggregates; nil when ``decisions`` holds every decision.
    public var decisionCounts: [PurposeCount]?
    /// Entries held in quarantine now.
    public var quarantined: [QuarantineIncident] = []
    /// Fork evidence held now.
    public var forks: [ForkIncident] = []
    /// Peers' contradicting signed tree heads (rollback or fork) kept as evidence.
    public var treeHeadEvidence: [TrustStatus.EvidenceRow] = []
    /// Disputes not resolved yet (Specs/charter.md §6).
    public var openDisputes: [TrustStatus.DisputeRow] = []
    /// Entries and authors dropped from the quarantine to stay within its quota.
    public var quarantineDropped = QuarantineDropCount(entries: 0, authors: 0)
    /// Recorded `verify` runs, oldest first.
    public var verifyRuns: [VerifyRun] = []
    /// Arrival latency samples held.
    public var arrivals: [ArrivalSample] = []
    /// Earlier report builds (history/reports.jsonl).
    public var reportRuns: [ReportRun] = []
    /// Names of member sites by key, hex.
    public var names: [String: String] = [:]
    /// `consent.version` or `access.decision` payloads that did not decode.
    public var undecodable = 0

    /// An empty scan of `site`, for feeding ``AuditAnalysis`` directly.
    public init(site: SiteSummary) { self.site = site }

    /// The history file that keeps one line per report build.
    public static let reportHistory = "reports.jsonl"

    /// Reads the site; `progress` is told how many entries were read since its last call.
    public static func read(_ ledger: SiteLedger, progress: (Int) -> Void) throws -> AuditScan {
        var scan = AuditScan(site: SiteSummary(
            name: ledger.metadata.name, key: ledger.siteKey.hex,
            role: (ledger.charter.members[ledger.siteKey]?.role ?? ledger.metadata.role).rawValue,
            networkId: ledger.networkID.hex))
        for member in ledger.charter.members.values { scan.names[member.key.hex] = member.name }
        scan.names[ledger.siteKey.hex] = ledger.metadata.name
        if let index = try ledger.currentIndex() {
            try scan.readIndexed(index, ledger)
            progress(scan.entries)
        } else {
            var pending = 0
            try ledger.forEachEntry { _, entry in
                scan.entries += 1
                pending += 1
                if pending >= 1024 { progress(pending); pending = 0 }
                switch entry.kind {
                case ConsentVersionPayload.kind: scan.addVersion(entry)
                case AccessDecisionPayload.kind: scan.addDecision(entry)
                default: break
                }
            }
            progress(pending)
        }
        for held in ledger.quarantined {
            scan.quarantined.append(QuarantineIncident(
                time: held.entry.timestamp.rfc3339, author: held.entry.author.hex, authorName: scan.name(held.entry.author.hex),
                reason: held.reason.rawValue, entryId: held.entry.id.hex))
        }
        scan.quarantineDropped = ledger.quarantineDropped
        for fork in ledger.forks {
            let times = fork.entries.compactMap { try? ledger.entry(id: $0)?.timestamp }
            scan.forks.append(ForkIncident(
                time: (times.max() ?? HybridTimestamp(wallMillis: 0, counter: 0)).rfc3339, author: fork.author.hex,
                authorName: scan.name(fork.author.hex), sequence: fork.sequence, entries: fork.entries.map(\.hex)))
        }
        let trust = TrustStatus(ledger)
        scan.treeHeadEvidence = trust.rollbackEvidence
        scan.openDisputes = trust.openDisputes
        scan.verifyRuns = ledger.verifyRuns()
        scan.arrivals = ledger.arrivalSamples()
        scan.reportRuns = ledger.readHistory(ReportRun.self, from: reportHistory)
        return scan
    }

    /// A site's name by key (hex), or a short key when it is not a member.
    public func name(_ keyHex: String) -> String {
        names[keyHex] ?? "site " + String(keyHex.prefix(12))
    }

    /// Reads versions and decisions from the derived-state database instead of the log
    /// (Specs/site-layout.md §9.5, §9.8): the decision counts from its aggregates, the
    /// break-glass decisions (which the report lists whole) from their entries, and only
    /// the versions of consents with more than one. What this costs does not grow with the
    /// site; a database behind this snapshot (never after ``SiteLedger/currentIndex()``) is
    /// read row by row instead.
    private mutating func readIndexed(_ index: SiteIndex, _ ledger: SiteLedger) throws {
        let end = ledger.entryCount
        entries = end
        guard let aggregates = try index.auditAggregates(below: end) else { return try readIndexedRows(index, ledger) }
        versions = aggregates.sharedConsentVersions.map {
            VersionNode(consent: $0.key.description, id: $0.id, time: $0.time, supersedes: $0.supersedes)
        }
        var byPurpose: [String: PurposeCount] = [:]
        var counted = 0
        for count in aggregates.decisionCounts {
            var purpose = byPurpose[count.purpose] ?? PurposeCount(purpose: count.purpose, permit: 0, deny: 0, emergency: 0)
            if count.outcome == .permit { purpose.permit += count.decisions } else { purpose.deny += count.decisions }
            if count.emergency { purpose.emergency += count.decisions }
            byPurpose[count.purpose] = purpose
            counted += count.decisions
        }
        decisionCounts = byPurpose.values.sorted { $0.purpose < $1.purpose }
        for ordinal in aggregates.breakGlassOrdinals { addDecision(try ledger.entry(at: ordinal)) }
        undecodable = try index.undecodableConsentVersionCount(below: end) + max(0, aggregates.decisionEntries - counted)
    }

    /// The row-by-row read of the derived-state database: every decision's row.
    private mutating func readIndexedRows(_ index: SiteIndex, _ ledger: SiteLedger) throws {
        let end = ledger.entryCount
        versions = try index.consentVersions(below: end, sharingConsent: true).map {
            VersionNode(consent: $0.key.description, id: $0.id, time: $0.time, supersedes: $0.supersedes)
        }
        let rows = try index.decisions(below: end)
        decisions.reserveCapacity(rows.count)
        for row in rows {
            if row.emergency {
                addDecision(try ledger.entry(at: row.ordinal))
                continue
            }
            let request = AccessRequest(patient: row.patient, actor: row.actor, purpose: row.purpose, classes: [], time: row.requestTime)
            decisions.append(DecisionRecord(entryId: row.id, author: row.author, time: row.time, decision: AccessDecision(
                request: request, outcome: row.outcome, basis: [], reason: "", emergency: false)))
        }
        let decisionEntries = try index.entryCount(kind: AccessDecisionPayload.kind, below: end)
        undecodable = try index.undecodableConsentVersionCount(below: end) + max(0, decisionEntries - rows.count)
    }

    private mutating func addVersion(_ entry: Entry) {
        guard let content = try? ConsentVersionPayload.decode(entry.payload) else { undecodable += 1; return }
        versions.append(VersionNode(consent: content.key.description, id: entry.id, time: entry.timestamp,
                                    supersedes: content.supersedes))
    }

    private mutating func addDecision(_ entry: Entry) {
        guard let decision = try? AccessDecisionPayload.decode(entry.payload) else { undecodable += 1; return }
        decisions.append(DecisionRecord(entryId: entry.id, author: entry.author, time: entry.timestamp, decision: decision))
    }
}
