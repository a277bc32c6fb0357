import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite

/// Builds the audit report of a site: reads it, derives the figures, draws the page, and
/// writes `index.html` and `report.json` into the output folder.
enum AuditReportBuilder {
    /// What a build produced.
    struct Result {
        var figures: AuditFigures
        var html: String
        var indexPath: String
        var jsonPath: String
    }

    /// Builds and writes the report; `progress` is told of entries read as the log is scanned.
    ///
    /// The build time (audit effort) covers opening the site (`openMs`, measured by the
    /// caller), reading, deriving and drawing; it is measured on a
    /// first drawing and the page is drawn once more with the figure in it. The build is also
    /// appended to history/reports.jsonl so later reports can show effort over time.
    /// - Throws: `CLIFailure` when the folder cannot be written; ledger errors when the log cannot be read.
    static func build(_ ledger: SiteLedger, outDir: String, openMs: Double = 0, progress: (Int) -> Void = { _ in }) throws -> Result {
        let clock = ContinuousClock()
        let start = clock.now
        let scan = try AuditScan.read(ledger, progress: progress)
        let scanned = clock.now
        let now = RFC3339.string(from: Date())
        var figures = AuditFigures(
            site: scan.site, generatedAt: now, entries: scan.entries, integrity: AuditAnalysis.integrity(scan),
            latency: AuditAnalysis.latency(scan), conflicts: AuditAnalysis.conflicts(scan), access: AuditAnalysis.access(scan),
            auditEffort: AuditEffort(openMs: openMs, scanMs: 0, analyseMs: 0, renderMs: 0, buildMs: 0, entriesScanned: scan.entries, runs: scan.reportRuns))
        let analysed = clock.now
        _ = ReportHTML.page(figures)
        let rendered = clock.now
        let scanMs = milliseconds(scanned - start), analyseMs = milliseconds(analysed - scanned), renderMs = milliseconds(rendered - analysed)
        let buildMs = openMs + scanMs + analyseMs + renderMs
        let run = ReportRun(time: now, buildMs: (buildMs * 10).rounded() / 10, entries: scan.entries)
        figures.auditEffort = AuditEffort(openMs: openMs, scanMs: scanMs, analyseMs: analyseMs, renderMs: renderMs, buildMs: buildMs,
                                          entriesScanned: scan.entries, runs: scan.reportRuns + [run])
        // The trials section (Specs/trials.md §9) reads the site's trial entries on its own pass.
        // Only trial consents need the consent engine: a site without trials does not load every version.
        let siteTrials = try SiteTrials(ledger)
        let engine = siteTrials.chain.trials.isEmpty && siteTrials.custody.isEmpty ? ConsentEngine() : try ledger.loadConsent().engine
        let trials = try siteTrials.figures(engine: engine, at: RFC3339.millis(of: Date()))
        let html = ReportTrials.insert(ReportTrials.section(trials), into: ReportHTML.page(figures))
        let indexPath = outDir + "/index.html", jsonPath = outDir + "/report.json"
        do {
            try FileManager.default.createDirectory(atPath: outDir, withIntermediateDirectories: true)
            try Data(html.utf8).write(to: URL(fileURLWithPath: indexPath), options: .atomic)
            try encodeJSON(figures, pretty: true).write(to: URL(fileURLWithPath: jsonPath), options: .atomic)
            if !trials.isEmpty { try encodeJSON(trials, pretty: true).write(to: URL(fileURLWithPath: outDir + "/trials.json"), options: .atomic) }
        } catch {
            throw CLIFailure.usage("cannot write the report to \(outDir): \(error.localizedDescription); choose a writable --out folder")
        }
        try? ledger.appendHistory(run, to: AuditScan.reportHistory)
        return Result(figures: figures, html: html, indexPath: indexPath, jsonPath: jsonPath)
    }

    /// Snake-case JSON, keys sorted.
    static func encodeJSON<T: Encodable>(_ value: T, pretty: Bool) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = pretty ? [.sortedKeys, .withoutEscapingSlashes, .prettyPrinted] : [.sortedKeys, .withoutEscapingSlashes]
        encoder.keyEncodingStrategy = .convertToSnakeCase
        return try encoder.encode(value)
    }

    /// Milliseconds in a duration, with fractions.
    static func milliseconds(_ duration: Duration) -> Double {
        let (seconds, attoseconds) = duration.components
        return Double(seconds) * 1000 + Double(attoseconds) / 1e15
    }
}
