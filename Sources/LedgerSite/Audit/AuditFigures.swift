import LedgerCore

/// Every figure of the audit report, as `report.json` holds them and the HTML shows them.
///
/// Keys are written in snake_case. Times are RFC 3339 UTC; durations are milliseconds.
/// Nothing here carries payload bytes or patient identifiers: patients appear only as the
/// network's pseudonym, as `careledger conflicts` prints them.
public struct AuditFigures: Encodable {
    /// Creates the figures of one report.
    public init(site: SiteSummary, generatedAt: String, entries: Int, integrity: IntegrityFigures, latency: [SiteLatency],
                conflicts: ConflictFigures, access: AccessFigures, auditEffort: AuditEffort) {
        self.site = site; self.generatedAt = generatedAt; self.entries = entries; self.integrity = integrity
        self.latency = latency; self.conflicts = conflicts; self.access = access; self.auditEffort = auditEffort
    }

    /// The site the report was built at.
    public var site: SiteSummary
    /// When the report was built.
    public var generatedAt: String
    /// Trusted entries scanned.
    public var entries: Int
    /// Failed verifications, quarantined entries and forks.
    public var integrity: IntegrityFigures
    /// Sharing latency per author site (creation there to arrival here).
    public var latency: [SiteLatency]
    /// Consent conflicts opened and resolved.
    public var conflicts: ConflictFigures
    /// Access decisions by purpose, with break-glass events.
    public var access: AccessFigures
    /// How long this report took to build, beside earlier builds.
    public var auditEffort: AuditEffort
}

/// A site's name, key and role.
public struct SiteSummary: Encodable, Equatable {
    /// Creates a site summary.
    public init(name: String, key: String, role: String, networkId: String) {
        self.name = name; self.key = key; self.role = role; self.networkId = networkId
    }

    /// The site's name.
    public var name: String
    /// Its signing key, hex.
    public var key: String
    /// Its role in the charter.
    public var role: String
    /// The network id, hex.
    public var networkId: String
}

/// Integrity incidents: verify runs (with their faults), quarantined entries and forks.
public struct IntegrityFigures: Encodable {
    /// Creates integrity figures.
    public init(verifyRuns: [VerifyRunFigure], failedVerifications: Int, verifyFaults: Int, quarantined: [QuarantineIncident],
                forks: [ForkIncident], timeline: [IncidentEvent], quarantineDropped: QuarantineDropCount = QuarantineDropCount(entries: 0, authors: 0)) {
        self.verifyRuns = verifyRuns; self.failedVerifications = failedVerifications; self.verifyFaults = verifyFaults
        self.quarantined = quarantined; self.forks = forks; self.timeline = timeline; self.quarantineDropped = quarantineDropped
    }

    /// Every recorded `verify` run, oldest first.
    public var verifyRuns: [VerifyRunFigure]
    /// Verify runs that found at least one fault.
    public var failedVerifications: Int
    /// Faults found by all verify runs together.
    public var verifyFaults: Int
    /// Entries held in quarantine now.
    public var quarantined: [QuarantineIncident]
    /// Fork evidence held now.
    public var forks: [ForkIncident]
    /// Every incident on one time line, oldest first (what the plot shows).
    public var timeline: [IncidentEvent]
    /// Entries and authors dropped from the quarantine to stay within its quota (Specs/charter.md §4.1).
    public var quarantineDropped: QuarantineDropCount
    /// Peers' rolled-back or forked signed tree heads kept as evidence (Specs/bundle-format.md §5.1).
    public var treeHeadEvidence: [TrustStatus.EvidenceRow] = []
    /// Disputes not resolved yet (Specs/charter.md §6).
    public var openDisputes: [TrustStatus.DisputeRow] = []
}

/// One `verify` run as the report shows it.
public struct VerifyRunFigure: Encodable, Equatable {
    /// Creates the figure of one verify run.
    public init(time: String, ok: Bool, entries: Int, faults: Int) {
        self.time = time; self.ok = ok; self.entries = entries; self.faults = faults
    }

    /// When it ran, RFC 3339.
    public var time: String
    /// Whether it found no fault.
    public var ok: Bool
    /// Entries it checked.
    public var entries: Int
    /// Faults it found.
    public var faults: Int
}

/// An entry held in quarantine, dated by its own (author's) clock.
public struct QuarantineIncident: Encodable, Equatable {
    /// The entry's time, RFC 3339.
    public var time: String
    /// The author's key, hex.
    public var author: String
    /// The author's name.
    public var authorName: String
    /// Why it is held.
    public var reason: String
    /// The entry id, hex.
    public var entryId: String
}

/// Two or more signed entries of one author at one position, dated by the latest of them.
public struct ForkIncident: Encodable, Equatable {
    /// The latest time of the forked entries, RFC 3339.
    public var time: String
    /// The author's key, hex.
    public var author: String
    /// The author's name.
    public var authorName: String
    /// The position the entries share.
    public var sequence: UInt64
    /// The forked entries' ids, hex.
    public var entries: [String]
}

/// One point of the incident time line.
public struct IncidentEvent: Encodable, Equatable {
    /// Creates a point of the incident time line.
    public init(time: String, kind: Kind, count: Int) {
        self.time = time; self.kind = kind; self.count = count
    }

    /// What was found.
    public enum Kind: String, Encodable, CaseIterable {
        case verifyFault = "verify_fault"
        case quarantined
        case fork
    }
    /// When, RFC 3339.
    public var time: String
    /// What was found.
    public var kind: Kind
    /// How many.
    public var count: Int
}

/// Sharing latency of one author site's entries arriving here.
public struct SiteLatency: Encodable, Equatable {
    /// The author site's name (its key when it is not a member).
    public var site: String
    /// The author site's key, hex.
    public var key: String
    /// Latency samples held (each import keeps at most 1,000 per author).
    public var samples: Int
    /// Entries of this site that arrived here.
    public var entries: Int
    /// Median latency.
    public var medianMs: Int64
    /// 95th percentile latency (nearest rank).
    public var p95Ms: Int64
    /// Largest latency.
    public var maxMs: Int64
    /// When the latest of them arrived.
    public var lastArrival: String
}

/// Consent conflicts over time, derived from the `supersedes` DAG of consent versions.
public struct ConflictFigures: Encodable {
    /// Conflicts that opened.
    public var opened: Int
    /// Conflicts resolved since.
    public var resolved: Int
    /// Conflicts open at the end of the time line (equals `careledger conflicts`).
    public var open: Int
    /// Each conflict, oldest first.
    public var conflicts: [ConflictEpisode]
}

/// Access decisions recorded on the ledger, by purpose of use.
public struct AccessFigures: Encodable {
    /// Decisions recorded.
    public var total: Int
    /// Permits.
    public var permit: Int
    /// Denials.
    public var deny: Int
    /// Break-glass (emergency) decisions.
    public var emergency: Int
    /// Counts per purpose of use, sorted by code.
    public var byPurpose: [PurposeCount]
    /// Every break-glass decision, oldest first.
    public var breakGlass: [BreakGlassEvent]
}

/// Decisions for one purpose of use.
public struct PurposeCount: Encodable, Equatable {
    /// The v3-ActReason code.
    public var purpose: String
    /// Permits.
    public var permit: Int
    /// Denials.
    public var deny: Int
    /// Break-glass decisions.
    public var emergency: Int
}

/// A break-glass access decision, which the report lists one by one.
public struct BreakGlassEvent: Encodable, Equatable {
    /// When, RFC 3339.
    public var time: String
    /// The site that decided.
    public var site: String
    /// Who asked.
    public var actor: String
    /// For which purpose.
    public var purpose: String
    /// `permit` or `deny`.
    public var decision: String
    /// Why.
    public var reason: String
    /// The patient's pseudonym, hex.
    public var patient: String
    /// The audit entry, hex.
    public var entryId: String
}

/// The time it took to build the report: the audit effort measure.
public struct AuditEffort: Encodable {
    /// Creates the audit-effort figures of one build.
    public init(openMs: Double, scanMs: Double, analyseMs: Double, renderMs: Double, buildMs: Double, entriesScanned: Int,
                runs: [ReportRun]) {
        self.openMs = openMs; self.scanMs = scanMs; self.analyseMs = analyseMs; self.renderMs = renderMs
        self.buildMs = buildMs; self.entriesScanned = entriesScanned; self.runs = runs
    }

    /// Opening the site (lock, recovery, rebuilding derived state).
    public var openMs: Double
    /// Reading the ledger and its history.
    public var scanMs: Double
    /// Deriving the figures.
    public var analyseMs: Double
    /// Writing the HTML and its plots.
    public var renderMs: Double
    /// The four together.
    public var buildMs: Double
    /// Entries read.
    public var entriesScanned: Int
    /// This build and the earlier ones recorded in history/reports.jsonl, oldest first.
    public var runs: [ReportRun]
}

/// One report build, kept in history/reports.jsonl.
public struct ReportRun: Codable, Equatable {
    /// Creates the record of one report build.
    public init(time: String, buildMs: Double, entries: Int) {
        self.time = time; self.buildMs = buildMs; self.entries = entries
    }

    /// When the build ended, RFC 3339.
    public var time: String
    /// How long it took.
    public var buildMs: Double
    /// Entries it scanned.
    public var entries: Int

    enum CodingKeys: String, CodingKey { case time, buildMs = "build_ms", entries }
}

