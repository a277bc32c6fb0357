import Foundation
import LedgerCore
import LedgerSite

/// The report's clinical-trials section (Specs/trials.md §9): protocol timeline, consent
/// states per protocol version, and each lot's journey across sites as an SVG plot with its
/// incidents marked. Empty when the site holds no trial records.
enum ReportTrials {
    private static func e(_ text: String) -> String { ReportHTML.e(text) }

    /// The section's HTML, or "" when there is nothing to show.
    static func section(_ f: TrialFigures) -> String {
        guard !f.isEmpty else { return "" }
        var out = "<section id=\"trials\"><h2>Clinical trials</h2>\n"
        for trial in f.trials {
            out += "<h3>Trial \(e(trial.trial))</h3>\n"
            out += "<p>Protocol versions in chain order (the documents stay off the ledger; their SHA-256 is anchored).</p>\n"
            out += ReportHTML.table(["version", "effective", "re-consent", "approval", "added by", "entry", "conflict"],
                                    trial.protocols.map { [$0.version, String($0.effective.prefix(10)), $0.reconsent ? "yes" : "no", $0.approval ?? "–",
                                                           $0.site, ReportHTML.short($0.entryId), $0.conflicted ? "CONFLICT" : ""] },
                                    highlight: { trial.protocols[$0].conflicted })
            if trial.consents.contains(where: { $0.current + $0.needsReconsent + $0.withdrawn > 0 }) {
                out += "<p>Participants by the protocol version they consented under.</p>\n"
                out += ReportHTML.table(["consented under", "current", "needs re-consent", "withdrawn"],
                                        trial.consents.map { [$0.version, "\($0.current)", "\($0.needsReconsent)", "\($0.withdrawn)"] },
                                        highlight: { trial.consents[$0].needsReconsent > 0 })
            }
            for lot in trial.lots {
                out += "<h4>Lot \(e(lot.lot)): \(lot.events.count) event(s), \(lot.incidents.count) incident(s)</h4>\n"
                out += journey(lot, id: "lot-\(trial.trial)-\(lot.lot)") + "\n"
                out += ReportHTML.table(["incident", "serial", "sites", "evidence entries"],
                                        lot.incidents.map { [$0.kind, $0.serial ?? "(quantity)", $0.sites.joined(separator: ", "),
                                                             $0.entries.map(ReportHTML.short).joined(separator: ", ")] },
                                        highlight: { _ in true }, cls: "incidents")
            }
        }
        return out + "</section>\n"
    }

    /// Puts `section` before the methods section of `page` (or before `</body>`).
    static func insert(_ section: String, into page: String) -> String {
        guard !section.isEmpty else { return page }
        let marker = page.range(of: "<section id=\"methods\">") ?? page.range(of: "</body>")
        guard let marker else { return page + section }
        return page.replacingCharacters(in: marker.lowerBound..<marker.lowerBound, with: section)
    }

    /// A lot's journey: one lane per site, events as dots coloured by step, shipments as
    /// dashed lines to the destination lane, incident evidence ringed in red.
    static func journey(_ lot: TrialFigures.Lot, id: String) -> String {
        guard let first = lot.events.first, let last = lot.events.last else {
            return SVGPlot.noData(id: id, title: "Lot \(lot.lot)", message: "no custody events")
        }
        var sites: [String] = []
        for event in lot.events {
            for site in [event.site] + (event.destination.map { [$0] } ?? []) where !sites.contains(site) { sites.append(site) }
        }
        let left = 110.0, right = 20.0, top = 30.0, lane = 36.0, width = 860.0
        let height = top + lane * Double(sites.count) + 50
        let span = Double(max(1, last.time - first.time))
        func x(_ time: Int64) -> Double { left + (width - left - right) * Double(time - first.time) / span }
        func y(_ site: String) -> Double { top + lane * (Double(sites.firstIndex(of: site) ?? 0) + 0.5) }
        var c = SVGCanvas(width: width, height: height)
        c.text(left, 18, "Lot \(lot.lot): custody across sites", size: 13, weight: "bold")
        for site in sites {
            c.line(left, y(site), width - right, y(site), stroke: "#ddd")
            c.text(left - 8, y(site) + 4, site, anchor: "end", size: 11)
        }
        let ticks = PlotScale.timeTicks(from: first.time, to: last.time, count: 5)
        for tick in ticks.ticks {
            c.text(x(tick), height - 28, PlotScale.timeLabel(tick, step: ticks.step), anchor: "middle", size: 10, fill: "#555")
        }
        let colours = ["commissioning": "#2e7d32", "shipping": "#1565c0", "receiving": "#00838f", "dispensing": "#6a1b9a",
                       "returning": "#ef6c00", "destroying": "#424242"]
        for event in lot.events where event.step == "shipping" || event.step == "returning" {
            guard let destination = event.destination else { continue }
            let arrival = lot.events.first { $0.step == "receiving" && $0.site == destination && $0.time >= event.time }
            c.line(x(event.time), y(event.site), x(arrival?.time ?? event.time), y(destination), stroke: "#90a4ae", dash: "4 3")
        }
        let evidence = Set(lot.incidents.flatMap(\.entries))
        for event in lot.events {
            let flagged = evidence.contains(event.entryId)
            c.circle(x(event.time), y(event.site), r: flagged ? 7 : 5, fill: colours[event.step] ?? "#000",
                     stroke: flagged ? "#d32f2f" : nil,
                     tooltip: "\(event.step) at \(event.site), \(event.units) unit(s), \(RFC3339.string(fromMillis: event.time)), entry \(event.entryId)",
                     cls: flagged ? "incident" : nil)
        }
        var legendX = left
        for step in ["commissioning", "shipping", "receiving", "dispensing", "returning", "destroying"] {
            c.circle(legendX, height - 10, r: 4, fill: colours[step] ?? "#000")
            c.text(legendX + 7, height - 6, step, size: 10)
            legendX += 95
        }
        c.circle(legendX, height - 10, r: 5, fill: "#fff", stroke: "#d32f2f")
        c.text(legendX + 8, height - 6, "incident evidence", size: 10, fill: "#d32f2f")
        return c.svg(title: "Lot \(lot.lot): custody events across sites", id: id)
    }
}
