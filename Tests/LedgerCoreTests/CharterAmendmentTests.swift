import LedgerCore
import TestSupport
import Testing

/// Charter amendments of the witnesses default (Specs/charter.md §7) as a pure function of the
/// set of charter events: no I/O, no signatures (CharterWitnessesTests checks those).
@Suite("Charter amendments")
struct CharterAmendmentTests {
    typealias Net = CharterQuorumTests.Net

    @Test("the amendment payload's canonical bytes, and a payload outside 0–64 is invalid")
    func payloadBytes() throws {
        #expect(String(decoding: try CanonicalJSON.encode(AmendPayload(witnesses: 3)), as: UTF8.self) == "{\"witnesses\":3}")
        #expect(try CanonicalJSON.decode(AmendPayload.self, from: Array("{\"witnesses\":0}".utf8)) == AmendPayload(witnesses: 0))
        #expect(AmendPayload(witnesses: 0).isValid && AmendPayload(witnesses: 64).isValid)
        #expect(!AmendPayload(witnesses: -1).isValid && !AmendPayload(witnesses: 65).isValid)
    }

    @Test("under quorum 2 the latest amendment in effect decides, whatever order the events arrive in; pending ones and a clinic's count nothing")
    func latestInEffectDecides() throws {
        var net = try Net(quorum: 2)
        let deputy = net.admit("F", "D", .governance)
        let clinic = net.admit("F", "C", .clinic)
        let clinicApproval = net.approve("D", clinic)
        let raise = net.event("F", .amend(AmendPayload(witnesses: 3)))
        let raiseApproved = net.approve("D", raise)
        let lower = net.event("D", .amend(AmendPayload(witnesses: 1)))          // later, never approved
        let byClinic = net.event("C", .amend(AmendPayload(witnesses: 0)))       // later still, not governance
        let clinicSelfApproval = net.approve("F", byClinic)
        let events = [deputy, clinic, clinicApproval, raise, raiseApproved, lower, byClinic, clinicSelfApproval]
        var generator = SeededGenerator(seed: 7)
        for round in 0..<20 {
            var charter = try NetworkCharter(genesis: net.charter.genesis)
            for event in events.shuffled(using: &generator) { charter.apply(event) }
            #expect(charter.witnessesDefault == 3, "round \(round)")
            #expect(charter.witnessesAmendment?.entryID == raise.entryID, "round \(round)")
            #expect(charter.pendingProposals.map(\.entryID) == [lower.entryID], "round \(round)")
            var batched = try NetworkCharter(genesis: net.charter.genesis)
            batched.apply(contentsOf: events.shuffled(using: &generator))
            #expect(batched.witnessesDefault == 3 && batched.proposals == charter.proposals, "round \(round)")
        }
        // The founder approves the deputy's later amendment: it is in effect and, being later, decides.
        var charter = try NetworkCharter(genesis: net.charter.genesis)
        charter.apply(contentsOf: events + [net.approve("F", lower)])
        #expect(charter.witnessesDefault == 1 && charter.witnessesAmendment?.entryID == lower.entryID)
    }

    @Test("without an amendment the genesis's witnesses hold, else 0")
    func genesisValue() throws {
        let net = try Net(quorum: 1)
        #expect(net.charter.witnessesDefault == 0 && net.charter.witnessesAmendment == nil)
        let two = try NetworkCharter(genesis: GenesisPayload(networkName: "n", founderName: "F", founderKey: Net.key("F"),
                                                            founderAgreementKey: Net.key("f"), created: "t", witnesses: 2))
        #expect(two.witnessesDefault == 2)
    }
}
