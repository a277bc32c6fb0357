/// Lowercase hex encoding and case-insensitive decoding of bytes: the one implementation
/// behind ids, keys and vectors printed as text.
public enum Hex {
    /// Lowercase hex, two digits per byte.
    ///
    /// Written straight into the string's storage from a digit table: ids are printed on
    /// every API answer and payload, so the generic append-per-digit form showed in profiles.
    public static func encode<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        if let encoded = bytes.withContiguousStorageIfAvailable({ encode(raw: UnsafeRawBufferPointer($0)) }) { return encoded }
        return Array(bytes).withUnsafeBytes { encode(raw: $0) }
    }

    /// Lowercase hex of the bytes in memory (a value's own bytes, without copying them out).
    public static func encode(raw bytes: UnsafeRawBufferPointer) -> String {
        guard !bytes.isEmpty else { return "" }
        return String(unsafeUninitializedCapacity: bytes.count * 2) { out in
            let table = digits.utf8Start
            var position = 0
            for byte in bytes {
                out[position] = table[Int(byte >> 4)]
                out[position + 1] = table[Int(byte & 0x0f)]
                position += 2
            }
            return position
        }
    }

    /// The sixteen lowercase digits, by value.
    private static var digits: StaticString { "0123456789abcdef" }

    /// Decodes an even number of hex digits (either case); nil for anything else.
    public static func decode<Text: StringProtocol>(_ text: Text) -> [UInt8]? {
        let utf8 = Array(text.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(utf8.count / 2)
        var index = 0
        while index < utf8.count {
            guard let high = value(of: utf8[index]), let low = value(of: utf8[index + 1]) else { return nil }
            out.append(high << 4 | low)
            index += 2
        }
        return out
    }

    /// The lowercase digit of a nibble.
    @inline(__always)
    static func digit(_ nibble: UInt8) -> UInt8 {
        nibble < 10 ? UInt8(ascii: "0") + nibble : UInt8(ascii: "a") + nibble - 10
    }

    /// The value of one hex digit, nil for any other byte.
    public static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return digit - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return digit - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return digit - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
