import Crypto
import Foundation
import LedgerCore

/// Every SHA-256 the sync layer computes, domain-separated by a leading tag byte
/// (Specs/sync-protocol.md §3.2). Nothing else in LedgerSync hashes set contents.
enum SyncHashing {
    /// Leaf node: SHA-256(0x00 || id_1 || … || id_k) over the range's ids in ascending order.
    static func leaf<C: Collection>(_ sortedIDs: C) -> Hash32 where C.Element == Hash32 {
        var out = ByteWriter(.bigEndian, capacity: 1 + 32 * sortedIDs.count)
        out.u8(0x00)
        for id in sortedIDs { out.hash(id) }
        return Hash32(SHA256.hash(data: out.bytes))
    }

    /// Inner node: SHA-256(0x01 || bitmap u16 BE || hash of each present child in nibble order).
    static func inner(bitmap: UInt16, childHashes: [Hash32]) -> Hash32 {
        leafLike(tag: 0x01, bitmap: bitmap, childHashes)
    }

    private static func leafLike(tag: UInt8, bitmap: UInt16, _ hashes: [Hash32]) -> Hash32 {
        var out = ByteWriter(.bigEndian, capacity: 3 + 32 * hashes.count)
        out.u8(tag)
        out.u16(bitmap)
        for hash in hashes { out.hash(hash) }
        return Hash32(SHA256.hash(data: out.bytes))
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
        return Hash32(SHA256.hash(data: writer.bytes)).w0
    }


    /// What the bundle signature signs (Specs/bundle-format.md §2): a domain string and
    /// SHA-256 of the signed bytes, so a large bundle is hashed once, with SHA-256.
    static func bundleSignatureMessage<Bytes: DataProtocol>(_ signed: Bytes) -> [UInt8] {
        Array("careledger bundle v1 signature".utf8) + Array(SHA256.hash(data: signed))
    }
}
