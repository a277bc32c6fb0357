/// Constants and byte-level encoding of entries (`Specs/entry-format.md`).
///
/// All integers are big-endian and of fixed size, so there is exactly one encoding of each
/// entry and a decoder never has to reject an over-long varint.
public enum EntryFormat {
    /// The format version written in byte 0 of every entry body (§2).
    public static let version: UInt8 = 1
    /// At most this many links per entry (§3).
    public static let maxLinks = 16
    /// A kind has 1 to this many bytes of printable ASCII (§3).
    public static let maxKindBytes = 64
    /// At most this many payload bytes per entry: 1 MiB (§3).
    public static let maxPayloadBytes = 1 << 20
    /// An Ed25519 signature's size.
    public static let signatureSize = 64
    /// Bytes of a body before the links: version, network, author, sequence, wall, counter, link count.
    static let fixedHeaderSize = 1 + 32 + 32 + 8 + 8 + 4 + 1
    /// The smallest possible encoded entry: no links, a 1-byte kind, an empty payload (§2).
    public static let minimumEncodedSize = fixedHeaderSize + 1 + 1 + 4 + signatureSize
    /// The largest possible encoded entry (§3).
    public static let maximumEncodedSize = fixedHeaderSize + 32 * maxLinks + 1 + maxKindBytes + 4 + maxPayloadBytes + signatureSize

    /// The size of a body with these variable parts.
    static func bodySize(links: Int, kindBytes: Int, payloadBytes: Int) -> Int {
        fixedHeaderSize + 32 * links + 1 + kindBytes + 4 + payloadBytes
    }

    /// Appends the body of `content` (§2): every field but the signature.
    static func appendBody(of content: EntryContent, to out: inout [UInt8]) {
        out.append(version)
        content.networkID.append(to: &out)
        content.author.append(to: &out)
        appendBigEndian(content.sequence, to: &out)
        appendBigEndian(content.timestamp.wallMillis, to: &out)
        appendBigEndian(content.timestamp.counter, to: &out)
        out.append(UInt8(content.links.count))
        for link in content.links { link.append(to: &out) }
        let kind = content.kind.utf8
        out.append(UInt8(kind.count))
        out.append(contentsOf: kind)
        appendBigEndian(UInt32(content.payload.count), to: &out)
        out.append(contentsOf: content.payload)
    }

    static func appendBigEndian<T: FixedWidthInteger>(_ value: T, to out: inout [UInt8]) {
        withUnsafeBytes(of: value.bigEndian) { out.append(contentsOf: $0) }
    }

    /// Checks a kind's bytes: 1...maxKindBytes bytes, each 0x21...0x7E (§3).
    package static func validateKind<Bytes: Collection>(_ bytes: Bytes, offset: Int?) throws where Bytes.Element == UInt8 {
        guard !bytes.isEmpty else {
            throw CoreError(.invalidKind, "an entry kind must not be empty", offset: offset)
        }
        guard bytes.count <= maxKindBytes else {
            throw CoreError(.limitExceeded, "kind of \(bytes.count) bytes exceeds the limit of \(maxKindBytes)", offset: offset)
        }
        for (i, byte) in bytes.enumerated() where byte < 0x21 || byte > 0x7E {
            throw CoreError(
                .invalidKind, "kind byte 0x\(Hash32.hexString([byte])) is not printable ASCII",
                offset: offset.map { $0 + i })
        }
    }
}

extension Entry {
    /// Decodes exactly one entry from `bytes` (`Specs/entry-format.md` §5).
    ///
    /// Rejects anything that is not the canonical encoding of an entry: an unknown version,
    /// a field past a limit, unsorted or repeated links, a kind outside printable ASCII, and
    /// any byte after the signature. Never traps, whatever the input. Does not verify the
    /// signature (that is `isSignatureValid`, kept apart so it can run in parallel).
    /// - Throws: `CoreError` whose `offset` is where in `bytes` the fault starts.
    public static func decode<Bytes: Collection>(_ bytes: Bytes) throws -> Entry where Bytes.Element == UInt8 {
        let array = bytes as? [UInt8] ?? Array(bytes)
        return try decode(array)
    }

    /// Decodes exactly one entry from an array (the fast path of `decode(_:)`).
    public static func decode(_ bytes: [UInt8]) throws -> Entry {
        let (content, bodyEnd) = try bytes.withUnsafeBytes { raw -> (EntryContent, Int) in
            var reader = ByteReader(raw)
            let content = try decodeBody(&reader)
            return (content, reader.offset)
        }
        let signatureEnd = bodyEnd + EntryFormat.signatureSize
        guard bytes.count >= signatureEnd else {
            throw CoreError(.truncated, "the entry ends inside its signature (\(bytes.count - bodyEnd) of 64 bytes)", offset: bytes.count)
        }
        guard bytes.count == signatureEnd else {
            throw CoreError(.trailingBytes, "\(bytes.count - signatureEnd) bytes follow the signature", offset: signatureEnd)
        }
        let id = bytes.withUnsafeBytes { Hash32.sha256(UnsafeRawBufferPointer(rebasing: $0[0..<bodyEnd])) }
        return Entry(content: content, id: id, signature: Array(bytes[bodyEnd..<signatureEnd]), encoded: bytes)
    }

    private static func decodeBody(_ r: inout ByteReader) throws -> EntryContent {
        let version = try r.readByte(field: "version")
        guard version == EntryFormat.version else {
            throw CoreError(.unsupportedVersion, "entry format version \(version) is not supported (this build reads version \(EntryFormat.version))", offset: 0)
        }
        let network = try r.readHash(field: "network id")
        let author = try r.readHash(field: "author key")
        let sequence = try r.readUInt64(field: "sequence")
        let wall = try r.readUInt64(field: "timestamp")
        let counter = try r.readUInt32(field: "timestamp counter")
        let linkCountOffset = r.offset
        let linkCount = Int(try r.readByte(field: "link count"))
        guard linkCount <= EntryFormat.maxLinks else {
            throw CoreError(.limitExceeded, "link count \(linkCount) exceeds the limit of \(EntryFormat.maxLinks)", offset: linkCountOffset)
        }
        var links = [Hash32]()
        links.reserveCapacity(linkCount)
        for _ in 0..<linkCount {
            let at = r.offset
            let link = try r.readHash(field: "link")
            if let last = links.last, !(last < link) {
                throw CoreError(.nonCanonical, "links must be strictly ascending", offset: at)
            }
            links.append(link)
        }
        let kindOffset = r.offset
        let kindLength = Int(try r.readByte(field: "kind length"))
        guard kindLength > 0 else {
            throw CoreError(.invalidKind, "an entry kind must not be empty", offset: kindOffset)
        }
        guard kindLength <= EntryFormat.maxKindBytes else {
            throw CoreError(.limitExceeded, "kind length \(kindLength) exceeds the limit of \(EntryFormat.maxKindBytes)", offset: kindOffset)
        }
        let kindBytes = try r.readBytes(kindLength, field: "kind")
        try EntryFormat.validateKind(kindBytes, offset: kindOffset + 1)
        let payloadOffset = r.offset
        let payloadLength = Int(try r.readUInt32(field: "payload length"))
        guard payloadLength <= EntryFormat.maxPayloadBytes else {
            throw CoreError(.limitExceeded, "payload length \(payloadLength) exceeds the limit of \(EntryFormat.maxPayloadBytes)", offset: payloadOffset)
        }
        let payload = try r.readBytes(payloadLength, field: "payload")
        return EntryContent(
            unchecked: network, author: author, sequence: sequence, links: links,
            timestamp: HybridTimestamp(wallMillis: wall, counter: counter),
            kind: String(decoding: kindBytes, as: UTF8.self), payload: payload)
    }
}

/// A bounds-checked cursor over bytes; every read past the end throws `.truncated`.
struct ByteReader {
    let raw: UnsafeRawBufferPointer
    private(set) var offset = 0

    init(_ raw: UnsafeRawBufferPointer) { self.raw = raw }

    var remaining: Int { raw.count - offset }

    private mutating func need(_ count: Int, field: String) throws {
        guard count <= remaining else {
            throw CoreError(.truncated, "the bytes end inside the \(field) (\(remaining) of \(count) bytes present)", offset: raw.count)
        }
    }

    mutating func readByte(field: String) throws -> UInt8 {
        try need(1, field: field)
        defer { offset += 1 }
        return raw[offset]
    }

    mutating func readUInt32(field: String) throws -> UInt32 {
        try need(4, field: field)
        defer { offset += 4 }
        return UInt32(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    mutating func readUInt64(field: String) throws -> UInt64 {
        try need(8, field: field)
        defer { offset += 8 }
        return UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    mutating func readHash(field: String) throws -> Hash32 {
        try need(32, field: field)
        defer { offset += 32 }
        return Hash32(unsafeBytes: UnsafeRawBufferPointer(rebasing: raw[offset..<offset + 32]))
    }

    mutating func readBytes(_ count: Int, field: String) throws -> [UInt8] {
        try need(count, field: field)
        defer { offset += count }
        return Array(raw[offset..<offset + count])
    }
}
