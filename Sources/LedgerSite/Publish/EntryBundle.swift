/// An entry bundle of a static log: each entry as a big-endian uint16 length and its bytes
/// (C2SP tlog-tiles; Specs/static-log.md §2.3). The bytes are the entry's full canonical
/// encoding, which is also its Merkle leaf (Specs/merkle-log.md §3).
public enum EntryBundle {
    /// The largest entry a bundle can hold: a uint16 length.
    public static let maximumEntryBytes = Int(UInt16.max)

    /// Appends one entry to a bundle being built.
    /// - Precondition: `entry.count <= maximumEntryBytes` (the publisher checks first).
    static func append(_ entry: [UInt8], to bundle: inout [UInt8]) {
        precondition(entry.count <= maximumEntryBytes, "entry too large for a tile bundle")
        bundle.append(UInt8(entry.count >> 8))
        bundle.append(UInt8(entry.count & 0xff))
        bundle.append(contentsOf: entry)
    }

    /// Splits a bundle into its entries, or nil when a length runs past the end.
    public static func decode(_ bytes: [UInt8]) -> [[UInt8]]? {
        var out: [[UInt8]] = []
        var offset = 0
        while offset < bytes.count {
            guard offset + 2 <= bytes.count else { return nil }
            let length = Int(bytes[offset]) << 8 | Int(bytes[offset + 1])
            offset += 2
            guard offset + length <= bytes.count else { return nil }
            out.append(Array(bytes[offset..<offset + length]))
            offset += length
        }
        return out
    }
}
