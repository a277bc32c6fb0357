import Crypto
import Foundation
import LedgerCore

/// Every SHA-256 the sync layer computes, domain-separated by a leading tag byte
/// (Specs/sync-protocol.md §3.2). Nothing else in LedgerSync hashes set contents.
enum SyncHashing {
    /// Leaf node: SHA-256(0x00 || id_1 || … || id_k) over the range's ids in ascending order.
    static func leaf<C: Collection>(_ sortedIDs: C) -> Hash32 where C.Element == Hash32 {
        var buffer = [UInt8](repeating: 0, count: 1 + 32 * sortedIDs.count)
        buffer.withUnsafeMutableBufferPointer { out in
            var at = 1
            for id in sortedIDs {
                for word in [id.w0, id.w1, id.w2, id.w3] {
                    for shift in [56, 48, 40, 32, 24, 16, 8, 0] as [UInt64] {
                        out[at] = UInt8(truncatingIfNeeded: word >> shift)
                        at += 1
                    }
                }
            }
        }
        return digest(SHA256.hash(data: buffer))
    }

    /// Inner node: SHA-256(0x01 || bitmap u16 BE || hash of each present child in nibble order).
    static func inner(bitmap: UInt16, childHashes: [Hash32]) -> Hash32 {
        leafLike(tag: 0x01, bitmap: bitmap, childHashes)
    }

    private static func leafLike(tag: UInt8, bitmap: UInt16, _ hashes: [Hash32]) -> Hash32 {
        var buffer = [UInt8](repeating: 0, count: 3 + 32 * hashes.count)
        buffer.withUnsafeMutableBufferPointer { out in
            out[0] = tag
            out[1] = UInt8(truncatingIfNeeded: bitmap >> 8)
            out[2] = UInt8(truncatingIfNeeded: bitmap)
            var at = 3
            for id in hashes {
                for word in [id.w0, id.w1, id.w2, id.w3] {
                    for shift in [56, 48, 40, 32, 24, 16, 8, 0] as [UInt64] {
                        out[at] = UInt8(truncatingIfNeeded: word >> shift)
                        at += 1
                    }
                }
            }
        }
        return digest(SHA256.hash(data: buffer))
    }

    /// Salted range fingerprint: the first `length` bytes of SHA-256(0x02 || salt || node hash).
    static func fingerprint(_ node: Hash32, salt: [UInt8], length: Int) -> [UInt8] {
        var writer = ByteWriter(.bigEndian, capacity: 1 + salt.count + 32)
        writer.u8(0x02)
        writer.raw(salt)
        writer.hash(node)
        return Array(SHA256.hash(data: writer.bytes).prefix(length))
    }

    /// Salted short id: the first 8 bytes of SHA-256(0x03 || salt || id), as a big-endian integer.
    static func shortID(_ id: Hash32, salt: [UInt8]) -> UInt64 {
        var writer = ByteWriter(.bigEndian, capacity: 1 + salt.count + 32)
        writer.u8(0x03)
        writer.raw(salt)
        writer.hash(id)
        var value: UInt64 = 0
        for byte in SHA256.hash(data: writer.bytes).prefix(8) { value = value << 8 | UInt64(byte) }
        return value
    }

    /// The digest as a `Hash32`, read word by word (SHA-256 digests are always 32 bytes).
    static func digest(_ digest: SHA256.Digest) -> Hash32 {
        digest.withUnsafeBytes { raw in
            func word(_ at: Int) -> UInt64 {
                var value: UInt64 = 0
                for i in at..<(at + 8) { value = value << 8 | UInt64(raw[i]) }
                return value
            }
            return Hash32(w0: word(0), w1: word(8), w2: word(16), w3: word(24))
        }
    }

    /// What the bundle signature signs (Specs/bundle-format.md §2): a domain string and
    /// SHA-256 of the signed bytes, so a large bundle is hashed once, with SHA-256.
    static func bundleSignatureMessage<Bytes: DataProtocol>(_ signed: Bytes) -> [UInt8] {
        Array("careledger bundle v1 signature".utf8) + Array(SHA256.hash(data: signed))
    }
}
