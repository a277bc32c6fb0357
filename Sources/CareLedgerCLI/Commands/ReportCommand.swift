import ArgumentParser
import Foundation
import LedgerCore

/// `careledger report --out DIR`: the self-contained HTML audit report with the outcome measures.
struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write a self-contained HTML audit report (DIR/index.html) and its figures (DIR/report.json).",
        discussion: """
        The report shows the outcome measures of PRODUCT.md: integrity incidents over time, sharing \
        latency per site, consent conflicts opened and resolved, access decisions by purpose with \
        break-glass events, and the time it took to build (audit effort). It has no outside assets: \
        inline CSS and SVG only.
        """)
    @OptionGroup var options: SiteOptions
    @Option(help: "The folder to write index.html and report.json into (created if missing).") var out: String

    struct Figures: Encodable {
        let entries: Int, verifyRuns: Int, failedVerifications: Int, verifyFaults: Int, quarantined: Int, forks: Int
        let latencySites: Int, conflictsOpened: Int, conflictsResolved: Int, conflictsOpen: Int
        let accessDecisions: Int, permit: Int, deny: Int, breakGlass: Int
    }

    struct Output: Encodable {
        let out: String, index: String, json: String, buildMs: Double, figures: Figures
    }

    func run() async throws {
        try await runReportingFailures(json: options.json) {
            let clock = ContinuousClock()
            let start = clock.now
            let ledger = try openSite(options, access: .read)
            let openMs = AuditReportBuilder.milliseconds(clock.now - start)
            let bar = ProgressBar(label: "report", total: ledger.entryCount)
            let result = try AuditReportBuilder.build(ledger, outDir: out, openMs: openMs) { bar.advance(by: $0) }
            bar.finish()
            let f = result.figures
            let figures = Figures(
                entries: f.entries, verifyRuns: f.integrity.verifyRuns.count, failedVerifications: f.integrity.failedVerifications,
                verifyFaults: f.integrity.verifyFaults, quarantined: f.integrity.quarantined.count, forks: f.integrity.forks.count,
                latencySites: f.latency.count, conflictsOpened: f.conflicts.opened, conflictsResolved: f.conflicts.resolved,
                conflictsOpen: f.conflicts.open, accessDecisions: f.access.total, permit: f.access.permit, deny: f.access.deny,
                breakGlass: f.access.emergency)
            let output = Output(out: out, index: result.indexPath, json: result.jsonPath,
                                buildMs: (f.auditEffort.buildMs * 10).rounded() / 10, figures: figures)
            try CommandOutput(json: options.json).emit(output) {
                print("Wrote \(result.indexPath) and \(result.jsonPath) in \(String(format: "%.0f", f.auditEffort.buildMs)) ms")
                CommandOutput.table([
                    ("entries", "\(f.entries)"),
                    ("integrity", "\(f.integrity.failedVerifications) failed verify run(s) of \(f.integrity.verifyRuns.count), \(f.integrity.quarantined.count) quarantined, \(f.integrity.forks.count) fork(s)"),
                    ("latency", f.latency.isEmpty ? "no arrivals yet" : f.latency.map { "\($0.site) median \($0.medianMs) ms p95 \($0.p95Ms) ms" }.joined(separator: "; ")),
                    ("conflicts", "\(f.conflicts.opened) opened, \(f.conflicts.resolved) resolved, \(f.conflicts.open) open"),
                    ("access", "\(f.access.total) decision(s): \(f.access.permit) permit, \(f.access.deny) deny, \(f.access.emergency) break-glass"),
                ])
            }
        }
    }
}
