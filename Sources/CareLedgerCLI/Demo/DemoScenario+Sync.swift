import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite

// Steps 6-10 and 12-14: the stick relay, the merge and resolution at central, TCP, tampering and
// the final agreement.
extension DemoScenario {
    func relayOut() throws -> DemoOutcome {
        // Clinics address the field team only: whatever reaches central went clinic -> field -> central.
        var lines: [String] = []
        var carried = 0, bytes = 0
        for clinic in [clinicA, clinicB] {
            let handOver = try DemoMailbox.sync(clinic, folder: stick, to: [field])
            let pickUp = try DemoMailbox.sync(field, folder: stick, to: [field])
            carried += pickUp.imported
            bytes += handOver.bytesWritten
            lines.append("at \(clinic.name): the clinic wrote \(handOver.exported) entries (\(handOver.bytesWritten) bytes) for the field team; the field team imported \(pickUp.imported)")
        }
        let drop = try DemoMailbox.sync(field, folder: stick, to: [central])
        let arrive = try DemoMailbox.sync(central, folder: stick, to: [field])
        let byA = try central.entries(by: clinicA.ledger.siteKey), ownA = try clinicA.entries(by: clinicA.ledger.siteKey)
        let byB = try central.entries(by: clinicB.ledger.siteKey), ownB = try clinicB.entries(by: clinicB.ledger.siteKey)
        let verified = central.ledger.verify().ok
        figures["stick_entries_relayed_to_central"] = arrive.imported
        figures["stick_bytes_clinics_to_field"] = bytes
        figures["stick_bytes_field_to_central"] = drop.bytesWritten
        lines.append("at central: the field team's bundle (\(drop.bytesWritten) bytes) brought \(arrive.imported) entries; \(byA) signed by clinic-a, \(byB) by clinic-b, signatures verified: \(verified)")
        let ok = byA == ownA && byB == ownB && verified && arrive.quarantined == 0 && carried > 0 && bytes > 0
        return DemoOutcome(ok, lines)
    }

    func showConflict() throws -> DemoOutcome {
        let conflicts = try central.conflicts()
        let decision = try conflictedCheck(at: central)
        guard let conflict = conflicts.first else {
            return DemoOutcome(false, ["expected one open consent conflict at central, found none"])
        }
        let ok = conflicts.count == 1 && conflict.heads.count == 2 && conflict.key.consentId == DemoFHIR.conflictedConsentID
            && decision.outcome == .deny
        return DemoOutcome(ok, [
            "conflict on consent \(conflict.key.consentId): \(conflict.heads.count) concurrent heads (\(conflict.heads.map { $0.hex.prefix(12) }.joined(separator: ", ")))",
            "meanwhile \(conflict.summary); clinic-b/TREAT/Observation: \(decision.outcome.rawValue)",
        ])
    }

    func resolve() throws -> DemoOutcome {
        guard let conflict = try central.conflicts().first else {
            return DemoOutcome(false, ["no conflict left to resolve at central"])
        }
        let entry = try central.resolve(conflict.key)
        let remaining = try central.conflicts().count
        let decision = try conflictedCheck(at: central)
        return DemoOutcome(remaining == 0 && decision.outcome == .deny, [
            "central wrote version \(entry.id.hex.prefix(12)) superseding both heads (the revocation is kept); open conflicts: \(remaining)",
            "both branches stay on the ledger; clinic-b/TREAT/Observation is now \(decision.outcome.rawValue) by the resolved version",
        ])
    }

    func tcpSync() async throws -> DemoOutcome {
        // Clinic A records more work after the field team left, so the sync runs both ways.
        let more = try (1...10).map { try DemoFHIR.anchorPayload(site: clinicA.name, number: 1000 + $0) }
        try clinicA.ledger.append(kind: AnchorPayload.kind, payloads: more)
        let (port, tcp) = try await DemoNetwork.sync(client: clinicA, server: central)
        let equal = try clinicA.summaryRoot() == central.summaryRoot()
        figures["tcp_entries_sent"] = tcp.sent
        figures["tcp_entries_received"] = tcp.received
        figures["tcp_bytes_out"] = tcp.bytesOut
        figures["tcp_bytes_in"] = tcp.bytesIn
        figures["tcp_round_trips"] = tcp.roundTrips
        let ok = equal && tcp.received > 0 && tcp.sent >= more.count
        return DemoOutcome(ok, [
            "serve on 127.0.0.1:\(port) (Noise XX, both keys checked against the charter); clinic-a sent \(tcp.sent) and received \(tcp.received) entries",
            "\(tcp.bytesOut) bytes out, \(tcp.bytesIn) bytes in, \(tcp.roundTrips) round trips, \(Int(tcp.duration * 1000)) ms; summary roots equal: \(equal)",
        ])
    }

    func relayBack() throws -> DemoOutcome {
        let fromCentral = try DemoMailbox.sync(central, folder: stick, to: [field])
        let atField = try DemoMailbox.sync(field, folder: stick)
        let atB = try DemoMailbox.sync(clinicB, folder: stick, to: [field])
        let atA = try DemoMailbox.sync(clinicA, folder: stick, to: [field])
        // Held entries travel too: every peer checks them and quarantines them for itself.
        let heldEverywhere = quarantinedAtCentral > 0 && sites.allSatisfy { $0.ledger.quarantined.count == quarantinedAtCentral }
        let roots = try sites.map { try $0.summaryRoot() }
        let converged = Set(roots).count == 1
        figures["entries_per_site"] = central.entries
        let counts = sites.map { "\($0.name) \($0.entries)" }.joined(separator: ", ")
        return DemoOutcome(converged && atB.imported > 0 && fromCentral.rejected.isEmpty, [
            "central -> field -> clinics: the field team imported \(atField.imported), clinic-b \(atB.imported), clinic-a \(atA.imported) entries"
                + (heldEverywhere ? "; each holds the laptop's \(quarantinedAtCentral) in quarantine too" : ""),
            "entries: \(counts); all four summary roots equal: \(converged)",
        ])
    }

    func tamper() throws -> DemoOutcome {
        let result = try DemoTamper.run(on: clinicB, into: root + "/tampered-copy-of-clinic-b")
        figures["tamper_faults_found"] = result.faults.count
        var lines = ["flipped 4 bytes at offset \(result.offset) of \(result.segment.split(separator: "/").suffix(3).joined(separator: "/")) and dropped the derived Merkle cache"]
        if let refused = result.openRefused {
            lines.append("the tampered copy refuses to open: \(refused)")
        } else if let first = result.faults.first {
            lines.append("verify: \(result.faults.count) fault(s), first: \(first.file) @\(first.offset): \(first.what)")
        } else {
            lines.append("verify found nothing: the tampering went unnoticed")
        }
        return DemoOutcome(result.detected, lines)
    }

    func verifyAll() throws -> DemoOutcome {
        var lines: [String] = []
        var ok = true
        for site in sites {
            let report = site.ledger.verify()
            try? site.ledger.recordVerifyRun(report)
            ok = ok && report.ok
            lines.append("\(site.name): \(report.ok ? "OK" : "FAULTS"): \(report.entriesChecked) entries, \(report.headsChecked) signed tree heads, \(report.faults.count) faults")
        }
        return DemoOutcome(ok, lines)
    }

    func agree() throws -> DemoOutcome {
        finalDecisions = try sites.map { ($0.name, try conflictedCheck(at: $0)) }
        let outcomes = Set(finalDecisions.map(\.decision.outcome))
        let bases = Set(finalDecisions.map(\.decision.basis))
        decisionsAgree = outcomes.count == 1 && bases.count == 1
        var lines = finalDecisions.map { "\($0.site): \($0.decision.outcome.rawValue) (\($0.decision.reason); basis \($0.decision.basis.map { $0.hex.prefix(12) }.joined(separator: ", ")))" }
        lines.append("clinic-b reading demo-mrn-0001's observations for treatment: \(decisionsAgree ? "the same answer at every site" : "SITES DISAGREE")")
        return DemoOutcome(decisionsAgree && outcomes == [.deny], lines)
    }
}
