/// Everything an entry says except its signature: the part its id is the hash of.
///
/// Kept separate from `Entry` so that a batch can be built, hashed in order and then signed
/// in parallel (the signature covers only the id). The initializer enforces the limits of
/// `Specs/entry-format.md` §3 and puts the links in their canonical order, so every value of
/// this type has exactly one encoding.
public struct EntryContent: Hashable, Sendable {
    /// The network this entry belongs to (the id of its genesis charter entry).
    public let networkID: Hash32
    /// The author site's Ed25519 public key (32 raw bytes).
    public let author: Hash32
    /// The author's sequence number for this entry; an author's first entry is 0.
    public let sequence: UInt64
    /// Ids of the author's previous entries this one extends, strictly ascending.
    ///
    /// Usually one; none for an author's first entry; more than one when the author's history
    /// branched (a restore from backup) and this entry joins the branches.
    public let links: [Hash32]
    /// The hybrid logical clock reading at creation.
    public let timestamp: HybridTimestamp
    /// What the payload means, e.g. `consent.version`; unknown kinds are carried untouched.
    public let kind: String
    /// The payload: canonical JSON produced by the module that owns the kind.
    public let payload: [UInt8]

    /// Creates content, checking every limit and sorting and de-duplicating `links`.
    ///
    /// - Throws: `CoreError` `.limitExceeded` (too many links, kind too long, payload too
    ///   large) or `.invalidKind` (empty kind, or a byte outside printable ASCII).
    public init(
        networkID: Hash32, author: Hash32, sequence: UInt64, links: [Hash32],
        timestamp: HybridTimestamp, kind: String, payload: [UInt8]
    ) throws {
        var canonicalLinks = links
        if canonicalLinks.count > 1 {
            canonicalLinks.sort()
            var unique = [Hash32]()
            unique.reserveCapacity(canonicalLinks.count)
            for link in canonicalLinks where unique.last != link { unique.append(link) }
            canonicalLinks = unique
        }
        guard canonicalLinks.count <= EntryFormat.maxLinks else {
            throw CoreError(.limitExceeded, "an entry has \(canonicalLinks.count) links, the limit is \(EntryFormat.maxLinks)")
        }
        try EntryFormat.validateKind(kind.utf8, offset: nil)
        guard payload.count <= EntryFormat.maxPayloadBytes else {
            throw CoreError(.limitExceeded, "payload of \(payload.count) bytes exceeds the limit of \(EntryFormat.maxPayloadBytes)")
        }
        self.init(
            unchecked: networkID, author: author, sequence: sequence, links: canonicalLinks,
            timestamp: timestamp, kind: kind, payload: payload)
    }

    /// Creates content whose fields the caller (the decoder) has already validated.
    init(
        unchecked networkID: Hash32, author: Hash32, sequence: UInt64, links: [Hash32],
        timestamp: HybridTimestamp, kind: String, payload: [UInt8]
    ) {
        self.networkID = networkID
        self.author = author
        self.sequence = sequence
        self.links = links
        self.timestamp = timestamp
        self.kind = kind
        self.payload = payload
    }

    /// The canonical encoding of this content (`Specs/entry-format.md` §2, the body).
    public func encodedBody() -> [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(EntryFormat.bodySize(links: links.count, kindBytes: kind.utf8.count, payloadBytes: payload.count) + EntryFormat.signatureSize)
        EntryFormat.appendBody(of: self, to: &out)
        return out
    }

    /// The entry id this content will have: SHA-256 of `encodedBody()`.
    public var id: Hash32 { Hash32.sha256(encodedBody()) }

    /// Encodes and hashes this content once, ready to be signed (possibly on another core).
    ///
    /// The bulk-append path: build each content with links to the previous ids, `prepare()`
    /// it in order, then sign the prepared batch in parallel with `EntryBatch.sign`.
    public func prepare() -> PreparedEntry {
        let body = encodedBody()
        let id = body.withUnsafeBytes { Hash32.sha256($0) }
        return PreparedEntry(content: self, id: id, body: body)
    }
}

/// Content that has been encoded and hashed, waiting for its signature.
public struct PreparedEntry: Hashable, Sendable {
    /// The content.
    public let content: EntryContent
    /// The id the signed entry will have.
    public let id: Hash32
    /// The encoded body (reserved with room for the signature).
    let body: [UInt8]
}

/// A signed ledger entry: content, its id, and the author's Ed25519 signature over the id.
///
/// Values are immutable and always valid in form (limits, canonical order); whether the
/// signature verifies is a separate question answered by `isSignatureValid` or
/// `EntryVerifier`. The canonical bytes are kept, so `encoded` costs nothing and an entry
/// read from disk re-encodes to exactly the bytes it came from.
public struct Entry: Hashable, Sendable {
    /// Everything but the signature.
    public let content: EntryContent
    /// SHA-256 of the encoded content (`Specs/entry-format.md` §4).
    public let id: Hash32
    /// The 64-byte Ed25519 signature by `content.author` over the signing message of `id`.
    public let signature: [UInt8]
    /// The canonical encoding: body followed by the signature.
    public let encoded: [UInt8]

    /// Assembles an entry from content and a signature made elsewhere (e.g. by an HSM).
    ///
    /// Does not verify the signature; call `isSignatureValid` for that.
    /// - Throws: `CoreError.Code.badSignature` when `signature` is not 64 bytes.
    public init(content: EntryContent, signature: [UInt8]) throws {
        guard signature.count == EntryFormat.signatureSize else {
            throw CoreError(.badSignature, "an Ed25519 signature has 64 bytes, this one has \(signature.count)")
        }
        var bytes = content.encodedBody()
        let id = Hash32.sha256(bytes)
        bytes.append(contentsOf: signature)
        self.init(content: content, id: id, signature: signature, encoded: bytes)
    }

    /// Creates an entry from parts already known to agree (used by the decoder and signer).
    init(content: EntryContent, id: Hash32, signature: [UInt8], encoded: [UInt8]) {
        self.content = content
        self.id = id
        self.signature = signature
        self.encoded = encoded
    }

    /// The network this entry belongs to.
    public var networkID: Hash32 { content.networkID }
    /// The author site's Ed25519 public key.
    public var author: Hash32 { content.author }
    /// The author's sequence number.
    public var sequence: UInt64 { content.sequence }
    /// Ids of the author's previous entries, strictly ascending.
    public var links: [Hash32] { content.links }
    /// The hybrid logical clock reading at creation.
    public var timestamp: HybridTimestamp { content.timestamp }
    /// The kind string.
    public var kind: String { content.kind }
    /// The payload bytes.
    public var payload: [UInt8] { content.payload }

    /// Two entries are equal when their canonical bytes are.
    public static func == (lhs: Entry, rhs: Entry) -> Bool { lhs.encoded == rhs.encoded }

    /// Hashes the id and signature (the id already covers the content).
    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(signature)
    }
}
