import LedgerCore
import TestSupport
import Testing

/// The quorum rule of Specs/charter.md §5 as a pure function of the set of charter events:
/// no I/O, no signatures (the site tests check those).
@Suite("Charter quorum")
struct CharterQuorumTests {
    /// A small network: the founder `F` with quorum `quorum`, and keys named by letter.
    struct Net {
        var charter: NetworkCharter
        var time: UInt64 = 1
        var ids: UInt8 = 1

        static func key(_ letter: Character) -> Hash32 {
            Hash32(bytes: [UInt8](repeating: UInt8(letter.asciiValue ?? 0), count: 32)) ?? .zero
        }

        init(quorum: Int) throws {
            charter = try NetworkCharter(genesis: GenesisPayload(
                networkName: "n", founderName: "F", founderKey: Self.key("F"), founderAgreementKey: Self.key("f"),
                created: "2026-12-05T00:00:00Z", quorum: quorum))
        }

        /// A new event by `author` (not applied).
        mutating func event(_ author: Character, _ change: NetworkCharter.Change) -> NetworkCharter.Event {
            defer { time += 1; ids += 1 }
            return .init(entryID: Hash32(bytes: [UInt8](repeating: ids, count: 32)) ?? .zero, author: Self.key(author),
                         timestamp: HybridTimestamp(wallMillis: time, counter: 0), change: change)
        }

        mutating func admit(_ author: Character, _ who: Character, _ role: MemberRole) -> NetworkCharter.Event {
            event(author, .admit(AdmitPayload(key: Self.key(who), agreementKey: nil, name: String(who), role: role)))
        }

        mutating func approve(_ author: Character, _ proposal: NetworkCharter.Event) -> NetworkCharter.Event {
            event(author, .approve(ApprovePayload(proposal: proposal.entryID)))
        }

        func role(_ who: Character) -> MemberRole? { charter.members[Self.key(who)]?.role }
    }

    @Test("a genesis with quorum 1 has the same bytes and network id as one that states none")
    func quorumOneKeepsNetworkIDs() throws {
        let plain = GenesisPayload(networkName: "n", founderName: "F", founderKey: Net.key("F"), founderAgreementKey: Net.key("f"), created: "t")
        let one = GenesisPayload(networkName: "n", founderName: "F", founderKey: Net.key("F"), founderAgreementKey: Net.key("f"), created: "t", quorum: 1)
        #expect(try CanonicalJSON.encode(plain) == CanonicalJSON.encode(one))
        #expect(try NetworkCharter.networkID(of: plain) == NetworkCharter.networkID(of: one))
        let two = GenesisPayload(networkName: "n", founderName: "F", founderKey: Net.key("F"), founderAgreementKey: Net.key("f"), created: "t", quorum: 2)
        #expect(String(decoding: try CanonicalJSON.encode(two), as: UTF8.self).contains("\"quorum\":2"))
    }

    @Test("with quorum 2 the founder seats one governance site alone, and nothing more")
    func founderSeatsTheFirstGovernanceSitesOnly() throws {
        var net = try Net(quorum: 2)
        net.charter.apply(net.admit("F", "D", .governance))
        let second = net.admit("F", "G", .governance)
        net.charter.apply(second)
        net.charter.apply(net.admit("F", "C", .clinic))
        #expect(net.role("D") == .governance)
        #expect(net.role("G") == nil && net.role("C") == nil)
        #expect(net.charter.pendingProposals.count == 2)
        net.charter.apply(net.approve("D", second))
        #expect(net.role("G") == .governance)
        #expect(net.charter.pendingProposals.count == 1)
    }

    @Test("a second approval by the same site, the proposer's own approval and a clinic's approval do not count")
    func onlyDistinctGovernanceApprovalsCount() throws {
        var net = try Net(quorum: 3)
        net.charter.apply(net.admit("F", "D", .governance))
        net.charter.apply(net.admit("F", "E", .governance))
        let clinicAdmission = net.admit("F", "M", .clinic)
        net.charter.apply(clinicAdmission)
        net.charter.apply(net.approve("D", clinicAdmission))
        net.charter.apply(net.approve("E", clinicAdmission))
        #expect(net.role("M") == .clinic, "F, D and E: three distinct governance approvals")
        let proposal = net.admit("F", "C", .clinic)
        net.charter.apply(proposal)
        for event in [net.approve("D", proposal), net.approve("D", proposal), net.approve("F", proposal),
                      net.approve("M", proposal), net.approve("X", proposal)] {
            net.charter.apply(event)
        }
        #expect(net.role("C") == nil)
        #expect(net.charter.proposals[proposal.entryID]?.approvers == [Net.key("D"), Net.key("F")])
        net.charter.apply(net.approve("E", proposal))
        #expect(net.role("C") == .clinic)
    }

    @Test("a proposal by a clinic is no proposal, whoever approves it")
    func clinicProposalsNeverApply() throws {
        var net = try Net(quorum: 2)
        net.charter.apply(net.admit("F", "D", .governance))
        let clinic = net.admit("F", "M", .clinic)
        net.charter.apply(clinic)
        net.charter.apply(net.approve("D", clinic))
        let forged = net.admit("M", "X", .governance)
        net.charter.apply(forged)
        net.charter.apply(net.approve("F", forged))
        net.charter.apply(net.approve("D", forged))
        #expect(net.role("X") == nil)
        #expect(net.charter.proposals[forged.entryID] == nil)
    }

    @Test("a revocation and a role change wait for the quorum like an admission")
    func revocationsAndRoleChangesNeedTheQuorum() throws {
        var net = try Net(quorum: 2)
        net.charter.apply(net.admit("F", "D", .governance))
        let clinic = net.admit("F", "M", .clinic)
        net.charter.apply(clinic)
        net.charter.apply(net.approve("D", clinic))
        let promote = net.admit("D", "M", .central)
        let revoke = net.event("F", .revoke(RevokePayload(key: Net.key("M"), reason: "lost", effectiveFrom: HybridTimestamp(wallMillis: 100, counter: 0))))
        net.charter.apply(promote)
        net.charter.apply(revoke)
        #expect(net.role("M") == .clinic && net.charter.members[Net.key("M")]?.revokedFrom == nil)
        net.charter.apply(net.approve("F", promote))
        net.charter.apply(net.approve("D", revoke))
        #expect(net.role("M") == .central && net.charter.members[Net.key("M")]?.revokedFrom != nil)
        #expect(net.charter.pendingProposals.isEmpty)
    }

    @Test("every arrival order of the same events gives the same members and proposals (seeded)")
    func arrivalOrderDoesNotMatter() throws {
        var base = try Net(quorum: 2)
        var events: [NetworkCharter.Event] = []
        events.append(base.admit("F", "D", .governance))
        let g = base.admit("F", "G", .governance); events.append(g)
        events.append(base.approve("D", g))
        let c = base.admit("G", "C", .clinic); events.append(c)
        events.append(base.approve("C", c))
        events.append(base.approve("G", c))
        let m = base.admit("D", "M", .auditor); events.append(m)
        events.append(base.approve("F", m))
        let x = base.admit("F", "X", .clinic); events.append(x)
        events.append(base.approve("M", x))
        events.append(base.approve("F", x))
        var reference = try Net(quorum: 2)
        for event in events { reference.charter.apply(event) }
        #expect(reference.role("G") == .governance && reference.role("C") == nil && reference.role("M") == .auditor)
        #expect(reference.role("X") == nil)
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SeededGenerator(seed: seed)
        for round in 0..<200 {
            var net = try Net(quorum: 2)
            for event in events.shuffled(using: &rng) { net.charter.apply(event) }
            #expect(net.charter.members == reference.charter.members, "seed \(seed), round \(round)")
            #expect(net.charter.proposals == reference.charter.proposals, "seed \(seed), round \(round)")
        }
    }
}

/// Tests/Vectors/charter-quorum.json, made independently in Python (Specs/charter.md §2, §5.1, §6.1).
@Suite("Charter quorum vectors")
struct CharterQuorumVectorTests {
    @Test("genesis payloads with and without a quorum, an approval and dispute payloads encode to the vectors' bytes and network ids")
    func payloadsMatchTheVectors() throws {
        let cases = try #require(try Fixtures.vector("charter-quorum.json")["cases"] as? [[String: Any]])
        #expect(cases.count == 7)
        for vector in cases {
            let expected = try #require(vector["payload"] as? String)
            if vector["kind"] as? String == "dispute.open" {
                let payload = DisputeOpenPayload(entry: try Fixtures.hash(try #require(vector["entry"] as? String)),
                                                 reason: try #require(vector["reason"] as? String))
                #expect(String(decoding: try CanonicalJSON.encode(payload), as: UTF8.self) == expected)
                #expect(try CanonicalJSON.decode(DisputeOpenPayload.self, from: Array(expected.utf8)) == payload)
                continue
            }
            if vector["kind"] as? String == "dispute.resolve" {
                let outcomeText = try #require(vector["outcome"] as? String)
                let outcome = try #require(DisputeOutcome(rawValue: outcomeText))
                let payload = DisputeResolvePayload(dispute: try Fixtures.hash(try #require(vector["dispute"] as? String)),
                                                    outcome: outcome, note: try #require(vector["note"] as? String))
                #expect(String(decoding: try CanonicalJSON.encode(payload), as: UTF8.self) == expected)
                #expect(try CanonicalJSON.decode(DisputeResolvePayload.self, from: Array(expected.utf8)) == payload)
                continue
            }
            if vector["kind"] as? String == "charter.approve" {
                let proposal = try Fixtures.hash(try #require(vector["proposal"] as? String))
                #expect(String(decoding: try CanonicalJSON.encode(ApprovePayload(proposal: proposal)), as: UTF8.self) == expected)
                #expect(try CanonicalJSON.decode(ApprovePayload.self, from: Array(expected.utf8)).proposal == proposal)
                continue
            }
            let quorum = try #require(vector["quorum"] as? Int)
            let genesis = GenesisPayload(
                networkName: "District network", founderName: "central",
                founderKey: try Fixtures.hash(String(repeating: "11", count: 32)),
                founderAgreementKey: try Fixtures.hash(String(repeating: "22", count: 32)),
                created: "2026-12-05T03:00:00Z", quorum: quorum)
            #expect(String(decoding: try CanonicalJSON.encode(genesis), as: UTF8.self) == expected, "quorum \(quorum)")
            #expect(try NetworkCharter.networkID(of: genesis).hex == vector["network_id"] as? String, "quorum \(quorum)")
            let decoded = try CanonicalJSON.decode(GenesisPayload.self, from: Array(expected.utf8))
            #expect(decoded.effectiveQuorum == quorum)
        }
    }
}

/// Disputes as a pure function of the event set (Specs/charter.md §6).
@Suite("Charter disputes")
struct CharterDisputeTests {
    typealias Net = CharterQuorumTests.Net

    @Test("only a resolution by governance approved by the quorum decides a dispute, the latest such wins, whatever the arrival order (seeded)")
    func resolutionsFollowTheQuorumInAnyOrder() throws {
        var base = try Net(quorum: 2)
        var events: [NetworkCharter.Event] = []
        events.append(base.admit("F", "D", .governance))
        let clinic = base.admit("F", "M", .clinic); events.append(clinic)
        events.append(base.approve("D", clinic))
        let subject = Hash32(bytes: [UInt8](repeating: 0xEE, count: 32)) ?? .zero
        let open = base.event("M", .disputeOpen(DisputeOpenPayload(entry: subject, reason: "why")))
        events.append(open)
        let byClinic = base.event("M", .disputeResolve(DisputeResolvePayload(dispute: open.entryID, outcome: .rejected, note: "mine")))
        events.append(byClinic)
        events.append(base.approve("F", byClinic))
        events.append(base.approve("D", byClinic))
        let upheld = base.event("F", .disputeResolve(DisputeResolvePayload(dispute: open.entryID, outcome: .upheld, note: "yes")))
        events.append(upheld)
        events.append(base.approve("D", upheld))
        events.append(base.approve("M", upheld))
        let lateReject = base.event("D", .disputeResolve(DisputeResolvePayload(dispute: open.entryID, outcome: .rejected, note: "no")))
        events.append(lateReject)
        events.append(base.approve("M", lateReject))
        var reference = try Net(quorum: 2)
        for event in events { reference.charter.apply(event) }
        let dispute = try #require(reference.charter.disputes[open.entryID])
        #expect(dispute.outcome == .upheld && dispute.resolution == upheld.entryID, "a clinic's resolution never applies; a clinic's approval never counts")
        #expect(dispute.pendingResolutions == [lateReject.entryID])
        #expect(reference.charter.upheldEntries == [subject])
        #expect(reference.charter.proposals[byClinic.entryID] == nil)
        let seed = UInt64.random(in: 0...UInt64.max)
        var rng = SeededGenerator(seed: seed)
        for round in 0..<200 {
            var net = try Net(quorum: 2)
            for event in events.shuffled(using: &rng) { net.charter.apply(event) }
            #expect(net.charter.disputes == reference.charter.disputes, "seed \(seed), round \(round)")
        }
        reference.charter.apply(base.approve("F", lateReject))
        #expect(reference.charter.disputes[open.entryID]?.outcome == .rejected, "the latest resolution in effect decides")
        #expect(reference.charter.upheldEntries.isEmpty)
    }
}
