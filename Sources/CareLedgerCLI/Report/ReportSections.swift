import LedgerSite

/// The sections of the HTML report: a summary, the five outcome measures, and the methods.
enum ReportSections {
    private static func e(_ text: String) -> String { ReportHTML.e(text) }

    /// Headline figures as cards.
    static func summary(_ f: AuditFigures) -> String {
        let incidents = f.integrity.verifyFaults + f.integrity.quarantined.count + f.integrity.forks.count
            + f.integrity.treeHeadEvidence.count
        let medians = f.latency.map(\.medianMs).sorted()
        let cards: [(String, String, Bool)] = [
            ("\(f.entries)", "entries on the ledger", false),
            ("\(incidents)", "integrity incidents (\(f.integrity.failedVerifications) failed verify runs)", incidents > 0),
            (medians.isEmpty ? "–" : PlotScale.number(Double(Percentile.nearestRank(50, of: medians) ?? 0)) + " ms",
             "median sharing latency (site medians)", false),
            ("\(f.conflicts.opened) / \(f.conflicts.resolved)", "conflicts opened / resolved (\(f.conflicts.open) open)", f.conflicts.open > 0),
            ("\(f.access.total)", "access decisions (\(f.access.permit) permit, \(f.access.deny) deny)", false),
            ("\(f.access.emergency)", "break-glass (emergency) accesses", f.access.emergency > 0),
            (String(format: "%.0f ms", f.auditEffort.buildMs), "to build this report (audit effort)", false),
        ]
        return "<div class=\"cards\" id=\"summary\">" + cards.map { value, label, alert in
            "<div class=\"card\(alert ? " alert" : "")\"><div class=\"value\">\(e(value))</div><div class=\"label\">\(e(label))</div></div>"
        }.joined() + "</div>\n"
    }

    static func integrity(_ f: IntegrityFigures) -> String {
        var out = "<section id=\"integrity\"><h2>Integrity incidents</h2>\n"
        out += "<p>\(f.verifyRuns.count) verify run(s), \(f.failedVerifications) failed with \(f.verifyFaults) fault(s) in all; "
            + "\(f.quarantined.count) entr\(f.quarantined.count == 1 ? "y" : "ies") in quarantine; \(f.forks.count) fork(s) held as evidence.</p>\n"
        if f.quarantineDropped.entries > 0 {
            out += "<p class=\"alert\" id=\"quarantine-dropped\">Quarantine over its quota: \(f.quarantineDropped.entries) entr\(f.quarantineDropped.entries == 1 ? "y" : "ies") "
                + "of \(f.quarantineDropped.authors) author(s) not admitted were dropped (they are recovered from any site that kept them if the author is admitted).</p>\n"
        }
        out += ReportPlots.integrity(f) + "\n"
        out += "<h3>Verify runs</h3>" + (f.verifyRuns.isEmpty ? "<p class=\"note\">None recorded yet.</p>" : "")
        let recent = Array(f.verifyRuns.reversed().prefix(50))
        out += ReportHTML.table(["time", "result", "entries checked", "faults"],
                                recent.map { [$0.time, $0.ok ? "passed" : "FAILED", "\($0.entries)", "\($0.faults)"] },
                                highlight: { !recent[$0].ok })
        if !f.quarantined.isEmpty {
            out += "<h3>Quarantined entries</h3>"
            out += ReportHTML.table(["entry time", "author", "reason", "entry"],
                                    f.quarantined.prefix(100).map { [$0.time, $0.authorName, $0.reason, ReportHTML.short($0.entryId)] })
        }
        if !f.forks.isEmpty {
            out += "<h3>Forks</h3>"
            out += ReportHTML.table(["time", "author", "sequence", "entries"],
                                    f.forks.map { [$0.time, $0.authorName, "\($0.sequence)", $0.entries.map(ReportHTML.short).joined(separator: ", ")] })
        }
        if !f.treeHeadEvidence.isEmpty {
            out += "<h3 id=\"tree-head-evidence\">Rolled-back or forked signed tree heads</h3>"
            out += "<p>Both signed heads of each are kept in peers/ as proof; sync with the site went on.</p>"
            out += ReportHTML.table(["site", "what", "kept size", "new size"],
                                    f.treeHeadEvidence.map { [$0.name ?? ReportHTML.short($0.site), $0.kind == "tree_head_forked" ? "fork" : "rollback", "\($0.keptSize)", "\($0.newSize)"] },
                                    highlight: { _ in true })
        }
        if !f.openDisputes.isEmpty {
            out += "<h3 id=\"open-disputes\">Open disputes</h3>"
            out += ReportHTML.table(["dispute", "contested entry", "reason", "resolutions waiting"],
                                    f.openDisputes.map { [ReportHTML.short($0.dispute), ReportHTML.short($0.entry), $0.reason, "\($0.pendingResolutions)"] },
                                    highlight: { _ in true })
        }
        return out + "</section>\n"
    }

    static func latency(_ sites: [SiteLatency]) -> String {
        var out = "<section id=\"latency\"><h2>Sharing latency</h2>\n"
        out += "<p>From an entry's creation at its author site (its hybrid logical clock) to its arrival here, per author site.</p>\n"
        out += ReportPlots.latency(sites) + "\n"
        out += ReportHTML.table(["site", "entries arrived", "samples", "median (ms)", "p95 (ms)", "max (ms)", "last arrival"],
                                sites.map { [$0.site, "\($0.entries)", "\($0.samples)", "\($0.medianMs)", "\($0.p95Ms)", "\($0.maxMs)", $0.lastArrival] },
                                cls: "latency")
        return out + "</section>\n"
    }

    static func conflicts(_ f: ConflictFigures) -> String {
        var out = "<section id=\"conflicts\"><h2>Consent conflicts</h2>\n"
        out += "<p>\(f.opened) conflict(s) opened, \(f.resolved) resolved, \(f.open) still open. A conflict opens when a consent "
            + "gets concurrent heads and is resolved when a later version supersedes them all.</p>\n"
        out += ReportPlots.conflicts(f) + "\n"
        out += ReportHTML.table(
            ["consent", "opened", "resolved", "heads", "open for"],
            f.conflicts.map { [shortConsent($0.consent), $0.openedAt, $0.resolvedAt ?? "open", "\($0.heads)", $0.openMs.map(durationText) ?? "–"] },
            highlight: { f.conflicts[$0].resolvedAt == nil })
        return out + "</section>\n"
    }

    static func access(_ f: AccessFigures) -> String {
        var out = "<section id=\"access\"><h2>Access decisions</h2>\n"
        out += "<p>\(f.total) recorded decision(s): \(f.permit) permit, \(f.deny) deny; \(f.emergency) break-glass.</p>\n"
        out += ReportPlots.access(f) + "\n"
        out += ReportHTML.table(["purpose", "permit", "deny", "break-glass"],
                                f.byPurpose.map { [$0.purpose, "\($0.permit)", "\($0.deny)", "\($0.emergency)"] },
                                highlight: { f.byPurpose[$0].emergency > 0 })
        out += "<div class=\"breakglass\" id=\"break-glass\"><h3>Break-glass (emergency) events: \(f.emergency)</h3>"
        if f.breakGlass.isEmpty {
            out += "<p class=\"note\">No emergency access recorded.</p>"
        } else {
            out += ReportHTML.table(["time", "site", "actor", "purpose", "decision", "patient (pseudonym)", "entry"],
                                    f.breakGlass.map { [$0.time, $0.site, $0.actor, $0.purpose, $0.decision, ReportHTML.short($0.patient), ReportHTML.short($0.entryId)] },
                                    highlight: { _ in true }, cls: "break-glass")
        }
        return out + "</div></section>\n"
    }

    static func effort(_ e: AuditEffort) -> String {
        var out = "<section id=\"effort\"><h2>Audit effort</h2>\n"
        out += String(format: "<p>This report took <strong>%.1f ms</strong> to build from %d entries: %.1f ms opening the site, %.1f ms reading the ledger, %.1f ms deriving the figures, %.1f ms drawing the page.</p>\n",
                      e.buildMs, e.entriesScanned, e.openMs, e.scanMs, e.analyseMs, e.renderMs)
        out += ReportPlots.effort(e) + "\n"
        return out + "</section>\n"
    }

    static let methods = """
    <section id="methods"><h2>How these figures are made</h2><ul class="note">
    <li>Integrity incidents: faults of each recorded <code>careledger verify</code> run (history/verify.jsonl, at the run's time), entries held in quarantine and fork evidence (at the entries' own clock time).</li>
    <li>Sharing latency: for each import, the time from each arriving entry's hybrid logical clock to its arrival (history/arrivals.jsonl); median and p95 are nearest-rank over all samples of an author site. Wrong clocks at the author shift these figures.</li>
    <li>Consent conflicts: replay of each consent's versions in clock order over their <code>supersedes</code> links; the open count equals <code>careledger conflicts</code>.</li>
    <li>Access decisions: every <code>access.decision</code> entry on the ledger, by purpose of use; break-glass decisions carry the emergency flag.</li>
    <li>Audit effort: wall time of this build; earlier builds are kept in history/reports.jsonl. The same figures are in report.json.</li>
    </ul></section>

    """

    /// PSEUDONYM/CONSENT-ID with the pseudonym shortened.
    static func shortConsent(_ consent: String) -> String {
        guard let slash = consent.firstIndex(of: "/") else { return consent }
        return ReportHTML.short(String(consent[..<slash])) + consent[slash...]
    }

    static func durationText(_ ms: Int64) -> String {
        switch ms {
        case ..<10_000: return "\(ms) ms"
        case ..<600_000: return String(format: "%.1f s", Double(ms) / 1000)
        case ..<36_000_000: return String(format: "%.1f min", Double(ms) / 60_000)
        default: return String(format: "%.1f h", Double(ms) / 3_600_000)
        }
    }
}
