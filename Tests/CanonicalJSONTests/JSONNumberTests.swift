import CanonicalJSON
import Testing

@Suite("JSONNumber")
struct JSONNumberTests {
    @Test("spellings of one value give one canonical text", arguments: [
        ("1.50", "1.5"), ("15e-1", "1.5"), ("0.15E1", "1.5"), ("-0", "0"), ("-0.0e5", "0"), ("100", "100"),
        ("1e21", "1e+21"), ("1e20", "100000000000000000000"), ("0.000001", "0.000001"), ("1e-7", "1e-7"),
        ("123456789012345678901234", "1.23456789012345678901234e+23"), ("-12.5e-10", "-1.25e-9"),
    ])
    func canonicalText(input: String, expected: String) {
        #expect(JSONNumber(input)?.text == expected)
    }

    @Test("text that is not exactly one JSON number is refused", arguments: ["", " 1", "1 ", "+1", "01", "1.", ".5", "1e", "NaN", "1e1000000000000000", "-1e-1000000000000000"])
    func refused(input: String) {
        #expect(JSONNumber(input) == nil)
    }

    @Test("integers in range give their Int64 value; fractions and overflow give nil")
    func int64Value() {
        #expect(JSONNumber("1e2")?.int64Value == 100)
        #expect(JSONNumber("-9223372036854775808")?.int64Value == Int64.min)
        #expect(JSONNumber("9223372036854775808")?.int64Value == nil)
        #expect(JSONNumber("0.5")?.int64Value == nil)
        #expect(JSONNumber(Int64.max).text == "9223372036854775807")
    }
}
