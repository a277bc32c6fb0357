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

struct HexTableTests {
    @Test("every byte encodes as its two lowercase digits, alone and inside longer runs")
    func everyByteEncodesAsTwoDigits() {
        var all = ""
        for byte in UInt8.min...UInt8.max {
            let expected = (byte < 16 ? "0" : "") + String(byte, radix: 16)
            #expect(Hex.encode([byte]) == expected)
            all += expected
        }
        #expect(Hex.encode(Array(UInt8.min...UInt8.max)) == all)
        #expect(Hex.encode((UInt8.min...UInt8.max).lazy.map { $0 }) == all, "a sequence without contiguous storage")
    }
}
