import Foundation
import LedgerCore

/// Turns what `AuditScan` read into the report's figures: pure, so tests can feed it directly.
public enum AuditAnalysis {
    /// The integrity figures: verify runs, quarantine, forks and their common time line.
    public static func integrity(_ scan: AuditScan) -> IntegrityFigures {
        let runs = scan.verifyRuns.map { VerifyRunFigure(time: $0.time, ok: $0.ok, entries: $0.entries, faults: $0.faults) }
        var timeline: [IncidentEvent] = []
        for run in runs where !run.ok || run.faults > 0 {
            timeline.append(IncidentEvent(time: run.time, kind: .verifyFault, count: max(1, run.faults)))
        }
        timeline += scan.quarantined.map { IncidentEvent(time: $0.time, kind: .quarantined, count: 1) }
        timeline += scan.forks.map { IncidentEvent(time: $0.time, kind: .fork, count: 1) }
        timeline.sort { (millis($0.time) ?? 0, $0.kind.rawValue) < (millis($1.time) ?? 0, $1.kind.rawValue) }
        var figures = IntegrityFigures(
            verifyRuns: runs, failedVerifications: runs.filter { !$0.ok }.count, verifyFaults: runs.reduce(0) { $0 + $1.faults },
            quarantined: scan.quarantined, forks: scan.forks, timeline: timeline, quarantineDropped: scan.quarantineDropped)
        figures.treeHeadEvidence = scan.treeHeadEvidence
        figures.openDisputes = scan.openDisputes
        return figures
    }

    /// Median and p95 latency per author site, from every arrival sample held; sorted by site name.
    public static func latency(_ scan: AuditScan) -> [SiteLatency] {
        let byAuthor = Dictionary(grouping: scan.arrivals, by: \.author)
        return byAuthor.compactMap { author, samples -> SiteLatency? in
            let sorted = samples.flatMap(\.latenciesMs).sorted()
            guard let median = Percentile.nearestRank(50, of: sorted), let p95 = Percentile.nearestRank(95, of: sorted),
                  let maximum = sorted.last else { return nil }
            let last = samples.max { (millis($0.time) ?? 0) < (millis($1.time) ?? 0) }?.time ?? ""
            return SiteLatency(site: scan.name(author), key: author, samples: sorted.count,
                               entries: samples.reduce(0) { $0 + $1.count }, medianMs: median, p95Ms: p95, maxMs: maximum,
                               lastArrival: last)
        }.sorted { ($0.site, $0.key) < ($1.site, $1.key) }
    }

    /// Conflicts opened and resolved, from the consent versions' `supersedes` DAG.
    public static func conflicts(_ scan: AuditScan) -> ConflictFigures {
        let episodes = ConflictTimeline.episodes(scan.versions)
        let resolved = episodes.filter { $0.resolvedAt != nil }.count
        return ConflictFigures(opened: episodes.count, resolved: resolved, open: episodes.count - resolved, conflicts: episodes)
    }

    /// Access decisions by purpose (sorted by purpose code) and every break-glass decision:
    /// counted from ``AuditScan/decisions``, or taken from ``AuditScan/decisionCounts`` when
    /// the scan read the derived-state database's aggregates (its decisions are then the
    /// break-glass ones only).
    public static func access(_ scan: AuditScan) -> AccessFigures {
        var byPurpose: [String: PurposeCount] = [:]
        var breakGlass: [BreakGlassEvent] = []
        for record in scan.decisions.sorted(by: { ($0.time, $0.entryId) < ($1.time, $1.entryId) }) {
            let d = record.decision
            var count = byPurpose[d.request.purpose] ?? PurposeCount(purpose: d.request.purpose, permit: 0, deny: 0, emergency: 0)
            if d.outcome == .permit { count.permit += 1 } else { count.deny += 1 }
            if d.emergency {
                count.emergency += 1
                breakGlass.append(BreakGlassEvent(
                    time: record.time.rfc3339, site: scan.name(record.author.hex), actor: d.request.actor, purpose: d.request.purpose,
                    decision: d.outcome.rawValue, reason: d.reason, patient: d.request.patient.hex, entryId: record.entryId.hex))
            }
            byPurpose[d.request.purpose] = count
        }
        let counts = scan.decisionCounts ?? byPurpose.values.sorted { $0.purpose < $1.purpose }
        let permit = counts.reduce(0) { $0 + $1.permit }, deny = counts.reduce(0) { $0 + $1.deny }
        return AccessFigures(total: permit + deny, permit: permit, deny: deny, emergency: breakGlass.count, byPurpose: counts, breakGlass: breakGlass)
    }

    /// Milliseconds since the epoch of an RFC 3339 time.
    public static func millis(_ text: String) -> Int64? {
        RFC3339.date(from: text).map { Int64(($0.timeIntervalSince1970 * 1000).rounded()) }
    }
}
