import CanonicalJSON
import Foundation
import LedgerCore
import LedgerSite
import LedgerTrials
import Testing

/// EPCIS 2.0 JSON in and out (Specs/trials.md §7). GS1's JSON schema is not vendored (§7.3):
/// `structuralCheck` states what it requires of an ObjectEvent, field by field.
@Suite("EPCIS 2.0 documents")
struct EPCISDocumentTests {
    /// The EPCIS 2.0 JSON schema's requirements for a document of ObjectEvents, as written
    /// in Specs/trials.md §7.3. Returns the faults found (empty when it holds).
    static func structuralCheck(_ document: JSONValue) -> [String] {
        var faults: [String] = []
        func member(_ v: JSONValue, _ k: String) -> JSONValue? {
            if case .object(let m) = v { return m.first { $0.0 == k }?.1 }
            return nil
        }
        func isString(_ v: JSONValue?) -> Bool { if case .string? = v { return true } else { return false } }
        if case .string("EPCISDocument")? = member(document, "type") {} else { faults.append("type") }
        if case .string("2.0")? = member(document, "schemaVersion") {} else { faults.append("schemaVersion") }
        if !isString(member(document, "creationDate")) || RFC3339.millis(from: { if case .string(let s)? = member(document, "creationDate") { return s } else { return "" } }()) == nil { faults.append("creationDate") }
        if case .array? = member(document, "@context") {} else { faults.append("@context") }
        guard let body = member(document, "epcisBody"), case .array(let events)? = member(body, "eventList") else { return faults + ["epcisBody.eventList"] }
        for (i, event) in events.enumerated() {
            let p = "eventList[\(i)]"
            if case .string("ObjectEvent")? = member(event, "type") {} else { faults.append("\(p).type") }
            for key in ["eventTime", "eventTimeZoneOffset", "action", "bizStep", "disposition", "eventID"] where !isString(member(event, key)) { faults.append("\(p).\(key)") }
            if case .string(let t)? = member(event, "eventTime"), RFC3339.millis(from: t) == nil { faults.append("\(p).eventTime format") }
            if case .string(let o)? = member(event, "eventTimeZoneOffset"), o.range(of: #"^[+-]([01][0-9]|2[0-3]):[0-5][0-9]$"#, options: .regularExpression) == nil { faults.append("\(p).eventTimeZoneOffset pattern") }
            if case .string(let a)? = member(event, "action"), !["ADD", "OBSERVE", "DELETE"].contains(a) { faults.append("\(p).action enum") }
            if case .string(let id)? = member(event, "eventID"), !id.contains(":") { faults.append("\(p).eventID uri") }
            guard case .array(let epcs)? = member(event, "epcList"), epcs.allSatisfy({ isString($0) }) else { faults.append("\(p).epcList"); continue }
            if let point = member(event, "readPoint"), !isString(member(point, "id")) { faults.append("\(p).readPoint.id") }
            if case .array(let qs)? = member(event, "quantityList") {
                for q in qs { if !isString(member(q, "epcClass")) || (member(q, "quantity")?.int64Value ?? -1) < 0 { faults.append("\(p).quantityList") } }
            }
            for (list, key) in [("sourceList", "source"), ("destinationList", "destination")] {
                if case .array(let items)? = member(event, list) { for item in items where !isString(member(item, "type")) || !isString(member(item, key)) { faults.append("\(p).\(list)") } }
            }
        }
        return faults
    }

    @Test("an event written by the library and exported passes the EPCIS 2.0 structural check")
    func exportValidates() throws {
        let events = Custody.supplyChain + [Custody.event(.commissioning, at: "depot", day: 0, quantity: 50)]
        let document = try JSONParser.parse(EPCISDocument.export(events, created: Custody.start))
        #expect(Self.structuralCheck(document) == [])
        // The check can fail: a document with a bad offset is caught.
        var broken = events[0]
        broken.eventTimeZoneOffset = "+25:00"
        #expect(Self.structuralCheck(try JSONParser.parse(EPCISDocument.export([broken], created: Custody.start))) == ["eventList[0].eventTimeZoneOffset pattern"])
    }

    @Test("an export read back gives the same events with their event hash ids")
    func roundTrip() throws {
        let events = Custody.supplyChain + [Custody.event(.dispensing, at: "clinic-a", day: 4, serials: ["s1"])]
        let read = try EPCISDocument.read(EPCISDocument.export(events, created: Custody.start), trial: nil)
        #expect(read == events)
    }

    @Test("an imported event keeps its event id, and importing the same document twice writes nothing the second time")
    func importIsIdempotent() throws {
        let site = try OneSite()
        defer { site.folder.remove() }
        var event = Custody.event(.commissioning, at: "depot", day: 0, quantity: 50)
        event.eventId = "ni:///sha-256;\(String(repeating: "ab", count: 32))?ver=CBV2.0"
        let file = site.folder.path + "/depot.json"
        try Data(EPCISDocument.export([event] + Custody.supplyChain, created: Custody.start)).write(to: URL(fileURLWithPath: file))
        var trials = try SiteTrials(site.ledger)
        let first = try trials.importEPCIS(file: file, trial: nil)
        #expect(first.count == 6 && first.allSatisfy { !$0.alreadyHeld })
        #expect(first[0].eventId == event.eventId)
        let after = site.entryCount
        var again = try SiteTrials(site.ledger)
        let second = try again.importEPCIS(file: file, trial: nil)
        #expect(second.allSatisfy { $0.alreadyHeld })
        #expect(second.map(\.entryId) == first.map(\.entryId))
        #expect(site.entryCount == after)
        #expect(again.verify(lot: "L1").ok)
    }
}

@Suite("Event hash ids")
struct EventHashIDTests {
    /// Vector (Specs/trials.md §3.3): a shipping of two serials and a quantity from depot to clinic-a.
    static let event = CustodyEventPayload(
        trial: "T1", lot: "L1", eventTime: 1_780_000_000_000, bizStep: .shipping, readPoint: "depot",
        serials: ["urn:epc:id:sgtin:0614141.107346.2", "urn:epc:id:sgtin:0614141.107346.1"], quantity: 3, destination: "clinic-a")

    @Test("the pre-hash string lists the fields in the fixed order with serials sorted (vector)")
    func preHash() {
        #expect(EventHashID.preHash(Self.event) == """
        eventType=ObjectEvent
        eventTime=2026-05-28T20:26:40.000Z
        eventTimeZoneOffset=+00:00
        epcList=urn:epc:id:sgtin:0614141.107346.1
        epcList=urn:epc:id:sgtin:0614141.107346.2
        quantityList=urn:careledger:trial:T1:lot:L1 3
        action=OBSERVE
        bizStep=https://ref.gs1.org/cbv/BizStep-shipping
        disposition=https://ref.gs1.org/cbv/Disp-in_transit
        readPoint=urn:careledger:site:depot
        destinationList=https://ref.gs1.org/cbv/SDT-location urn:careledger:site:clinic-a
        """)
    }

    @Test("the event hash id is ni:///sha-256;HEX?ver=CBV2.0 over the pre-hash string, and any field change changes it")
    func hashID() {
        let id = EventHashID.compute(Self.event)
        #expect(id == "ni:///sha-256;" + Hash32.sha256(Array(EventHashID.preHash(Self.event).utf8)).hex + "?ver=CBV2.0")
        var moved = Self.event
        moved.readPoint = "depot-2"
        #expect(EventHashID.compute(moved) != id)
        #expect(Self.event.withEventHashID().eventId == id)
    }
}
