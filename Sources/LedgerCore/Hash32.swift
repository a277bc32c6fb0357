import Crypto
import Foundation

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
        let value: Hash32? = bytes.withContiguousStorageIfAvailable { buffer in
            Hash32(unsafeBytes: UnsafeRawBufferPointer(buffer))
        }
        if let value {
            self = value
        } else {
            let array = Array(bytes)
            self = array.withUnsafeBytes { Hash32(unsafeBytes: $0) }
        }
    }

    /// Reads the first 32 bytes of `raw`, which must hold at least 32 bytes.
    ///
    /// The fast path for decoders and digests: no allocation, four unaligned loads.
    @inlinable
    public init(unsafeBytes raw: UnsafeRawBufferPointer) {
        precondition(raw.count >= 32, "Hash32 needs 32 bytes")
        self.init(
            w0: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self)),
            w1: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self)),
            w2: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self)),
            w3: UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self)))
    }

    /// The SHA-256 digest as a value.
    public init(_ digest: SHA256.Digest) {
        self = digest.withUnsafeBytes { Hash32(unsafeBytes: $0) }
    }

    /// SHA-256 of `bytes`.
    public static func sha256<Bytes: DataProtocol>(_ bytes: Bytes) -> Hash32 {
        Hash32(SHA256.hash(data: bytes))
    }

    /// SHA-256 of raw memory, with no copy (the decoder's and Merkle tree's hot path).
    public static func sha256(_ raw: UnsafeRawBufferPointer) -> Hash32 {
        var hasher = SHA256()
        hasher.update(bufferPointer: raw)
        return Hash32(hasher.finalize())
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
        append(to: &out)
        return out
    }

    /// Appends the 32 bytes to `out` without an intermediate array.
    @inlinable
    public func append(to out: inout [UInt8]) {
        withUnsafeBytes(of: w0.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: w1.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: w2.bigEndian) { out.append(contentsOf: $0) }
        withUnsafeBytes(of: w3.bigEndian) { out.append(contentsOf: $0) }
    }

    /// Lowercase hex, 64 characters.
    public var hex: String { Hash32.hexString(bytes) }

    /// Lowercase hex, 64 characters.
    public var description: String { hex }

    /// Bytewise lexicographic order (the order of links in an entry and of sync ranges).
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

    /// Parses an even number of hex digits into bytes; returns nil for anything else.
    public static func bytes(fromHex hex: String) -> [UInt8]? {
        let utf8 = Array(hex.utf8)
        guard utf8.count % 2 == 0 else { return nil }
        var out = [UInt8](); out.reserveCapacity(utf8.count / 2)
        var i = 0
        while i < utf8.count {
            guard let hi = nibble(utf8[i]), let lo = nibble(utf8[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
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

/// JSON and other `Codable` forms carry a `Hash32` as 64 lowercase hex digits.
extension Hash32: Codable {
    /// Decodes 64 hex digits.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Hash32(hex: text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "expected 64 hex digits")
        }
        self = value
    }

    /// Encodes as 64 lowercase hex digits.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(hex)
    }
}
