import LedgerSite

/// The audit report as one self-contained HTML page: inline CSS and inline SVG, no script,
/// no outside asset, so it opens offline and can be handed on as a single file.
enum ReportHTML {
    /// The whole page for `figures`.
    static func page(_ figures: AuditFigures) -> String {
        let site = figures.site
        var html = """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <title>CareLedger audit report: \(e(site.name))</title>
        <style>\(css)</style>
        </head>
        <body>
        <header>
        <h1>CareLedger audit report</h1>
        <p class="meta">Site <strong>\(e(site.name))</strong> (\(e(site.role))), key <code>\(e(short(site.key)))</code>,
        network <code>\(e(short(site.networkId)))</code>. Generated \(e(figures.generatedAt)) from \(figures.entries) entr\(figures.entries == 1 ? "y" : "ies").</p>
        </header>

        """
        html += ReportSections.summary(figures)
        html += ReportSections.integrity(figures.integrity)
        html += ReportSections.latency(figures.latency)
        html += ReportSections.conflicts(figures.conflicts)
        html += ReportSections.access(figures.access)
        html += ReportSections.effort(figures.auditEffort)
        html += ReportSections.methods
        html += "</body>\n</html>\n"
        return html
    }

    /// Escapes text for HTML.
    static func e(_ text: String) -> String { SVGCanvas.escape(text) }

    /// The first 16 hex digits of a key or id, for tables (the JSON keeps them whole).
    static func short(_ hex: String) -> String { hex.count > 16 ? String(hex.prefix(16)) + "…" : hex }

    /// A table with a header row; `highlight` rows get the `highlight` class.
    static func table(_ headers: [String], _ rows: [[String]], highlight: (Int) -> Bool = { _ in false }, cls: String = "") -> String {
        guard !rows.isEmpty else { return "" }
        var out = "<table class=\"\(cls)\"><thead><tr>" + headers.map { "<th>\(e($0))</th>" }.joined() + "</tr></thead><tbody>"
        for (i, row) in rows.enumerated() {
            out += (highlight(i) ? "<tr class=\"highlight\">" : "<tr>") + row.map { "<td>\(e($0))</td>" }.joined() + "</tr>"
        }
        return out + "</tbody></table>\n"
    }

    static let css = """
    body{font-family:-apple-system,"Segoe UI",Roboto,"Helvetica Neue",Arial,sans-serif;color:#222;margin:0 auto;max-width:1000px;padding:16px 24px;background:#fafafa}
    h1{margin:8px 0 4px;font-size:26px}h2{margin:28px 0 8px;font-size:20px;border-bottom:2px solid #ddd;padding-bottom:4px}
    .meta{color:#555;margin:0 0 12px}code{font-size:12px;background:#eee;padding:1px 4px;border-radius:3px}
    section{background:#fff;border:1px solid #e0e0e0;border-radius:6px;padding:4px 18px 16px;margin:18px 0}
    .cards{display:flex;flex-wrap:wrap;gap:10px;margin:12px 0}
    .card{background:#fff;border:1px solid #ddd;border-radius:6px;padding:8px 14px;min-width:130px}
    .card .value{font-size:22px;font-weight:bold}.card .label{font-size:12px;color:#666}
    .card.alert{border-color:#ff8f00;background:#fff4e5}
    svg.plot{display:block;max-width:100%;height:auto;margin:8px 0;border:1px solid #eee}
    table{border-collapse:collapse;font-size:13px;margin:8px 0;width:100%}
    th,td{border:1px solid #ddd;padding:4px 8px;text-align:left}th{background:#f0f0f0}
    tr.highlight td{background:#fff4e5;font-weight:bold}
    .breakglass{border:2px solid #ff8f00;background:#fff8ee;border-radius:6px;padding:6px 14px;margin:10px 0}
    .breakglass h3{margin:6px 0;color:#b35900}
    .note{font-size:13px;color:#555}
    """
}
