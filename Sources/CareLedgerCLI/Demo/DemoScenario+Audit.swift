import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite

// The steps that give the audit report something to measure: a break-glass access at a
// clinic, an unadmitted laptop's entries quarantined at central, and the report itself.
extension DemoScenario {
    /// The patient brought in unconscious at clinic-b: no consent on file anywhere.
    static let emergencyPatient = "demo-mrn-0911"
    /// Record hashes the unadmitted laptop writes before it drops its bundle on the stick.
    static let strangerAnchors = 3

    /// Clinic-b opens an unconscious patient's observations by break-glass, as
    /// `check --emergency` does: the ordinary answer is deny, the emergency one permit with
    /// an audit entry flagged as emergency, which the field team later carries to central.
    func breakGlass() throws -> DemoOutcome {
        let actor = "Organization/clinic-b"
        let normal = try clinicB.check(mrn: Self.emergencyPatient, actor: actor, purpose: "ETREAT", classes: ["Observation"],
                                       record: false, emergency: false)
        let glass = try clinicB.check(mrn: Self.emergencyPatient, actor: actor, purpose: "ETREAT", classes: ["Observation"],
                                      record: false, emergency: true)
        emergencyEntry = glass.entry
        let ok = normal.decision.outcome == .deny && glass.decision.outcome == .permit && glass.decision.emergency && glass.entry != nil
        return DemoOutcome(ok, [
            "an unconscious patient with no consent on file arrives at clinic-b: the ordinary check says \(normal.decision.outcome.rawValue)",
            "the clinician breaks the glass (check --emergency): \(glass.decision.outcome.rawValue), written as emergency audit entry \(glass.entry.map { String($0.hex.prefix(12)) } ?? "none") for central to review",
        ])
    }

    /// A laptop set up from the genesis file but never admitted writes entries and leaves a
    /// bundle for central on the stick; central holds them in quarantine, outside its log
    /// (and, like every held entry, passes them on: each peer quarantines them for itself).
    func quarantineStranger() throws -> DemoOutcome {
        let directory = root + "/unadmitted-laptop"
        let ledger = try SiteLedger.join(at: directory, siteName: "unadmitted-laptop", role: .clinic,
                                         genesisPath: root + "/genesis.json", logger: DemoSite.quietLogger)
        let laptop = DemoSite(name: "unadmitted-laptop", role: .clinic, directory: directory, ledger: ledger)
        let records = try (1...Self.strangerAnchors).map { try DemoFHIR.anchorPayload(site: laptop.name, number: $0) }
        try laptop.ledger.append(kind: AnchorPayload.kind, payloads: records)
        let written = try laptop.entries(by: laptop.ledger.siteKey)
        let drop = try DemoMailbox.sync(laptop, folder: stick)
        let entriesBefore = central.entries
        let pass = try DemoMailbox.sync(central, folder: stick, to: [field])
        let held = central.ledger.quarantined.filter { $0.entry.author == laptop.ledger.siteKey }
        quarantinedAtCentral = held.count
        figures["quarantined_at_central"] = held.count
        let ok = drop.bundlesWritten > 0 && pass.quarantined == written && held.count == written
            && held.allSatisfy { $0.reason == .unknownAuthor } && central.entries == entriesBefore
        return DemoOutcome(ok, [
            "a laptop set up from the genesis file but never admitted wrote \(written) entries and left a bundle for central on the stick",
            "central put all \(held.count) in quarantine (their author is not a member): none reached its trusted log of \(central.entries) entries",
        ])
    }

    /// Central writes its audit report with the builder `careledger report` uses, into
    /// `<demo dir>/report`, and checks that every measure has data from this story.
    func writeReport() throws -> DemoOutcome {
        let out = root + "/report"
        let result = try AuditReportBuilder.build(central.ledger, outDir: out)
        reportPath = result.indexPath
        let f = result.figures
        let glass = f.access.breakGlass, runs = f.integrity.verifyRuns.count
        let ok = f.integrity.quarantined.count == quarantinedAtCentral && quarantinedAtCentral > 0 && !f.integrity.verifyRuns.isEmpty
            && Set(f.latency.map(\.site)) == ["clinic-a", "clinic-b", "field-team"]
            && f.conflicts.opened == 1 && f.conflicts.resolved == 1
            && glass.count == 1 && glass.first?.site == "clinic-b" && glass.first?.entryId == emergencyEntry?.hex
            && !result.html.contains("class=\"no-data\"")
        return DemoOutcome(ok, [
            "central built its audit report in \(String(format: "%.0f", f.auditEffort.buildMs)) ms, as `careledger report` does: \(result.indexPath)",
            "it shows \(runs) verify run\(runs == 1 ? "" : "s") with \(f.integrity.verifyFaults) faults and \(f.integrity.quarantined.count) quarantined entries, latency from \(f.latency.count) sites, \(f.conflicts.opened) conflict opened and \(f.conflicts.resolved) resolved, \(f.access.total) access decisions of which \(glass.count) break-glass",
        ])
    }
}
