import Foundation
import LedgerCore
import TestSupport
import Testing

/// Bad approvals (Specs/charter.md §5.4): each is kept or refused as the catalogue says, and
/// none of them counts towards a quorum.
@Suite("Charter approval catalogue")
struct CharterApprovalCatalogueTests {
    static func approval(_ proposal: Hash32) throws -> [[UInt8]] {
        [try CanonicalJSON.encode(ApprovePayload(proposal: proposal))]
    }

    static func held(_ ledger: SiteLedger) throws -> [[UInt8]] {
        var out: [[UInt8]] = []
        try ledger.forEachHeldEntry { _, bytes in out.append(bytes) }
        return out
    }

    @Test("forged approvals, approvals by a clinic, by a non-member, twice by the proposer, undecodable or of a non-proposal count nothing; the real one admits")
    func badApprovalsCountNothing() throws {
        let root = try TemporaryDirectory(prefix: "charter-approvals")
        defer { root.remove() }
        let genesis = root.path + "/genesis.json"
        let founder = try SiteLedger.foundNetwork(at: root.path + "/founder", siteName: "founder", networkName: "q", quorum: 2)
        try founder.writeGenesis(to: genesis)
        func join(_ name: String, _ role: MemberRole) throws -> SiteLedger {
            try SiteLedger.join(at: root.path + "/" + name, siteName: name, role: role, genesisPath: genesis)
        }
        let deputy = try join("deputy", .governance), clinic = try join("clinic", .clinic)
        let candidate = try join("candidate", .clinic), outsider = try join("outsider", .clinic)
        let observer = try join("observer", .auditor)
        _ = try founder.admit(AdmitPayload(key: deputy.siteKey, agreementKey: nil, name: "deputy", role: .governance))
        let clinicAdmission = try founder.admit(AdmitPayload(key: clinic.siteKey, agreementKey: nil, name: "clinic", role: .clinic))
        _ = try deputy.ingest(try Self.held(founder))
        _ = try deputy.approve(proposal: clinicAdmission.id)
        let proposal = try founder.admit(AdmitPayload(key: candidate.siteKey, agreementKey: nil, name: "candidate", role: .clinic)).id
        _ = try clinic.ingest(try Self.held(founder) + Self.held(deputy))
        _ = try deputy.ingest(try Self.held(founder))

        // Approvals that must count nothing, each a validly signed entry.
        #expect(throws: CoreError.self) { _ = try clinic.approve(proposal: proposal) }
        let byClinic = try clinic.append(kind: SiteLedger.CharterKind.approve, payloads: Self.approval(proposal))[0]
        _ = try outsider.append(kind: SiteLedger.CharterKind.approve, payloads: Self.approval(proposal))
        #expect(throws: CoreError.self) { _ = try founder.approve(proposal: proposal) }
        _ = try founder.append(kind: SiteLedger.CharterKind.approve, payloads: Self.approval(proposal))
        _ = try deputy.append(kind: SiteLedger.CharterKind.approve, payloads: [Array("{\"proposal\":\"not-hex\"}".utf8)])
        _ = try deputy.append(kind: SiteLedger.CharterKind.approve, payloads: Self.approval(byClinic.id))
        #expect(founder.charter.proposals[proposal]?.approvers == [founder.siteKey])
        #expect(founder.charter.members[candidate.siteKey] == nil)

        for site in [founder, clinic, outsider, candidate, deputy] { _ = try observer.ingest(try Self.held(site)) }
        #expect(observer.charter.members[candidate.siteKey] == nil)
        #expect(observer.charter.pendingProposals.map(\.entryID) == [proposal])
        #expect(observer.charter.proposals[proposal]?.approvers == [founder.siteKey])
        let quarantinedAuthors = Set(observer.quarantined.map { $0.entry.author })
        #expect(quarantinedAuthors == [outsider.siteKey, candidate.siteKey], "the outsider's approval waits in quarantine")
        #expect(observer.verify().ok)

        // The deputy's real approval, under a signature the clinic made: the batch is refused whole.
        let real = try deputy.approve(proposal: proposal)
        let forged = try Entry(content: real.content, signature: byClinic.signature)
        let before = observer.entryCount
        #expect(throws: CoreError.self) { _ = try observer.ingest([real.encoded, forged.encoded]) }
        #expect(observer.entryCount == before && observer.charter.members[candidate.siteKey] == nil)

        // The real approval alone admits the candidate; the outsider's entries stay quarantined.
        _ = try observer.ingest([real.encoded])
        #expect(observer.charter.members[candidate.siteKey]?.role == .clinic)
        #expect(observer.charter.pendingProposals.isEmpty)
        #expect(!observer.quarantined.isEmpty && observer.quarantined.allSatisfy { $0.entry.author == outsider.siteKey })
        #expect(observer.verify().ok)
    }
}
