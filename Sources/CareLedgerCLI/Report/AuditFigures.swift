/// Every figure of the audit report, as `report.json` holds them and the HTML shows them.
///
/// Keys are written in snake_case. Times are RFC 3339 UTC; durations are milliseconds.
/// Nothing here carries payload bytes or patient identifiers: patients appear only as the
/// network's pseudonym, as `careledger conflicts` prints them.
struct AuditFigures: Encodable {
    /// The site the report was built at.
    var site: SiteSummary
    /// When the report was built.
    var generatedAt: String
    /// Trusted entries scanned.
    var entries: Int
    /// Failed verifications, quarantined entries and forks.
    var integrity: IntegrityFigures
    /// Sharing latency per author site (creation there to arrival here).
    var latency: [SiteLatency]
    /// Consent conflicts opened and resolved.
    var conflicts: ConflictFigures
    /// Access decisions by purpose, with break-glass events.
    var access: AccessFigures
    /// How long this report took to build, beside earlier builds.
    var auditEffort: AuditEffort
}

/// A site's name, key and role.
struct SiteSummary: Encodable, Equatable {
    var name: String
    var key: String
    var role: String
    var networkId: String
}

/// Integrity incidents: verify runs (with their faults), quarantined entries and forks.
struct IntegrityFigures: Encodable {
    /// Every recorded `verify` run, oldest first.
    var verifyRuns: [VerifyRunFigure]
    /// Verify runs that found at least one fault.
    var failedVerifications: Int
    /// Faults found by all verify runs together.
    var verifyFaults: Int
    /// Entries held in quarantine now.
    var quarantined: [QuarantineIncident]
    /// Fork evidence held now.
    var forks: [ForkIncident]
    /// Every incident on one time line, oldest first (what the plot shows).
    var timeline: [IncidentEvent]
}

/// One `verify` run as the report shows it.
struct VerifyRunFigure: Encodable, Equatable {
    var time: String
    var ok: Bool
    var entries: Int
    var faults: Int
}

/// An entry held in quarantine, dated by its own (author's) clock.
struct QuarantineIncident: Encodable, Equatable {
    var time: String
    var author: String
    var authorName: String
    var reason: String
    var entryId: String
}

/// Two or more signed entries of one author at one position, dated by the latest of them.
struct ForkIncident: Encodable, Equatable {
    var time: String
    var author: String
    var authorName: String
    var sequence: UInt64
    var entries: [String]
}

/// One point of the incident time line.
struct IncidentEvent: Encodable, Equatable {
    /// What was found.
    enum Kind: String, Encodable, CaseIterable {
        case verifyFault = "verify_fault"
        case quarantined
        case fork
    }
    var time: String
    var kind: Kind
    var count: Int
}

/// Sharing latency of one author site's entries arriving here.
struct SiteLatency: Encodable, Equatable {
    /// The author site's name (its key when it is not a member).
    var site: String
    var key: String
    /// Latency samples held (each import keeps at most 1,000 per author).
    var samples: Int
    /// Entries of this site that arrived here.
    var entries: Int
    var medianMs: Int64
    var p95Ms: Int64
    var maxMs: Int64
    /// When the latest of them arrived.
    var lastArrival: String
}

/// Consent conflicts over time, derived from the `supersedes` DAG of consent versions.
struct ConflictFigures: Encodable {
    var opened: Int
    var resolved: Int
    /// Conflicts open at the end of the time line (equals `careledger conflicts`).
    var open: Int
    /// Each conflict, oldest first.
    var conflicts: [ConflictEpisode]
}

/// Access decisions recorded on the ledger, by purpose of use.
struct AccessFigures: Encodable {
    var total: Int
    var permit: Int
    var deny: Int
    /// Break-glass (emergency) decisions.
    var emergency: Int
    var byPurpose: [PurposeCount]
    /// Every break-glass decision, oldest first.
    var breakGlass: [BreakGlassEvent]
}

/// Decisions for one purpose of use.
struct PurposeCount: Encodable, Equatable {
    var purpose: String
    var permit: Int
    var deny: Int
    var emergency: Int
}

/// A break-glass access decision, which the report lists one by one.
struct BreakGlassEvent: Encodable, Equatable {
    var time: String
    var site: String
    var actor: String
    var purpose: String
    var decision: String
    var reason: String
    var patient: String
    var entryId: String
}

/// The time it took to build the report: the audit effort measure.
struct AuditEffort: Encodable {
    /// Opening the site (lock, recovery, rebuilding derived state).
    var openMs: Double
    /// Reading the ledger and its history.
    var scanMs: Double
    /// Deriving the figures.
    var analyseMs: Double
    /// Writing the HTML and its plots.
    var renderMs: Double
    /// The four together.
    var buildMs: Double
    /// Entries read.
    var entriesScanned: Int
    /// This build and the earlier ones recorded in history/reports.jsonl, oldest first.
    var runs: [ReportRun]
}

/// One report build, kept in history/reports.jsonl.
struct ReportRun: Codable, Equatable {
    var time: String
    var buildMs: Double
    var entries: Int

    enum CodingKeys: String, CodingKey { case time, buildMs = "build_ms", entries }
}
