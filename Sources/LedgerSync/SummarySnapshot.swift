import LedgerCore

/// A site's summary of its whole set at one moment: a cut through its Merkle trie,
/// each cut range carried as (count, salted 16-byte fingerprint).
///
/// Bundles carry the sender's snapshot so the recipient learns what the sender lacks;
/// the recipient keeps it as "last known summary of peer X" (`PeerSummaryRecord`) and
/// its next bundle to X holds exactly its ids in ranges whose fingerprints differ
/// (Specs/sync-protocol.md §4.5). Because fingerprints are of canonical node hashes,
/// the two sites' tries need not be cut at the same places.
public struct SummarySnapshot: Hashable, Sendable {
    /// One range of the cut.
    public struct Range: Hashable, Sendable {
        /// The range.
        public let prefix: IdPrefix
        /// How many ids the summarised set held in it (0: none, and `fingerprint` is empty).
        public let count: Int
        /// The first 16 bytes of the salted fingerprint of the range's node hash.
        public let fingerprint: [UInt8]
    }

    /// The salt of every fingerprint in this snapshot.
    public let salt: [UInt8]
    /// The full Merkle root of the summarised set (equal roots mean equal sets).
    public let rootHash: Hash32
    /// How many ids the summarised set held.
    public let totalCount: Int
    /// The cut, in ascending prefix order, covering the whole id space.
    public let ranges: [Range]

    init(salt: [UInt8], rootHash: Hash32, totalCount: Int, ranges: [Range]) {
        self.salt = salt
        self.rootHash = rootHash
        self.totalCount = totalCount
        self.ranges = ranges
    }

    /// Summarises `set`: a range is expanded into its children while it holds more than
    /// `maxRangeCount` ids, so a snapshot has about `count / maxRangeCount` ranges.
    /// - Parameters:
    ///   - salt: 16 fresh random bytes (the bundle's nonce).
    ///   - maxRangeCount: nil picks `max(32, count / 4096)`, about 4,096 ranges (≈ 80 KB).
    public init(of set: ReconcilableSet, salt: [UInt8], maxRangeCount: Int? = nil) {
        let limit = max(1, maxRangeCount ?? max(SyncProtocol.listThreshold, set.count / 4096))
        var ranges: [Range] = []
        func visit(_ prefix: IdPrefix, _ digest: RangeDigest?) {
            guard let digest else {
                ranges.append(Range(prefix: prefix, count: 0, fingerprint: []))
                return
            }
            if digest.count <= limit || prefix.depth == 64 {
                ranges.append(Range(prefix: prefix, count: digest.count,
                                    fingerprint: SyncHashing.fingerprint(digest.hash, salt: salt,
                                                                         length: SyncProtocol.summaryFingerprintLength)))
                return
            }
            let children = set.childDigests(of: prefix)
            for nibble in 0..<16 { visit(prefix.child(nibble), children[nibble]) }
        }
        visit(.root, set.digest(of: .root))
        // The empty set is one range of count 0 (§4.5).
        self.init(salt: salt, rootHash: set.rootHash, totalCount: set.count, ranges: ranges)
    }

    /// The ids of `mine` that the summarised site is believed to lack: all of mine in
    /// every range where its fingerprint differs from mine (a superset of what it lacks,
    /// exact up to range granularity).
    public func idsLacking(from mine: ReconcilableSet) -> [Hash32] {
        if mine.rootHash == rootHash { return [] }
        var out: [Hash32] = []
        for range in ranges {
            guard let digest = mine.digest(of: range.prefix) else { continue }
            if range.count == 0
                || SyncHashing.fingerprint(digest.hash, salt: salt, length: SyncProtocol.summaryFingerprintLength)
                    != range.fingerprint {
                out.append(contentsOf: mine.ids(in: range.prefix))
            }
        }
        return out
    }
}

extension SummarySnapshot {
    /// Wire form (Specs/sync-protocol.md §4.5): salt, root hash, total count, then the cut
    /// in depth-first order: 0x01 count fp16 for a cut range, 0x02 bitmap children… for an
    /// expanded one (absent children are ranges of count 0).
    func encode(into writer: inout ByteWriter) {
        writer.raw(salt)
        writer.hash(rootHash)
        writer.varint(UInt64(totalCount))
        var index = 0
        func emit(_ prefix: IdPrefix) {
            let range = ranges[index]
            if range.prefix == prefix {
                writer.u8(0x01)
                writer.varint(UInt64(range.count))
                if range.count > 0 { writer.raw(range.fingerprint) }
                index += 1
                return
            }
            // Expanded: the bitmap of non-empty children is patched in once they are written.
            writer.u8(0x02)
            let bitmapAt = writer.bytes.count
            writer.u16(0)
            var bitmap: UInt16 = 0
            for nibble in 0..<16 {
                let child = prefix.child(nibble)
                if ranges[index].prefix == child && ranges[index].count == 0 { index += 1; continue }
                bitmap |= 1 << UInt16(15 - nibble)
                emit(child)
            }
            writer.patchU16(at: bitmapAt, bitmap)
        }
        if !ranges.isEmpty { emit(.root) }
    }

    static func decode(from reader: inout ByteReader, limits: SyncLimits) throws(SyncError) -> SummarySnapshot {
        let salt = try reader.raw(SyncProtocol.saltLength, "summary salt")
        let root = try reader.hash("summary root")
        let total = try reader.varint("summary total count")
        guard total <= UInt64(Int.max) else { throw reader.malformed("summary total count too large") }
        var ranges: [Range] = []
        var sum: UInt64 = 0
        func parse(_ prefix: IdPrefix, _ reader: inout ByteReader) throws(SyncError) {
            let tag = try reader.u8("summary node tag")
            switch tag {
            case 0x01:
                let count = try reader.varint("summary range count")
                guard count <= total else { throw reader.malformed("summary range count over the total") }
                // An empty range is written as a clear bitmap bit; only the empty set's root is an explicit 0.
                guard count > 0 || prefix.depth == 0 else { throw reader.malformed("summary lists an empty range explicitly") }
                let fp = count > 0 ? try reader.raw(SyncProtocol.summaryFingerprintLength, "summary fingerprint") : []
                guard ranges.count < limits.maxSummaryRanges else {
                    throw SyncError(.limitExceeded, "summary has more than \(limits.maxSummaryRanges) ranges", offset: reader.offset)
                }
                ranges.append(Range(prefix: prefix, count: Int(count), fingerprint: fp))
                sum += count
            case 0x02:
                guard prefix.depth < 64 else { throw reader.malformed("summary expands a full-depth range") }
                let bitmap = try reader.u16("summary bitmap")
                guard bitmap != 0 else { throw reader.malformed("summary expands a range into no children") }
                for nibble in 0..<16 {
                    let child = prefix.child(nibble)
                    if bitmap & (1 << UInt16(15 - nibble)) != 0 {
                        try parse(child, &reader)
                    } else {
                        ranges.append(Range(prefix: child, count: 0, fingerprint: []))
                    }
                }
            default:
                throw reader.malformed("summary node tag \(tag) is neither 1 nor 2")
            }
        }
        try parse(.root, &reader)
        guard sum == total else { throw reader.malformed("summary range counts add up to \(sum), not \(total)") }
        return SummarySnapshot(salt: salt, rootHash: root, totalCount: Int(total), ranges: ranges)
    }
}
