/// XXH64 (seed-able, 64-bit), the checksum of every block and metadata frame.
///
/// Specs/segment-format.md §3 "Checksums". Implemented from the xxHash specification
/// (`doc/xxhash_spec.md`, XXH64): four 64-bit lanes over 32-byte stripes, then the tail and
/// the avalanche. Known answers: XXH64("") = 0xEF46DB3751D8E999, XXH64("abc") =
/// 0x44BC2CF5AD770999 (seed 0). Chosen over a table-driven CRC because it runs near memory
/// speed in Swift (about 10 GB/s against about 1.4 GB/s), and opening a store and reading it
/// back both checksum every byte they use.
package enum XXH64 {
    private static let prime1: UInt64 = 0x9E37_79B1_85EB_CA87
    private static let prime2: UInt64 = 0xC2B2_AE3D_27D4_EB4F
    private static let prime3: UInt64 = 0x1656_67B1_9E37_79F9
    private static let prime4: UInt64 = 0x85EB_CA77_C2B2_AE63
    private static let prime5: UInt64 = 0x27D4_EB2F_1656_67C5

    @inline(__always) private static func rotl(_ value: UInt64, _ bits: UInt64) -> UInt64 {
        (value << bits) | (value >> (64 - bits))
    }

    @inline(__always) private static func round(_ accumulator: UInt64, _ input: UInt64) -> UInt64 {
        rotl(accumulator &+ input &* prime2, 31) &* prime1
    }

    @inline(__always) private static func merge(_ accumulator: UInt64, _ lane: UInt64) -> UInt64 {
        (accumulator ^ round(0, lane)) &* prime1 &+ prime4
    }

    /// The XXH64 of `bytes` with `seed`.
    package static func hash(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        let count = bytes.count
        var index = 0
        var hash: UInt64
        if count >= 32 {
            var lane1 = seed &+ prime1 &+ prime2
            var lane2 = seed &+ prime2
            var lane3 = seed
            var lane4 = seed &- prime1
            while index + 32 <= count {
                lane1 = round(lane1, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self).littleEndian)
                lane2 = round(lane2, bytes.loadUnaligned(fromByteOffset: index + 8, as: UInt64.self).littleEndian)
                lane3 = round(lane3, bytes.loadUnaligned(fromByteOffset: index + 16, as: UInt64.self).littleEndian)
                lane4 = round(lane4, bytes.loadUnaligned(fromByteOffset: index + 24, as: UInt64.self).littleEndian)
                index += 32
            }
            hash = rotl(lane1, 1) &+ rotl(lane2, 7) &+ rotl(lane3, 12) &+ rotl(lane4, 18)
            hash = merge(merge(merge(merge(hash, lane1), lane2), lane3), lane4)
        } else {
            hash = seed &+ prime5
        }
        hash &+= UInt64(count)
        while index + 8 <= count {
            hash ^= round(0, bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self).littleEndian)
            hash = rotl(hash, 27) &* prime1 &+ prime4
            index += 8
        }
        if index + 4 <= count {
            hash ^= UInt64(bytes.loadUnaligned(fromByteOffset: index, as: UInt32.self).littleEndian) &* prime1
            hash = rotl(hash, 23) &* prime2 &+ prime3
            index += 4
        }
        while index < count {
            hash ^= UInt64(bytes[index]) &* prime5
            hash = rotl(hash, 11) &* prime1
            index += 1
        }
        hash ^= hash >> 33
        hash = hash &* prime2
        hash ^= hash >> 29
        hash = hash &* prime3
        hash ^= hash >> 32
        return hash
    }

    /// The XXH64 of an array with `seed`.
    package static func hash(_ bytes: [UInt8], seed: UInt64 = 0) -> UInt64 {
        bytes.withUnsafeBytes { hash($0, seed: seed) }
    }

    /// The stored form of a checksum: the low 32 bits of the XXH64 (§3).
    package static func stored(_ hash: UInt64) -> UInt32 { UInt32(truncatingIfNeeded: hash) }

    /// The stored checksum of `bytes` (seed 0).
    package static func checksum(_ bytes: [UInt8]) -> UInt32 { stored(hash(bytes)) }

    /// The stored checksum of raw bytes (seed 0).
    package static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 { stored(hash(bytes)) }
}
