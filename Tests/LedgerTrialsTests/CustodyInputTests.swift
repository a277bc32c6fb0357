import Foundation
import CanonicalJSON
import LedgerCore
import LedgerSite
import LedgerTrials
import Testing

@Suite("Custody input is refused by field, and nothing is written")
struct CustodyInputTests {
    /// Records `event` at a fresh site and expects a refusal naming `field`, with no entry written.
    func expectRefused(_ event: CustodyEventPayload, field: String) throws {
        let site = try OneSite()
        defer { site.folder.remove() }
        var trials = try SiteTrials(site.ledger)
        let before = site.entryCount
        do {
            _ = try trials.record([event])
            Issue.record("the event was accepted; expected a refusal naming \(field)")
        } catch let error as SiteError {
            #expect(error.code == .invalidRequest)
            #expect(error.message.contains("\(field):"), "\(error.message)")
            #expect(error.message.contains("nothing was written"))
            #expect((error.underlying as? TrialError)?.field == field)
        }
        #expect(site.entryCount == before, "nothing is written")
    }

    @Test("an unknown bizStep is refused naming bizStep")
    func unknownBizStep() throws {
        #expect(throws: TrialError(.invalidValue, "unknown CBV business step (CareLedger records commissioning, shipping, receiving, dispensing, returning, destroying)", field: "bizStep")) {
            try CustodyStep.parse("packing")
        }
        #expect(try CustodyStep.parse("https://ref.gs1.org/cbv/BizStep-shipping") == .shipping)
        #expect(try CustodyStep.parse("urn:epcglobal:cbv:bizstep:receiving") == .receiving)
    }

    @Test("a receiving without quantity or serial is refused naming quantity")
    func receivingWithoutUnits() throws {
        try expectRefused(Custody.event(.receiving, at: "clinic-a", day: 0), field: "quantity")
    }

    @Test("a negative or zero quantity is refused naming quantity")
    func negativeQuantity() throws {
        try expectRefused(Custody.event(.receiving, at: "clinic-a", day: 0, quantity: -3), field: "quantity")
        try expectRefused(Custody.event(.commissioning, at: "depot", day: 0, quantity: 0), field: "quantity")
    }

    @Test("a shipping without destination is refused naming destinationList")
    func shippingWithoutDestination() throws {
        try expectRefused(Custody.event(.shipping, at: "depot", day: 0, quantity: 1), field: "destinationList")
    }

    @Test("an EPCIS document with a malformed eventTime is refused naming the event's eventTime, and nothing is imported")
    func malformedEventTime() throws {
        let site = try OneSite()
        defer { site.folder.remove() }
        let good = EPCISDocument.event(Custody.event(.commissioning, at: "depot", day: 0, quantity: 5))
        var text = String(decoding: JSONWriter.canonical(good), as: UTF8.self)
        let bad = text.replacingOccurrences(of: #""eventTime":"2026-"#, with: #""eventTime":"26-"#)
        #expect(bad != text)
        text = #"{"type":"EPCISDocument","schemaVersion":"2.0","epcisBody":{"eventList":[\#(text),\#(bad)]}}"#
        let file = site.folder.path + "/bad.json"
        try Array(text.utf8).write(to: file)
        var trials = try SiteTrials(site.ledger)
        let before = site.entryCount
        #expect { try trials.importEPCIS(file: file, trial: nil) } throws: { error in
            let message = (error as? SiteError)?.message ?? ""
            return message.contains("epcisBody.eventList[1].eventTime") && message.contains("nothing was imported")
        }
        #expect(site.entryCount == before)
    }
}

extension Array where Element == UInt8 {
    func write(to path: String) throws { try Data(self).write(to: URL(fileURLWithPath: path)) }
}
