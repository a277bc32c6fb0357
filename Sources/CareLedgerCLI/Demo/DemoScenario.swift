import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite

/// The end-to-end story `careledger demo` tells, step by step, on real site folders.
///
/// Each step does the work through the same library calls the commands make, checks the
/// outcome it expects, and narrates it. The steps share the sites below; the order is the
/// story: found → distribute → offline work → break-glass → concurrent edits → relay out →
/// merge → resolve → TCP → quarantine → relay back → tamper → verify → agree → report.
final class DemoScenario {
    static let stepCount = 16
    /// Records anchored by each clinic while offline.
    static let anchorsPerClinic = 120
    /// Consents each clinic registers while offline.
    static let consentsPerClinic = 12

    let root: String
    let recorder: DemoRecorder
    let central: DemoSite
    let clinicA: DemoSite
    let clinicB: DemoSite
    let field: DemoSite
    /// The final access decision per site for the conflicted patient.
    var finalDecisions: [(site: String, decision: AccessDecision)] = []
    /// Whether the final decisions agree.
    var decisionsAgree = false
    /// Figures the steps measured (bytes, entries, round trips), for `--json`.
    var figures: [String: Int] = [:]
    /// The break-glass decision's audit entry, written at clinic-b.
    var emergencyEntry: Hash32?
    /// Entries of the unadmitted laptop held in quarantine at central.
    var quarantinedAtCentral = 0
    /// Central's audit report (`<root>/report/index.html`), once written.
    var reportPath: String?

    private init(root: String, recorder: DemoRecorder, sites: [DemoSite]) {
        self.root = root
        self.recorder = recorder
        (central, clinicA, clinicB, field) = (sites[0], sites[1], sites[2], sites[3])
    }

    var stick: String { root + "/stick" }
    var sites: [DemoSite] { [central, clinicA, clinicB, field] }

    /// Runs every step; stops at the first step that throws.
    static func run(root: String, recorder: DemoRecorder) async throws -> DemoScenario {
        var founded: DemoScenario?
        try await recorder.step("found_network", "Found the network and admit the sites") {
            let (sites, outcome) = try found(root: root)
            founded = DemoScenario(root: root, recorder: recorder, sites: sites)
            return outcome
        }
        guard let scenario = founded else { throw DemoAbort(step: "found_network", message: "no sites were created") }
        try await scenario.runSteps()
        return scenario
    }

    private func runSteps() async throws {
        try await recorder.step("distribute_charter", "Carry the charter and baseline consents on the stick") { try self.distribute() }
        try await recorder.step("offline_work", "Clinics work offline: anchors, consents, access checks") { try self.offlineWork() }
        try await recorder.step("break_glass", "An emergency at clinic-b: break-glass access, audited") { try self.breakGlass() }
        try await recorder.step("concurrent_edits", "Two clinics edit one patient's consent while offline") { try self.concurrentEdits() }
        try await recorder.step("relay_out", "Field team relays clinic -> field -> central") { try self.relayOut() }
        try await recorder.step("merge_conflict", "Central merges and shows the conflict") { try self.showConflict() }
        try await recorder.step("resolve_conflict", "Central resolves the conflict (consent resolve)") { try self.resolve() }
        try await recorder.step("ehr_http", "An EHR asks central over HTTP (FHIR / CDS Hooks)") { try await self.ehrOverHTTP() }
        try await recorder.step("tcp_sync", "Clinic A syncs with central over TCP") { try await self.tcpSync() }
        try await recorder.step("quarantine", "An unadmitted laptop's entries are quarantined at central") { try self.quarantineStranger() }
        try await recorder.step("relay_back", "Field team carries central's news back") { try self.relayBack() }
        try await recorder.step("tamper_detected", "A tampered copy of a segment is caught by verify") { try self.tamper() }
        try await recorder.step("verify_all", "Every real site verifies clean") { try self.verifyAll() }
        try await recorder.step("decisions_agree", "The final access decision is the same everywhere") { try self.agree() }
        try await recorder.step("audit_report", "Central writes its audit report") { try self.writeReport() }
    }

    // MARK: steps 1-3 and 5: the network and offline work

    private static func found(root: String) throws -> ([DemoSite], DemoOutcome) {
        let centralLedger = try SiteLedger.foundNetwork(at: root + "/central", siteName: "central",
                                                        networkName: "Riverside Health Network", logger: DemoSite.quietLogger)
        let central = DemoSite(name: "central", role: .governance, directory: root + "/central", ledger: centralLedger)
        let genesis = root + "/genesis.json"
        try centralLedger.writeGenesis(to: genesis)
        func join(_ name: String, _ role: MemberRole) throws -> DemoSite {
            let ledger = try SiteLedger.join(at: root + "/" + name, siteName: name, role: role, genesisPath: genesis,
                                             logger: DemoSite.quietLogger)
            _ = try centralLedger.admit(AdmitPayload(key: ledger.siteKey, agreementKey: ledger.metadata.agreementKey,
                                                     name: name, role: role))
            return DemoSite(name: name, role: role, directory: root + "/" + name, ledger: ledger)
        }
        let sites = [central, try join("clinic-a", .clinic), try join("clinic-b", .clinic), try join("field-team", .field)]
        let members = centralLedger.charter.members.count
        return (sites, DemoOutcome(members == 4, [
            "central founded network \(centralLedger.networkID.hex.prefix(16))… (deny-overrides); clinic-a, clinic-b and field-team joined",
            "central admitted \(members - 1) sites with their signing and agreement keys: \(members) members",
        ]))
    }

    private func distribute() throws -> DemoOutcome {
        try FileManager.default.createDirectory(atPath: stick, withIntermediateDirectories: true)
        let baseline = try central.importConsents(DemoFHIR.baseline)
        let out = try DemoMailbox.sync(central, folder: stick)
        var lines = ["central registered patient demo-mrn-0001's consent (clinic-b may read observations for treatment, not HIV data)",
                     "central wrote \(out.bundlesWritten) bundle (\(out.bytesWritten) bytes, encrypted once, its key wrapped for each of the 3 other members) to the stick"]
        var ok = baseline.count == 1 && out.bundlesWritten == 1
        for site in [clinicA, clinicB, field] {
            let pass = try DemoMailbox.sync(site, folder: stick, to: [central])
            ok = ok && pass.rejected.isEmpty && site.ledger.charter.members.count == 4
        }
        let decision = try clinicB.check(mrn: DemoFHIR.conflictedPatient, actor: "Organization/clinic-b", purpose: "TREAT",
                                         classes: ["Observation"], record: false)
        ok = ok && decision.outcome == .permit
        lines.append("every site imported its bundle: 4 members known everywhere; clinic-b may read the patient's observations: \(decision.outcome.rawValue)")
        return DemoOutcome(ok, lines)
    }

    private func offlineWork() throws -> DemoOutcome {
        var lines: [String] = []
        var ok = true
        for (site, prefix) in [(clinicA, "a"), (clinicB, "b")] {
            let before = site.entries
            let anchors = try (1...Self.anchorsPerClinic).map { try DemoFHIR.anchorPayload(site: site.name, number: $0) }
            try site.ledger.append(kind: AnchorPayload.kind, payloads: anchors)
            let consents = try site.importConsents(DemoFHIR.clinicBundle(prefix: prefix, count: Self.consentsPerClinic,
                                                                         actor: "Organization/\(site.name)"))
            var permits = 0
            for n in 1...Self.consentsPerClinic {
                let mrn = String(format: "demo-mrn-%@%02d", prefix, n)
                let treat = try site.check(mrn: mrn, actor: "Organization/\(site.name)", purpose: "TREAT", classes: ["Observation"], record: true)
                let hiv = try site.check(mrn: mrn, actor: "Organization/\(site.name)", purpose: "TREAT", classes: ["Observation", "HIV"], record: true)
                if treat.outcome == .permit && hiv.outcome == .deny { permits += 1 }
            }
            ok = ok && consents.count == Self.consentsPerClinic && permits == Self.consentsPerClinic
            lines.append("\(site.name): \(Self.anchorsPerClinic) record hashes anchored, \(consents.count) FHIR consents imported, \(2 * Self.consentsPerClinic) access checks recorded (+\(site.entries - before) entries, \(site.ledger.statistics().bytesOnDisk) bytes on disk)")
        }
        return DemoOutcome(ok, lines)
    }

    private func concurrentEdits() throws -> DemoOutcome {
        try clinicA.importConsents(DemoFHIR.revocation)
        try clinicB.importConsents(DemoFHIR.widening)
        let atA = try clinicA.check(mrn: DemoFHIR.conflictedPatient, actor: "Organization/clinic-b", purpose: "TREAT",
                                    classes: ["Observation"], record: true)
        let atB = try clinicB.check(mrn: DemoFHIR.conflictedPatient, actor: "Organization/clinic-b", purpose: "TREAT",
                                    classes: ["Observation"], record: true)
        let localConflicts = try clinicA.conflicts().count + clinicB.conflicts().count
        let ok = atA.outcome == .deny && atB.outcome == .permit && localConflicts == 0
        return DemoOutcome(ok, [
            "clinic-a recorded the patient's revocation; clinic-b widened the same consent to research (HRESCH) and a study team",
            "offline, each sees only its own edit: clinic-a says \(atA.outcome.rawValue), clinic-b says \(atB.outcome.rawValue) for clinic-b/TREAT/Observation",
        ])
    }

    /// Runs a check of the conflicted patient's access at a site, without recording it.
    func conflictedCheck(at site: DemoSite) throws -> AccessDecision {
        try site.check(mrn: DemoFHIR.conflictedPatient, actor: "Organization/clinic-b", purpose: "TREAT",
                       classes: ["Observation"], record: false)
    }
}
