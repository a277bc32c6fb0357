import Foundation
import LedgerConsent
import LedgerCore
import Testing

/// A payload decoder takes the members it knows and refuses the first one nobody took, in
/// document order, with its path — also in objects of more than 64 members, where the members
/// taken are kept past the first 64 bits (Specs/consent.md §3.2).
@Suite("Payload members taken and refused")
struct PayloadMemberTests {
    /// `payload` (a canonical JSON object) with `extra` members spliced in first or last.
    static func splice(_ payload: [UInt8], _ extra: [String], first: Bool) -> [UInt8] {
        var text = String(decoding: payload, as: UTF8.self)
        let members = extra.map { "\"\($0)\":1" }.joined(separator: ",")
        if first {
            text.insert(contentsOf: members + ",", at: text.index(after: text.startIndex))
        } else {
            text.insert(contentsOf: "," + members, at: text.index(before: text.endIndex))
        }
        return Array(text.utf8)
    }

    static var payload: [UInt8] {
        let provision = ConsentProvision(type: .permit, actors: [ProvisionActor(role: Concept(codings: [], text: "care"), reference: "Practitioner/1")],
                                         purposes: [Coding(system: "http://terminology.hl7.org/CodeSystem/v3-ActReason", code: "TREAT")])
        return ConsentVersionPayload.encode(ConsentVersionContent(key: Fx.key, status: .active, scope: Fx.privacy, category: Fx.category,
                                                                  dateTime: Fx.jan2026, provision: provision))
    }

    @Test("a canonical payload's members are all taken: it decodes and encodes back to its bytes")
    func everyKnownMemberIsTaken() throws {
        let content = try ConsentVersionPayload.decode(Self.payload)
        #expect(ConsentVersionPayload.encode(content) == Self.payload)
        #expect(content.provision?.actors.first?.reference == "Practitioner/1")
        #expect(content.provision?.purposes.first?.code == "TREAT")
    }

    @Test("an unknown member after the known ones is named, in a small object and in one of more than 64 members")
    func unknownMemberAfterKnownOnesIsNamed() {
        for count in [1, 70] {
            let extra = (0..<count).map { String(format: "zz%02d", $0) }
            #expect {
                _ = try ConsentVersionPayload.decode(Self.splice(Self.payload, extra, first: false))
            } throws: { error in
                let error = error as? ConsentError
                return error?.code == .invalidValue && error?.path == "$.zz00" && error?.message == "unknown member"
            }
        }
    }

    @Test("with 70 unknown members before the known ones (taken at places past 64), the first is named")
    func unknownMembersBeforeKnownOnesAreNamed() {
        let extra = (0..<70).map { String(format: "a%02d", $0) }
        #expect {
            _ = try ConsentVersionPayload.decode(Self.splice(Self.payload, extra, first: true))
        } throws: { error in
            (error as? ConsentError)?.path == "$.a00"
        }
    }

    @Test("a wrongly typed value is refused with its path, which is built only then")
    func wrongTypeNamesItsPath() {
        var text = String(decoding: Self.payload, as: UTF8.self)
        text = text.replacingOccurrences(of: "\"consent_id\":\"c1\"", with: "\"consent_id\":7")
        #expect {
            _ = try ConsentVersionPayload.decode(Array(text.utf8))
        } throws: { error in
            let error = error as? ConsentError
            return error?.path == "$.consent_id" && error?.message == "expected a string, found number"
        }
    }
}
