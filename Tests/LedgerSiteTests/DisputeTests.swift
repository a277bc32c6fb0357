import Foundation
import LedgerConsent
import LedgerCore
import LedgerSite
import Logging
import TestSupport
import Testing

/// The dispute process (Specs/charter.md §6) between real sites of a quorum-2 network: any
/// member opens, only governance resolves and the quorum applies, and an upheld dispute on a
/// consent version changes `check`'s answer the same way at every site (Specs/consent.md §5.5).
@Suite("Disputes between sites")
struct DisputeTests {
    static let quiet = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func held(_ ledger: SiteLedger) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        try ledger.forEachHeldEntry { _, bytes in out.append(bytes) }
        return out
    }

    /// Central (founder, quorum 2), board (governance), clinic (admitted by both), and the
    /// clinic's permit consent for patient mrn-1 held by all three.
    struct Network {
        let folder: TemporaryDirectory
        let central: SiteLedger, board: SiteLedger, clinic: SiteLedger
        let version: Hash32

        init() throws {
            folder = try TemporaryDirectory(prefix: "careledger-dispute-test")
            let genesis = folder.path + "/genesis.json"
            central = try SiteLedger.foundNetwork(at: folder.path + "/central", siteName: "central", networkName: "d", quorum: 2, logger: quiet)
            try central.writeGenesis(to: genesis)
            board = try SiteLedger.join(at: folder.path + "/board", siteName: "board", role: .governance, genesisPath: genesis, logger: quiet)
            clinic = try SiteLedger.join(at: folder.path + "/clinic", siteName: "clinic", role: .clinic, genesisPath: genesis, logger: quiet)
            _ = try central.admit(AdmitPayload(key: board.siteKey, agreementKey: nil, name: "board", role: .governance))
            let admission = try central.admit(AdmitPayload(key: clinic.siteKey, agreementKey: nil, name: "clinic", role: .clinic))
            _ = try board.ingest(try held(central) + held(clinic))
            _ = try board.approve(proposal: admission.id)
            _ = try central.ingest(try held(board))
            _ = try clinic.ingest(try held(central))
            var consent = try SiteConsent(clinic)
            version = try #require(try consent.importFHIR([("a.json", TwoSites.consent(id: "c1", mrn: "mrn-1"))]).entries.first?.id)
            _ = try central.ingest(try held(clinic))
            _ = try board.ingest(try held(clinic))
        }

        /// `check`'s outcome at `ledger` for the clinic treating mrn-1.
        func outcome(_ ledger: SiteLedger) throws -> String {
            let consent = try SiteConsent(ledger)
            return "\(try consent.check(try TwoSites.request(consent, mrn: "mrn-1")).decision.outcome)"
        }
    }

    @Test("a clinic opens a dispute but cannot resolve it; one governance resolution waits for the quorum; the approval upholds it and check denies at every site, in either arrival order", arguments: [true, false])
    func upheldDisputeChangesCheckEverywhere(resolutionFirst: Bool) throws {
        let net = try Network()
        for site in [net.central, net.board, net.clinic] { #expect(try net.outcome(site) == "permit") }
        let dispute = try net.clinic.openDispute(about: net.version, reason: "signed under duress").id
        #expect(throws: CoreError.self) { _ = try net.clinic.resolveDispute(dispute, outcome: .upheld, note: "clinic") }
        let fromClinic = try Self.held(net.clinic)
        _ = try net.central.ingest(fromClinic)
        _ = try net.board.ingest(fromClinic)
        #expect(net.central.charter.openDisputes.map(\.id) == [dispute])
        let resolution = try net.central.resolveDispute(dispute, outcome: .upheld, note: "patient confirmed")
        #expect(net.central.charter.disputes[dispute]?.outcome == nil, "one of two approvals")
        #expect(net.central.charter.disputes[dispute]?.pendingResolutions == [resolution.id])
        #expect(try net.outcome(net.central) == "permit")
        _ = try net.board.ingest(try Self.held(net.central))
        let approval = try net.board.approve(proposal: resolution.id)
        #expect(net.board.charter.disputes[dispute]?.outcome == .upheld)
        // The clinic gets the approval and the resolution one at a time, in either order.
        let pieces = resolutionFirst ? [resolution.encoded, approval.encoded] : [approval.encoded, resolution.encoded]
        _ = try net.clinic.ingest([pieces[0]])
        #expect(net.clinic.charter.disputes[dispute]?.outcome == nil)
        #expect(try net.outcome(net.clinic) == "permit")
        _ = try net.clinic.ingest([pieces[1]])
        _ = try net.central.ingest(try Self.held(net.board))
        for site in [net.central, net.board, net.clinic] {
            #expect(site.charter.disputes[dispute]?.outcome == .upheld)
            #expect(site.charter.openDisputes.isEmpty)
            #expect(try net.outcome(site) == "deny", "the voided version stops counting; an opt-in network denies without consent")
            #expect(site.verify().ok)
        }
        #expect(throws: CoreError.self) { _ = try net.board.resolveDispute(dispute, outcome: .rejected, note: "again") }
    }

    @Test("a rejected dispute leaves check as it was, and a member that is not admitted cannot open one")
    func rejectedDisputeChangesNothing() throws {
        let net = try Network()
        let dispute = try net.clinic.openDispute(about: net.version, reason: "wrong patient").id
        _ = try net.central.ingest(try Self.held(net.clinic))
        let resolution = try net.central.resolveDispute(dispute, outcome: .rejected, note: "checked the paper form")
        _ = try net.board.ingest(try Self.held(net.central))
        _ = try net.board.approve(proposal: resolution.id)
        #expect(net.board.charter.disputes[dispute]?.outcome == .rejected)
        #expect(try net.outcome(net.board) == "permit")
        let stranger = try SiteLedger.join(at: net.folder.path + "/stranger", siteName: "stranger", role: .clinic,
                                           genesisPath: net.folder.path + "/genesis.json", logger: Self.quiet)
        _ = try stranger.ingest(try Self.held(net.clinic))
        #expect(throws: CoreError.self) { _ = try stranger.openDispute(about: net.version, reason: "not a member") }
    }
}
