import Crypto
import LedgerCore

/// A site's signed note on a stick: the mailbox bundles on it whose every item the site
/// holds, and those addressed to it that it refused (Specs/bundle-format.md §9.3). Other sites remove a bundle once every recipient's
/// marker lists it, so a forged marker could make a stick drop what a site still lacks: a
/// marker counts only when it is signed by the member it names.
public struct StickMarker: Hashable, Sendable {
    /// `\x89CLMRK\r\n`.
    public static let magic: [UInt8] = [0x89, 0x43, 0x4C, 0x4D, 0x52, 0x4B, 0x0D, 0x0A]
    /// The version this build writes and reads.
    public static let version: UInt16 = 1
    /// Most bundles one marker lists.
    public static let maxEntries = 1 << 16
    /// Fixed part: magic 8, version 2, site key 32, created 12, entries held 8; then two lists
    /// (held, refused), each a u32 count and its entries, then the signature.
    static let fixedLength = 62
    /// One entry: sender prefix 8, created 12.
    static let entryLength = 20
    /// The file name extension.
    public static let fileExtension = ".clmark"
    static let signatureDomain = Array("careledger stick marker v1".utf8)

    /// One mailbox bundle, as its file name names it.
    public struct BundleRef: Hashable, Sendable, Comparable {
        /// The first 8 bytes of the sender's key.
        public let senderPrefix: [UInt8]
        /// When the sender wrote it.
        public let created: HybridTimestamp

        /// Creates a reference.
        public init(senderPrefix: [UInt8], created: HybridTimestamp) {
            self.senderPrefix = senderPrefix
            self.created = created
        }

        /// By time, then by sender.
        public static func < (lhs: BundleRef, rhs: BundleRef) -> Bool {
            if lhs.created != rhs.created { return lhs.created < rhs.created }
            return lhs.senderPrefix.lexicographicallyPrecedes(rhs.senderPrefix)
        }
    }

    /// The site that wrote it.
    public let site: Hash32
    /// When (its HLC).
    public let created: HybridTimestamp
    /// How many entries the site held then (a site restored from a backup holds fewer than
    /// its last summary said: writers then stop trusting that summary).
    public let entriesHeld: UInt64
    /// The mailbox bundles whose every item the site held then, ascending.
    public let holds: [BundleRef]
    /// The mailbox bundles addressed to the site that it rejected (a rolled-back tree head,
    /// an item that does not verify), ascending: they carry nothing to it, so writers do not
    /// count them as carrying their entries to it.
    public let refused: [BundleRef]

    /// Creates a marker (entries sorted, duplicates dropped).
    public init(site: Hash32, created: HybridTimestamp, entriesHeld: UInt64, holds: [BundleRef], refused: [BundleRef] = []) {
        self.site = site
        self.created = created
        self.entriesHeld = entriesHeld
        self.holds = Array(Set(holds)).sorted()
        self.refused = Array(Set(refused).subtracting(holds)).sorted()
    }

    /// The signed bytes: the fixed part, the entries, then an Ed25519 signature by the site
    /// over the domain string and SHA-256 of everything before it.
    public func encoded(signingKey: Curve25519.Signing.PrivateKey) throws(SyncError) -> [UInt8] {
        guard holds.count <= Self.maxEntries, refused.count <= Self.maxEntries else {
            throw SyncError(.bundleWriteFailed, "a marker lists at most \(Self.maxEntries) bundles of each kind")
        }
        var writer = ByteWriter(.bigEndian, capacity: Self.fixedLength + Self.entryLength * (holds.count + refused.count) + 68)
        writer.raw(Self.magic)
        writer.u16(Self.version)
        writer.hash(site)
        writer.u64(created.wallMillis)
        writer.u32(created.counter)
        writer.u64(entriesHeld)
        for list in [holds, refused] {
            writer.u32(UInt32(list.count))
            for ref in list {
                writer.raw(ref.senderPrefix)
                writer.u64(ref.created.wallMillis)
                writer.u32(ref.created.counter)
            }
        }
        do {
            writer.raw(try signingKey.signature(for: Self.signatureMessage(writer.bytes)))
        } catch {
            throw SyncError(.bundleWriteFailed, "signing the marker failed", underlying: error)
        }
        return writer.bytes
    }

    /// Reads a marker and checks its signature by the site it names. Whether that site is a
    /// member is the caller's check.
    /// - Throws: `marker.truncated`, `marker.malformed` (bad magic or length, unsorted
    ///   entries), `bundle.newer-version`, `marker.signature`.
    public init(decoding bytes: [UInt8]) throws(SyncError) {
        guard bytes.count >= Self.fixedLength + 8 + 64 else {
            throw SyncError(.truncatedMarker, "the marker is \(bytes.count) bytes, shorter than its fixed part", offset: bytes.count)
        }
        var reader = ByteReader(bytes, truncated: .truncatedMarker, malformed: .malformedMarker)
        guard try reader.raw(8, "marker magic") == Self.magic else { throw SyncError(.malformedMarker, "not a stick marker (bad magic)", offset: 0) }
        let version = try reader.u16("marker version")
        guard version == Self.version else {
            throw SyncError(version > Self.version ? .newerFormatVersion : .malformedMarker,
                            "marker version \(version) is not \(Self.version); upgrade CareLedger if it is newer", offset: 8)
        }
        let site = try reader.hash("marker site key")
        let created = HybridTimestamp(wallMillis: try reader.u64("marker created millis"), counter: try reader.u32("marker created counter"))
        let entriesHeld = try reader.u64("marker entries held")
        var lists: [[BundleRef]] = []
        for kind in ["held", "refused"] {
            guard bytes.count - 64 >= reader.position + 4 else { throw SyncError(.truncatedMarker, "the marker ends inside its \(kind) list", offset: bytes.count) }
            let count = Int(try reader.u32("marker \(kind) count"))
            guard count <= Self.maxEntries else { throw SyncError(.malformedMarker, "the marker lists \(count) \(kind) bundles, over \(Self.maxEntries)", offset: reader.offset - 4) }
            guard bytes.count - 64 >= reader.position + Self.entryLength * count else {
                throw SyncError(.truncatedMarker, "the marker ends inside its \(kind) list", offset: bytes.count)
            }
            var list: [BundleRef] = []
            list.reserveCapacity(count)
            for _ in 0..<count {
                let ref = BundleRef(senderPrefix: try reader.raw(8, "marker sender prefix"),
                                    created: HybridTimestamp(wallMillis: try reader.u64("marker bundle millis"), counter: try reader.u32("marker bundle counter")))
                if let last = list.last, !(last < ref) { throw SyncError(.malformedMarker, "the marker's \(kind) list is not strictly ascending", offset: reader.offset - 20) }
                list.append(ref)
            }
            lists.append(list)
        }
        guard bytes.count - 64 == reader.position else {
            throw SyncError(.malformedMarker, "\(bytes.count - 64 - reader.position) bytes between the marker's lists and its signature", offset: reader.position)
        }
        guard Set(lists[0]).isDisjoint(with: lists[1]) else { throw SyncError(.malformedMarker, "the marker lists a bundle as both held and refused", offset: reader.position) }
        let signed = bytes[0..<(bytes.count - 64)]
        let signature = Array(bytes[(bytes.count - 64)...])
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: site.bytes),
              key.isValidSignature(signature, for: Self.signatureMessage(signed)) else {
            throw SyncError(.markerSignature, "the marker's signature by the site it names does not verify", offset: bytes.count - 64)
        }
        self.site = site
        self.created = created
        self.entriesHeld = entriesHeld
        self.holds = lists[0]
        self.refused = lists[1]
    }

    static func signatureMessage(_ signed: some Sequence<UInt8>) -> [UInt8] {
        signatureDomain + Array(SHA256.hash(data: Array(signed)))
    }
}

extension SyncError.Code {
    /// A stick marker that ends early.
    public static let truncatedMarker = SyncError.Code("marker.truncated")
    /// A stick marker that breaks the format.
    public static let malformedMarker = SyncError.Code("marker.malformed")
    /// A stick marker whose signature by the site it names does not verify.
    public static let markerSignature = SyncError.Code("marker.signature")
    /// A stick marker or mailbox index from a key that is not a current member of the network.
    public static let notAMember = SyncError.Code("mailbox.not-member")
}
