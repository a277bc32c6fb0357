import LedgerPrimitives

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
    static func appendBody(of content: EntryContent, to buffer: inout [UInt8]) {
        ByteWriter.appending(to: &buffer, .bigEndian) { out in
            out.u8(version)
            out.hash(content.networkID)
            out.hash(content.author)
            out.u64(content.sequence)
            out.timestamp(content.timestamp)
            out.u8(UInt8(content.links.count))
            for link in content.links { out.hash(link) }
            let kind = content.kind.utf8
            out.u8(UInt8(kind.count))
            out.raw(kind)
            out.u32(UInt32(content.payload.count))
            out.raw(content.payload)
        }
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
                .invalidKind, "kind byte 0x\(Hex.encode([byte])) is not printable ASCII",
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
            var reader = EntryReader(raw, byteOrder: .bigEndian)
            let content = try decodeBody(&reader)
            return (content, reader.position)
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

    private static func decodeBody(_ r: inout EntryReader) throws -> EntryContent {
        try r.version(EntryFormat.version, of: "entry format")
        let network = try r.hash("network id")
        let author = try r.hash("author key")
        let sequence = try r.u64("sequence")
        let timestamp = try r.timestamp("timestamp")
        let linkCountOffset = r.position
        let linkCount = Int(try r.u8("link count"))
        guard linkCount <= EntryFormat.maxLinks else {
            throw CoreError(.limitExceeded, "link count \(linkCount) exceeds the limit of \(EntryFormat.maxLinks)", offset: linkCountOffset)
        }
        var links = [Hash32]()
        links.reserveCapacity(linkCount)
        for _ in 0..<linkCount {
            let at = r.position
            let link = try r.hash("link")
            if let last = links.last, !(last < link) {
                throw CoreError(.nonCanonical, "links must be strictly ascending", offset: at)
            }
            links.append(link)
        }
        let kindOffset = r.position
        let kindLength = Int(try r.u8("kind length"))
        guard kindLength > 0 else {
            throw CoreError(.invalidKind, "an entry kind must not be empty", offset: kindOffset)
        }
        guard kindLength <= EntryFormat.maxKindBytes else {
            throw CoreError(.limitExceeded, "kind length \(kindLength) exceeds the limit of \(EntryFormat.maxKindBytes)", offset: kindOffset)
        }
        let kindBytes = try r.raw(kindLength, "kind")
        try EntryFormat.validateKind(kindBytes, offset: kindOffset + 1)
        let payloadOffset = r.position
        let payloadLength = Int(try r.u32("payload length"))
        guard payloadLength <= EntryFormat.maxPayloadBytes else {
            throw CoreError(.limitExceeded, "payload length \(payloadLength) exceeds the limit of \(EntryFormat.maxPayloadBytes)", offset: payloadOffset)
        }
        let payload = try r.raw(payloadLength, "payload")
        return EntryContent(
            unchecked: network, author: author, sequence: sequence, links: links,
            timestamp: timestamp,
            kind: String(decoding: kindBytes, as: UTF8.self), payload: payload)
    }
}

/// Entries and tree heads read through the one cursor, big-endian, failing with `CoreError`.
typealias EntryReader = ByteCursor<UnsafeRawBufferPointer, CoreError>

extension ByteCursor where Failure == CoreError {
    /// Reads a format's version byte; throws `.unsupportedVersion` unless it is `supported`.
    mutating func version(_ supported: UInt8, of format: String) throws(CoreError) {
        let start = position
        let version = try u8("version")
        guard version == supported else {
            throw CoreError(
                .unsupportedVersion, "\(format) version \(version) is not supported (this build reads version \(supported))",
                offset: start)
        }
    }
}

extension CoreError: ByteCursorFailure {
    /// A read past the end is `.truncated` at the end of the bytes; the entry formats have no
    /// varints or caller limits, so any other fault is `.nonCanonical`.
    public static func cursorFault(_ fault: ByteCursorFault, context: Void) -> CoreError {
        switch fault.kind {
        case .truncated(let needed):
            return CoreError(
                .truncated, "the bytes end inside the \(fault.field) (\(fault.available) of \(needed) bytes present)",
                offset: fault.offset + fault.available)
        case .trailingBytes:
            return CoreError(.trailingBytes, "\(fault.available) bytes follow the \(fault.field)", offset: fault.offset)
        default:
            return CoreError(.nonCanonical, "the \(fault.field) is malformed", offset: fault.offset)
        }
    }
}
