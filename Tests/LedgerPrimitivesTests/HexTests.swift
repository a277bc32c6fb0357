import LedgerPrimitives
import TestSupport
import Testing

struct HexTests {
    @Test func bytesEncodeAsLowercaseDigits() {
        #expect(Hex.encode([]) == "")
        #expect(Hex.encode([0x00, 0x0f, 0xa5, 0xff]) == "000fa5ff")
    }

    @Test func eitherCaseDecodes() {
        #expect(Hex.decode("000fA5Ff") == [0x00, 0x0f, 0xa5, 0xff])
        #expect(Hex.decode("") == [])
    }

    @Test func oddLengthsAndNonHexDigitsAreRejected() {
        for text in ["0", "abc", "0g", "zz", " 00", "é0"] { #expect(Hex.decode(text) == nil, "\(text)") }
    }

    @Test func seededRandomBytesRoundTrip() {
        var generator = SeededGenerator(seed: 16)
        for length in 0..<200 {
            let bytes = generator.bytes(length)
            #expect(Hex.decode(Hex.encode(bytes)) == bytes, "seed 16, length \(length)")
        }
    }
}
