import LedgerConsent
import Testing

/// ConsentError's codes are extensible structs: they keep the strings of the former enum.
@Suite("Consent error codes")
struct ConsentErrorCodeTests {
    static let codes: [(ConsentError.Code, String)] = [
        (.malformedJSON, "malformed-json"), (.unsupportedElement, "unsupported-element"),
        (.missingElement, "missing-element"), (.invalidValue, "invalid-value"),
        (.nonCanonicalPayload, "non-canonical-payload"), (.invalidPatient, "invalid-patient"),
        (.unknownConsent, "unknown-consent"),
    ]

    @Test("every code keeps its string, is distinct, and ends the error's description")
    func codesKeepTheirStrings() {
        for (code, text) in Self.codes {
            #expect(code.rawValue == text && code.description == text)
            #expect(ConsentError.Code(rawValue: text) == code)
            #expect(ConsentError(code, "m", path: "Consent.status").description == "Consent.status: m (\(text))")
        }
        #expect(Set(Self.codes.map(\.0)).count == Self.codes.count)
    }
}
