import Foundation
import LedgerCore
import LedgerTrials
import Testing
import TestSupport

@Suite("Custody verification")
struct CustodyVerifierTests {
    @Test("a clean supply chain verifies with no incident and counts units on hand per site")
    func cleanChain() throws {
        let events = Custody.supplyChain + [Custody.event(.dispensing, at: "clinic-a", day: 4, serials: ["s1"])]
        let report = CustodyVerifier.verify(lot: "L1", events: try Custody.recorded(events))
        #expect(report.ok, "\(report.incidents.map(\.line))")
        #expect(report.events == 6)
        #expect(report.onHand.map { "\($0.site)=\($0.units)" } == ["clinic-a=2", "clinic-b=3", "depot=0"])
        #expect(report.serials.first { $0.serial == "s1" }?.state == "dispensed")
    }

    @Test("two clinics dispensing the same serial is one double_dispense incident naming both sites and both entries")
    func doubleDispense() throws {
        let a = Custody.event(.dispensing, at: "clinic-a", day: 5, serials: ["s1"])
        let b = Custody.event(.dispensing, at: "clinic-b", day: 6, serials: ["s1"])
        let recorded = try Custody.recorded(Custody.supplyChain + [a, b])
        let report = CustodyVerifier.verify(lot: "L1", events: recorded)
        let double = report.incidents.filter { $0.kind == .doubleDispense }
        #expect(double.count == 1)
        #expect(double.first?.sites == ["clinic-a", "clinic-b"])
        let ids = recorded.suffix(2).map(\.entryId)
        #expect(double.first?.entries == ids)
        #expect(double.first?.line.hasPrefix("double_dispense lot L1 serial s1 sites clinic-a,clinic-b entries \(ids[0].hex),\(ids[1].hex)") == true)
    }

    /// Test vectors: a chain and the incident kinds verify must report, in order (Specs/trials.md §6.4).
    static let vectors: [(name: String, events: [CustodyEventPayload], kinds: [CustodyIncident.Kind])] = [
        ("commissioned twice", [Custody.event(.commissioning, at: "depot", day: 0, serials: ["s1"]),
                                Custody.event(.commissioning, at: "depot-2", day: 1, serials: ["s1"])], [.doubleCommission]),
        ("held at two sites", Custody.supplyChain + [Custody.event(.dispensing, at: "clinic-b", day: 5, serials: ["s1"])], [.doubleCustody]),
        ("received twice", Custody.supplyChain + [Custody.event(.receiving, at: "clinic-a", day: 5, serials: ["s1"])], [.doubleReceipt]),
        ("event after destroying", Custody.supplyChain + [Custody.event(.destroying, at: "clinic-a", day: 5, serials: ["s2"]),
                                                          Custody.event(.shipping, at: "clinic-a", day: 6, serials: ["s2"], to: "depot")], [.afterTerminal]),
        ("receiving with no shipping", [Custody.event(.receiving, at: "clinic-a", day: 0, quantity: 5, from: "depot")], [.unmatchedReceiving]),
        ("shipping more than on hand", [Custody.event(.commissioning, at: "depot", day: 0, quantity: 5),
                                        Custody.event(.shipping, at: "depot", day: 1, quantity: 6, to: "clinic-a")], [.negativeQuantity]),
        ("dispensing in transit", [Custody.event(.commissioning, at: "depot", day: 0, serials: ["s1"]),
                                   Custody.event(.shipping, at: "depot", day: 1, serials: ["s1"], to: "clinic-a"),
                                   Custody.event(.dispensing, at: "clinic-a", day: 2, serials: ["s1"])], [.custodyGap, .negativeQuantity]),
        ("quantities balance", [Custody.event(.commissioning, at: "depot", day: 0, quantity: 100),
                                Custody.event(.shipping, at: "depot", day: 1, quantity: 40, to: "clinic-a"),
                                Custody.event(.receiving, at: "clinic-a", day: 2, quantity: 40, from: "depot"),
                                Custody.event(.dispensing, at: "clinic-a", day: 3, quantity: 40)], []),
    ]

    @Test("each test vector reports exactly its incident kinds", arguments: vectors.indices)
    func vector(_ index: Int) throws {
        let vector = Self.vectors[index]
        let report = CustodyVerifier.verify(lot: "L1", events: try Custody.recorded(vector.events))
        #expect(report.incidents.map(\.kind) == vector.kinds, "\(vector.name): \(report.incidents.map(\.line))")
    }

    @Test("the same event held twice (an idempotent re-import under another entry) is one event, not an incident")
    func duplicateEventID() throws {
        var recorded = try Custody.recorded(Custody.supplyChain)
        recorded.append(RecordedCustodyEvent(entryId: Hash32.sha256(Array("other entry".utf8)), author: .zero, payload: Custody.supplyChain[1]))
        let report = CustodyVerifier.verify(lot: "L1", events: recorded)
        #expect(report.ok)
        #expect(report.duplicates == 1)
        #expect(report.events == 5)
    }

    @Test("any arrival order of the same custody events gives the same report and the same incidents")
    func arrivalOrderDoesNotMatter() throws {
        // A fixed seed (printed on failure); CARELEDGER_SEED=N replays another.
        let seed = ProcessInfo.processInfo.environment["CARELEDGER_SEED"].flatMap { UInt64($0) } ?? 20_261_204
        var generator = SeededGenerator(seed: seed)
        for round in 0..<200 {
            // A random chain with faults: two clinics acting on shared serials, same-time events included.
            var events = Custody.supplyChain
            for i in 0..<Int.random(in: 1...8, using: &generator) {
                let step = CustodyStep.allCases.randomElement(using: &generator) ?? .dispensing
                let site = ["depot", "clinic-a", "clinic-b"].randomElement(using: &generator) ?? "depot"
                let serial = "s\(Int.random(in: 1...7, using: &generator))"
                let quantity: Int? = Bool.random(using: &generator) ? Int.random(in: 1...3, using: &generator) : nil
                events.append(Custody.event(step, at: site, day: Int64.random(in: 3...6, using: &generator), serials: [serial],
                                            quantity: quantity, to: step.sends ? "depot" : nil))
                _ = i
            }
            let recorded = try Custody.recorded(events)
            let expected = CustodyVerifier.verify(lot: "L1", events: recorded)
            for _ in 0..<5 {
                let shuffled = recorded.shuffled(using: &generator)
                let report = CustodyVerifier.verify(lot: "L1", events: shuffled)
                #expect(report == expected, "seed \(seed) round \(round): arrival order changed the report")
                if report != expected { return }
            }
        }
    }
}
