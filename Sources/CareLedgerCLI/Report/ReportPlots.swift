import LedgerSite

/// The report's five plots, drawn from its figures (or a "no data yet" panel when a measure has none).
enum ReportPlots {
    static let permit = "#2e7d32", deny = "#c62828", breakGlass = "#ff8f00"
    static let fault = "#c62828", quarantine = "#ef6c00", fork = "#6a1b9a"

    /// Integrity incidents per time bucket, stacked by kind, with the verify runs that found
    /// nothing as rings on the time axis.
    ///
    /// Once a site has been verified, zero incidents is a finding, not missing data: the plot
    /// is drawn over the time of the runs, with zero bars and a ring per passing run. Only a
    /// site never verified and with nothing quarantined or forked gets the "no data" panel.
    static func integrity(_ f: IntegrityFigures) -> String {
        let title = "Integrity incidents over time"
        let passed = f.verifyRuns.filter { $0.ok && $0.faults == 0 }
        guard !f.timeline.isEmpty || !passed.isEmpty else {
            return SVGPlot.noData(id: "plot-integrity", title: title,
                                  message: "No verify run recorded and nothing quarantined or forked: run `careledger verify`.")
        }
        let times = f.timeline.map { AuditAnalysis.millis($0.time) ?? 0 }
        let runTimes = passed.map { AuditAnalysis.millis($0.time) ?? 0 }
        let all = times + runTimes
        let (starts, step) = buckets(from: all.min() ?? 0, to: all.max() ?? 0)
        let bucket = { (time: Int64) in min(starts.count - 1, max(0, Int((time - starts[0]) / step))) }
        let kinds: [(IncidentEvent.Kind, String, String)] = [
            (.verifyFault, "verify faults", fault), (.quarantined, "quarantined entries", quarantine), (.fork, "forks", fork),
        ]
        let series = kinds.map { kind, name, color in
            var values = [Double](repeating: 0, count: starts.count)
            for (event, time) in zip(f.timeline, times) where event.kind == kind { values[bucket(time)] += Double(event.count) }
            return PlotSeries(name: name, color: color, values: values)
        }
        var runs = [Int](repeating: 0, count: starts.count)
        for time in runTimes { runs[bucket(time)] += 1 }
        return SVGPlot.bars(
            id: "plot-integrity", title: title, categories: starts.map { PlotScale.timeLabel($0, step: step) }, series: series,
            xLabel: "time (UTC), buckets of \(duration(step))", yLabel: "incidents", stacked: true, integer: true,
            labelEvery: max(1, starts.count / 12),
            markers: runs.contains { $0 > 0 } ? PlotMarkers(name: "verify run, no fault", color: permit, counts: runs, noun: "verify run with no fault") : nil)
    }

    /// Median and p95 sharing latency per author site.
    static func latency(_ sites: [SiteLatency]) -> String {
        let title = "Sharing latency per site (creation there → arrival here)"
        guard !sites.isEmpty else {
            return SVGPlot.noData(id: "plot-latency", title: title,
                                  message: "No entry from another site has arrived yet: sync with a peer or import a bundle.")
        }
        let unit = PlotScale.durationUnit(maximumMs: Double(sites.map(\.p95Ms).max() ?? 0))
        return SVGPlot.bars(
            id: "plot-latency", title: title, categories: sites.map(\.site),
            series: [PlotSeries(name: "median", color: "#1565c0", values: sites.map { Double($0.medianMs) }),
                     PlotSeries(name: "p95", color: "#90caf9", values: sites.map { Double($0.p95Ms) })],
            xLabel: "author site", yLabel: "latency (\(unit.name))", unitDivisor: unit.divisor)
    }

    /// Cumulative conflicts opened and resolved, and those open, over time.
    static func conflicts(_ f: ConflictFigures) -> String {
        let title = "Consent conflicts opened and resolved"
        guard !f.conflicts.isEmpty else {
            return SVGPlot.noData(id: "plot-conflicts", title: title,
                                  message: "No consent has had concurrent heads: no conflict opened yet.")
        }
        // Net change at each instant: several conflicts opening at once make one step.
        var changes: [Int64: (opened: Int, resolved: Int)] = [:]
        for episode in f.conflicts {
            changes[AuditAnalysis.millis(episode.openedAt) ?? 0, default: (0, 0)].opened += 1
            if let resolved = episode.resolvedAt { changes[AuditAnalysis.millis(resolved) ?? 0, default: (0, 0)].resolved += 1 }
        }
        var opened = PlotSeries(name: "opened (total)", color: deny)
        var resolved = PlotSeries(name: "resolved (total)", color: permit, dash: "7 4")
        var open = PlotSeries(name: "open now", color: quarantine, dash: "2 3")
        var o = 0, r = 0
        for (time, change) in changes.sorted(by: { $0.key < $1.key }) {
            o += change.opened
            r += change.resolved
            opened.points.append((time, Double(o)))
            resolved.points.append((time, Double(r)))
            open.points.append((time, Double(o - r)))
        }
        return SVGPlot.steps(id: "plot-conflicts", title: title, series: [opened, resolved, open],
                             xLabel: "time (UTC, hybrid logical clock of the versions)", yLabel: "conflicts")
    }

    /// Permit, deny and break-glass decisions per purpose of use.
    static func access(_ f: AccessFigures) -> String {
        let title = "Access decisions by purpose of use"
        guard !f.byPurpose.isEmpty else {
            return SVGPlot.noData(id: "plot-access", title: title,
                                  message: "No access decision recorded yet: `careledger check --record` records one.")
        }
        return SVGPlot.bars(
            id: "plot-access", title: title, categories: f.byPurpose.map(\.purpose),
            series: [PlotSeries(name: "permit", color: permit, values: f.byPurpose.map { Double($0.permit) }),
                     PlotSeries(name: "deny", color: deny, values: f.byPurpose.map { Double($0.deny) }),
                     PlotSeries(name: "break-glass", color: breakGlass, values: f.byPurpose.map { Double($0.emergency) },
                                outline: "#000000")],
            xLabel: "purpose of use (v3-ActReason)", yLabel: "decisions", integer: true)
    }

    /// Build time of this report and the earlier ones.
    static func effort(_ e: AuditEffort) -> String {
        let runs = Array(e.runs.suffix(20))
        let times = runs.map { AuditAnalysis.millis($0.time) ?? 0 }
        let span = (times.max() ?? 0) - (times.min() ?? 0)
        let step: Int64 = span >= 2 * 86_400_000 ? 86_400_000 : (span >= 120_000 ? 60_000 : 1000)
        let maximum = runs.map(\.buildMs).max() ?? 0
        let unit = PlotScale.durationUnit(maximumMs: maximum)
        return SVGPlot.bars(
            id: "plot-effort", title: "Audit effort: time to build this report",
            categories: zip(runs, times).map { "\(PlotScale.timeLabel($1, step: step)) (\($0.entries))" },
            series: [PlotSeries(name: "build time", color: "#455a64", values: runs.map(\.buildMs))],
            xLabel: "report build (UTC time, entries scanned)", yLabel: "build time (\(unit.name))", unitDivisor: unit.divisor,
            labelEvery: max(1, runs.count / 10))
    }

    /// Bucket starts covering [start, end] with a round step giving at most 24 buckets (at least 3).
    static func buckets(from start: Int64, to end: Int64) -> (starts: [Int64], step: Int64) {
        let steps: [Int64] = [1000, 5000, 15_000, 60_000, 300_000, 900_000, 3_600_000, 21_600_000, 86_400_000, 604_800_000, 2_592_000_000]
        let span = max(0, end - start)
        let step = steps.first { span / $0 < 24 } ?? 31_536_000_000
        var first = (start / step) * step
        var last = (end / step) * step
        if first == last { first -= step; last += step }
        return (Array(stride(from: first, through: last, by: Int(step))), step)
    }

    /// "1 min", "6 h", "1 day" for a bucket length.
    static func duration(_ ms: Int64) -> String {
        switch ms {
        case ..<60_000: return "\(ms / 1000) s"
        case ..<3_600_000: return "\(ms / 60_000) min"
        case ..<86_400_000: return "\(ms / 3_600_000) h"
        default: return ms == 86_400_000 ? "1 day" : "\(ms / 86_400_000) days"
        }
    }
}
