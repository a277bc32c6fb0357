/// A 32-byte value: an entry id, a Merkle node hash, a record's SHA-256 or a public key.
///
/// Stored as four big-endian 64-bit words so that comparison (the order sync ranges and
/// indexes rely on) is the lexicographic order of the bytes and costs four integer compares.
public struct Hash32: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The bytes 0..<8, 8..<16, 16..<24, 24..<32, each read big-endian.
    public var w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64

    /// The all-zero value, used where a format needs "no hash".
    public static let zero = Hash32(w0: 0, w1: 0, w2: 0, w3: 0)

    /// Creates a value from its four big-endian words.
    public init(w0: UInt64, w1: UInt64, w2: UInt64, w3: UInt64) {
        self.w0 = w0; self.w1 = w1; self.w2 = w2; self.w3 = w3
    }

    /// Creates a value from exactly 32 bytes; returns nil for any other length.
    public init?<Bytes: Collection>(bytes: Bytes) where Bytes.Element == UInt8 {
        guard bytes.count == 32 else { return nil }
        var words: [UInt64] = [0, 0, 0, 0]
        for (i, byte) in bytes.enumerated() { words[i >> 3] = (words[i >> 3] << 8) | UInt64(byte) }
        self.init(w0: words[0], w1: words[1], w2: words[2], w3: words[3])
    }

    /// Parses 64 lowercase or uppercase hex digits; returns nil for anything else.
    public init?(hex: String) {
        let utf8 = Array(hex.utf8)
        guard utf8.count == 64 else { return nil }
        var bytes = [UInt8](repeating: 0, count: 32)
        for i in 0..<32 {
            guard let hi = Self.nibble(utf8[2 * i]), let lo = Self.nibble(utf8[2 * i + 1]) else { return nil }
            bytes[i] = hi << 4 | lo
        }
        self.init(bytes: bytes)
    }

    /// The 32 bytes in order.
    public var bytes: [UInt8] {
        var out = [UInt8](); out.reserveCapacity(32)
        for word in [w0, w1, w2, w3] { for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: word >> UInt64(shift))) } }
        return out
    }

    /// Lowercase hex, 64 characters.
    public var hex: String { Hash32.hexString(bytes) }

    /// Lowercase hex, 64 characters.
    public var description: String { hex }

    public static func < (lhs: Hash32, rhs: Hash32) -> Bool {
        if lhs.w0 != rhs.w0 { return lhs.w0 < rhs.w0 }
        if lhs.w1 != rhs.w1 { return lhs.w1 < rhs.w1 }
        if lhs.w2 != rhs.w2 { return lhs.w2 < rhs.w2 }
        return lhs.w3 < rhs.w3
    }

    /// Lowercase hex of any bytes.
    public static func hexString<Bytes: Sequence>(_ bytes: Bytes) -> String where Bytes.Element == UInt8 {
        let digits = Array("0123456789abcdef".utf8)
        var out = [UInt8]()
        for byte in bytes { out.append(digits[Int(byte >> 4)]); out.append(digits[Int(byte & 0x0f)]) }
        return String(decoding: out, as: UTF8.self)
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return c - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
