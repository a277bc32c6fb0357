import Crypto
import Foundation
import LedgerPrimitives

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
        guard hex.utf8.count == 64, let bytes = Hex.decode(hex) else { return nil }
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
    public var hex: String {
        withUnsafeBytes(of: (w0.bigEndian, w1.bigEndian, w2.bigEndian, w3.bigEndian)) { Hex.encode(raw: $0) }
    }

    /// Lowercase hex, 64 characters.
    public var description: String { hex }

    /// Bytewise lexicographic order (the order of links in an entry and of sync ranges).
    public static func < (lhs: Hash32, rhs: Hash32) -> Bool {
        if lhs.w0 != rhs.w0 { return lhs.w0 < rhs.w0 }
        if lhs.w1 != rhs.w1 { return lhs.w1 < rhs.w1 }
        if lhs.w2 != rhs.w2 { return lhs.w2 < rhs.w2 }
        return lhs.w3 < rhs.w3
    }

}

extension ByteCursor {
    /// A 32-byte hash (four big-endian words, whatever the cursor's byte order).
    @inlinable
    package mutating func hash(_ field: String) throws(Failure) -> Hash32 {
        try need(32, field)
        let w0: UInt64 = try integer(field, .bigEndian), w1: UInt64 = try integer(field, .bigEndian)
        let w2: UInt64 = try integer(field, .bigEndian), w3: UInt64 = try integer(field, .bigEndian)
        return Hash32(w0: w0, w1: w1, w2: w2, w3: w3)
    }
}

extension ByteWriter {
    /// The 32 bytes of `value`.
    @inlinable
    package mutating func hash(_ value: Hash32) { value.append(to: &bytes) }
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
