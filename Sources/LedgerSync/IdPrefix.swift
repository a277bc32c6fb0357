import LedgerCore

/// A range of the id space: every 32-byte id that starts with the same `depth` nibbles.
///
/// Ranges of the reconcilable set are the nodes of a 16-ary trie over id nibbles
/// (Specs/sync-protocol.md §3.1). The root is depth 0 (all ids); depth 64 holds one id.
public struct IdPrefix: Hashable, Comparable, Sendable, CustomStringConvertible {
    /// The first `depth` nibbles; all later bits are zero.
    public let bits: Hash32
    /// How many leading nibbles are fixed, 0...64.
    public let depth: Int

    /// The whole id space.
    public static let root = IdPrefix(uncheckedBits: .zero, depth: 0)

    init(uncheckedBits: Hash32, depth: Int) {
        self.bits = uncheckedBits
        self.depth = depth
    }

    /// The prefix of `depth` nibbles that `id` lies in.
    public init(of id: Hash32, depth: Int) {
        precondition((0...64).contains(depth), "prefix depth out of range")
        self.init(uncheckedBits: IdPrefix.mask(id, depth: depth), depth: depth)
    }

    /// The child range whose next nibble is `nibble` (0...15).
    public func child(_ nibble: Int) -> IdPrefix {
        precondition(depth < 64 && (0..<16).contains(nibble), "child of a full-depth prefix")
        return IdPrefix(uncheckedBits: IdPrefix.setNibble(bits, at: depth, to: nibble), depth: depth + 1)
    }

    /// Whether `id` lies in this range.
    public func contains(_ id: Hash32) -> Bool { IdPrefix.mask(id, depth: depth) == bits }

    /// Hex of the fixed nibbles, `*` for the root; for logs and the spec's examples.
    public var description: String {
        depth == 0 ? "*" : String(bits.hex.prefix(depth))
    }

    /// Orders ranges by their first id, shallower first when one contains the other.
    public static func < (lhs: IdPrefix, rhs: IdPrefix) -> Bool {
        lhs.bits == rhs.bits ? lhs.depth < rhs.depth : lhs.bits < rhs.bits
    }

    /// The nibble of `id` at position `index` (0 = the high nibble of byte 0).
    @inline(__always)
    static func nibble(of id: Hash32, at index: Int) -> Int {
        let word: UInt64
        switch index >> 4 {
        case 0: word = id.w0
        case 1: word = id.w1
        case 2: word = id.w2
        default: word = id.w3
        }
        return Int(truncatingIfNeeded: (word >> UInt64(60 - 4 * (index & 15))) & 0xf)
    }

    static func mask(_ id: Hash32, depth: Int) -> Hash32 {
        func keep(_ word: UInt64, _ nibbles: Int) -> UInt64 {
            if nibbles <= 0 { return 0 }
            if nibbles >= 16 { return word }
            return word & ~(UInt64.max >> UInt64(4 * nibbles))
        }
        return Hash32(w0: keep(id.w0, depth), w1: keep(id.w1, depth - 16),
                      w2: keep(id.w2, depth - 32), w3: keep(id.w3, depth - 48))
    }

    static func setNibble(_ id: Hash32, at index: Int, to nibble: Int) -> Hash32 {
        let shift = UInt64(60 - 4 * (index & 15))
        let clear = ~(UInt64(0xf) << shift)
        let set = UInt64(nibble) << shift
        var copy = id
        switch index >> 4 {
        case 0: copy.w0 = copy.w0 & clear | set
        case 1: copy.w1 = copy.w1 & clear | set
        case 2: copy.w2 = copy.w2 & clear | set
        default: copy.w3 = copy.w3 & clear | set
        }
        return copy
    }
}

extension IdPrefix {
    /// Wire form (Specs/sync-protocol.md §2.2): depth u8, then ceil(depth/2) bytes of
    /// nibbles; an odd depth leaves the last byte's low nibble zero.
    func encode(into writer: inout ByteWriter) {
        writer.u8(UInt8(depth))
        let packed = (depth + 1) / 2
        writer.raw(bits.bytes.prefix(packed))
    }

    static func decode(from reader: inout ByteReader) throws(SyncError) -> IdPrefix {
        let depth = Int(try reader.u8("prefix depth"))
        guard depth <= 64 else { throw reader.malformed("prefix depth \(depth) is over 64") }
        let packed = try reader.raw((depth + 1) / 2, "prefix nibbles")
        var full = packed
        full.append(contentsOf: [UInt8](repeating: 0, count: 32 - packed.count))
        guard let value = Hash32(bytes: full) else { throw reader.malformed("prefix nibbles") }
        guard IdPrefix.mask(value, depth: depth) == value else {
            throw reader.malformed("prefix has non-zero padding after nibble \(depth)")
        }
        return IdPrefix(uncheckedBits: value, depth: depth)
    }
}
