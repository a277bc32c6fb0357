import Crypto
import Foundation
import LedgerCore
import LedgerStorage

/// A bundle that passed every check and was decrypted, before its items are verified.
public struct OpenedBundle: Sendable {
    /// The clear-text header.
    public let header: BundleHeader
    /// The sender's signed tree head, opaque to the sync layer.
    public let treeHead: [UInt8]
    /// The payload's sync messages: SUMMARY, ITEMS…, STEP (Specs/bundle-format.md §5).
    public let messages: [SyncMessage]
}

/// What importing a bundle did.
public struct BundleImportResult: Sendable {
    /// The bundle's header (sender, time, nonce).
    public let header: BundleHeader
    /// The sender's signed tree head, opaque here, for the integrator to check and keep.
    public let treeHead: [UInt8]
    /// The sender's summary: persist it (`keepingNewer`) as the last known summary of the sender.
    public let senderSummary: PeerSummaryRecord
    /// Ids of the items committed, new to this site.
    public let imported: [Hash32]
    /// Items in the bundle this site already held (a replay imports nothing and fails nothing).
    public let alreadyHad: Int
}

/// Reads bundles addressed to this site (Specs/bundle-format.md §7): checks structure,
/// checksum, signature, size cap and recipient before decrypting, then feeds the payload
/// to a `ReconcileSession` in the bundle-reader role and commits through the store.
public struct BundleReader: Sendable {
    private let siteKey: Hash32
    private let agreementKey: Curve25519.KeyAgreement.PrivateKey
    private let compressor: any BundleCompressor
    /// Largest decompressed payload this reader accepts.
    public let maxDecompressedBytes: Int
    /// Largest bundle file this reader reads; a longer file is rejected from its length alone.
    public let maxBundleBytes: Int
    /// Bytes hashed per read while checking the checksum and signature (§7 steps 4–5).
    static let hashChunk = 1 << 20
    /// Caps for the payload's messages.
    public let limits: SyncLimits

    /// Creates a reader for the site with `siteKey` and the X25519 key `agreementKey`.
    public init(siteKey: Hash32, agreementKey: Curve25519.KeyAgreement.PrivateKey, compressor: any BundleCompressor,
                maxDecompressedBytes: Int = 1 << 30, maxBundleBytes: Int = BundleHeader.maxBundleBytes,
                limits: SyncLimits = SyncLimits()) {
        self.siteKey = siteKey
        self.agreementKey = agreementKey
        self.compressor = compressor
        self.maxDecompressedBytes = maxDecompressedBytes
        self.maxBundleBytes = maxBundleBytes
        self.limits = limits
    }

    /// Checks, decrypts and parses a bundle; stores nothing.
    /// - Parameter fileName: named in errors.
    public func open(_ bytes: [UInt8], fileName: String? = nil) throws(SyncError) -> OpenedBundle {
        do {
            return try openUnnamed(MemoryBundleSource(contents: bytes))
        } catch {
            throw fileName.map { error.inFile($0) } ?? error
        }
    }

    /// Checks, decrypts and parses the bundle file at `path`, read through `fileSystem` a
    /// range at a time (Specs/bundle-format.md §7): the length is checked against the cap
    /// before anything is read, the header from its first bytes, the checksum and signature
    /// over 1 MiB reads; only a signed bundle's ciphertext is read whole. Stores nothing.
    /// - Throws: `SyncError`, naming `path`; `bundle.unreadable` when the file cannot be opened or read.
    public func open(file path: String, fileSystem: any FileSystem = POSIXFileSystem()) throws(SyncError) -> OpenedBundle {
        let file: OpenFile
        do { file = try fileSystem.open(path, mode: .readOnly) } catch {
            throw SyncError(.unreadableBundle, "cannot open the file", file: path, underlying: error)
        }
        defer { fileSystem.close(file) }
        do {
            return try openUnnamed(try FileBundleSource(fileSystem: fileSystem, file: file))
        } catch {
            throw error.inFile(path)
        }
    }

    /// Opens a bundle, verifies its items with `verifier` and commits them all or none
    /// through `store`. Idempotent: items already in `set` are skipped.
    public func importBundle(_ bytes: [UInt8], fileName: String? = nil, set: ReconcilableSet,
                             verifier: any SyncItemVerifier, store: any SyncItemStore) throws(SyncError) -> BundleImportResult {
        try importBundle(try open(bytes, fileName: fileName), fileName: fileName, set: set, verifier: verifier, store: store)
    }

    /// Verifies an opened bundle's items with `verifier` and commits them all or none
    /// through `store`: the second half of `importBundle`, for an integrator that checks
    /// the opened bundle (its sender's tree head) before anything is stored.
    public func importBundle(_ opened: OpenedBundle, fileName: String? = nil, set: ReconcilableSet,
                             verifier: any SyncItemVerifier, store: any SyncItemStore) throws(SyncError) -> BundleImportResult {
        let (summary, outcome) = try BundlePayload.apply(opened.messages, fileName: fileName, set: set, verifier: verifier,
                                                         store: store, limits: limits)
        return BundleImportResult(header: opened.header, treeHead: opened.treeHead,
                                  senderSummary: PeerSummaryRecord(peer: opened.header.sender, asOf: opened.header.created, snapshot: summary),
                                  imported: outcome.received, alreadyHad: outcome.alreadyHad)
    }

    /// Where the fields of a bundle lie, from its first bytes and its length (§7 steps 0–3).
    struct Layout {
        let head: [UInt8]
        let version: UInt16
        let codecID: UInt8
        let reserved: UInt8
        let sender: Hash32
        let created: HybridTimestamp
        let nonce: [UInt8]
        let keyAADEnd: Int
        let recipientCount: Int
        let recipientsStart: Int
        let sizesStart: Int
        let sizes: [UInt8]
        let declared: UInt64
        let cipherLength: UInt64
        /// Version 2: how many digests the index holds (0 in version 1).
        let indexCount: Int
        /// Where the ciphertext starts: after the sizes (v1), or after the index and its signature (v2).
        let cipherStart: Int
        var signedEnd: Int { cipherStart + Int(cipherLength) }
        /// Where the index's digests start (v2).
        var indexStart: Int { sizesStart + 20 }
        /// Where the index signature starts (v2).
        var indexSignatureStart: Int { indexStart + 8 * indexCount }
    }

    /// Steps 0–3: the length against the cap, magic, version, and structure against the
    /// file's length; nothing of a declared size is read.
    static func layout(of source: some BundleSource, maxBundleBytes: Int) throws(SyncError) -> Layout {
        let length = source.length
        // §7 step 0: the file's length against the cap, from `stat` alone.
        guard length <= UInt64(maxBundleBytes) else {
            throw SyncError(.declaredSizeOverCap, "the file is \(length) bytes, over the cap of \(maxBundleBytes) bytes for a bundle", offset: 0)
        }
        // Step 1–2: magic and version from the first bytes, so a newer file gets a clear message.
        let magic = BundleHeader.magic
        let head = try source.bytes(at: 0, count: Int(min(length, UInt64(BundleHeader.fixedLength))))
        guard head.count >= magic.count else {
            if head.elementsEqual(magic.prefix(head.count)) {
                throw SyncError(.truncatedBundle, "the file ends inside the magic", offset: head.count)
            }
            throw SyncError(.notABundle, "not a CareLedger bundle (bad magic)", offset: 0)
        }
        guard head.prefix(magic.count).elementsEqual(magic) else {
            throw SyncError(.notABundle, "not a CareLedger bundle (bad magic)", offset: 0)
        }
        var reader = ByteReader(head, from: magic.count, truncated: .truncatedBundle, malformed: .malformedBundle)
        let version = try reader.u16("format version")
        guard version <= BundleHeader.formatVersion else {
            throw SyncError(.newerFormatVersion, "bundle format version \(version) is newer than this build reads (\(BundleHeader.formatVersion)); upgrade CareLedger", offset: 8)
        }
        guard version >= 1 else { throw SyncError(.malformedBundle, "bundle format version 0 does not exist", offset: 8) }

        // Step 3: structure, checked against the file's length before anything of a declared
        // size is read, so truncation is told apart from damage.
        let codecID = try reader.u8("codec id")
        let reserved = try reader.u8("reserved byte")
        let sender = try reader.hash("sender key")
        let created = HybridTimestamp(wallMillis: try reader.u64("created millis"), counter: try reader.u32("created counter"))
        let nonce = try reader.raw(16, "nonce")
        let keyAADEnd = reader.position
        let recipientCount = Int(try reader.u16("recipient count"))
        let recipientsStart = reader.position
        let sizesStart = recipientsStart + recipientCount * BundleHeader.recipientLength
        let indexed = version == BundleHeader.indexedVersion
        guard UInt64(sizesStart + 16 + (indexed ? 4 : 0)) <= length else {
            throw SyncError(.truncatedBundle, "the file ends inside the recipient list, the sizes or the index", offset: Int(length))
        }
        let sizeBytes = try source.bytes(at: UInt64(sizesStart), count: 16 + (indexed ? 4 : 0))
        var sizes = ByteReader(sizeBytes, base: sizesStart, truncated: .truncatedBundle, malformed: .malformedBundle)
        let declared = try sizes.u64("decompressed size")
        let cipherLength = try sizes.u64("ciphertext length")
        var cipherStart = sizesStart + 16
        var indexCount = 0
        if indexed {
            indexCount = Int(try sizes.u32("index count"))
            guard indexCount <= StickIndex.maxDigests else {
                throw SyncError(.malformedBundle, "the index declares \(indexCount) digests, over the cap of \(StickIndex.maxDigests)", offset: sizesStart + 16)
            }
            cipherStart += 4 + 8 * indexCount + 64
            guard UInt64(cipherStart) <= length else {
                throw SyncError(.truncatedBundle, "the file ends inside the index or its signature", offset: Int(length))
            }
        }
        guard cipherLength >= 16 else { throw SyncError(.malformedBundle, "ciphertext shorter than its tag", offset: sizesStart + 8) }
        let available = length - UInt64(cipherStart)
        guard cipherLength <= available, UInt64(BundleHeader.trailerLength) <= available - cipherLength else {
            throw SyncError(.truncatedBundle, "the file ends inside the ciphertext or the trailer", offset: Int(length))
        }
        let end = cipherStart + Int(cipherLength) + BundleHeader.trailerLength
        guard UInt64(end) == length else {
            throw SyncError(.malformedBundle, "\(length - UInt64(end)) bytes after the checksum", offset: end)
        }
        return Layout(head: head, version: version, codecID: codecID, reserved: reserved, sender: sender, created: created,
                      nonce: nonce, keyAADEnd: keyAADEnd, recipientCount: recipientCount, recipientsStart: recipientsStart,
                      sizesStart: sizesStart, sizes: Array(sizeBytes.prefix(16)), declared: declared, cipherLength: cipherLength,
                      indexCount: indexCount, cipherStart: cipherStart)
    }

    /// Reads a version 2 index and checks its signature by the sender (§2.1): the digests
    /// must be strictly ascending.
    /// - Returns: the digests and the index's bytes (count, digests, signature) for the payload's AAD.
    static func index(of source: some BundleSource, _ layout: Layout) throws(SyncError) -> (digests: [UInt64], bytes: [UInt8]) {
        guard layout.version == BundleHeader.indexedVersion else { return ([], []) }
        let bytes = try source.bytes(at: UInt64(layout.sizesStart + 16), count: layout.cipherStart - layout.sizesStart - 16)
        var reader = ByteReader(bytes, from: 4, base: layout.sizesStart + 16, truncated: .truncatedBundle, malformed: .malformedBundle)
        var digests: [UInt64] = []
        digests.reserveCapacity(layout.indexCount)
        for _ in 0..<layout.indexCount {
            let digest = try reader.u64("index digest")
            if let last = digests.last, digest <= last {
                throw SyncError(.malformedBundle, "the index's digests are not strictly ascending", offset: reader.offset - 8)
            }
            digests.append(digest)
        }
        let signature = try reader.raw(64, "index signature")
        var ordered = SHA256()
        ordered.update(data: layout.head[0..<layout.recipientsStart])
        ordered.update(data: try source.bytes(at: UInt64(layout.recipientsStart), count: layout.sizesStart - layout.recipientsStart))
        ordered.update(data: layout.sizes)
        ordered.update(data: bytes[0..<(bytes.count - 64)])
        let message = StickIndex.signatureDomain + Array(ordered.finalize())
        guard let senderKey = try? Curve25519.Signing.PublicKey(rawRepresentation: layout.sender.bytes),
              senderKey.isValidSignature(signature, for: message) else {
            throw SyncError(.badSignature, "the sender's signature over the index does not verify", offset: layout.indexSignatureStart)
        }
        return (digests, bytes)
    }

    /// Reads the clear part of a mailbox bundle (version 2) without its key: header,
    /// recipient hints and id index, the index's signature checked (§9). The payload is
    /// neither read nor checked; importing the bundle checks everything.
    /// - Throws: `SyncError`, naming `path`: as ``open(file:fileSystem:)`` for steps 0–3,
    ///   `bundle.malformed` for a version 1 bundle (it has no index) or a bad reserved byte
    ///   or recipient count, `bundle.signature` when the index's signature does not verify.
    public static func readIndex(file path: String, fileSystem: any FileSystem = POSIXFileSystem(),
                                 maxBundleBytes: Int = BundleHeader.maxBundleBytes) throws(SyncError) -> StickBundleIndex {
        let file: OpenFile
        do { file = try fileSystem.open(path, mode: .readOnly) } catch {
            throw SyncError(.unreadableBundle, "cannot open the file", file: path, underlying: error)
        }
        defer { fileSystem.close(file) }
        do throws(SyncError) {
            let source = try FileBundleSource(fileSystem: fileSystem, file: file)
            let layout = try layout(of: source, maxBundleBytes: maxBundleBytes)
            guard layout.version == BundleHeader.indexedVersion else {
                throw SyncError(.malformedBundle, "a version \(layout.version) bundle has no id index", offset: 8)
            }
            guard layout.reserved == 0, layout.recipientCount >= 1, layout.recipientCount <= BundleHeader.maxRecipients else {
                throw SyncError(.malformedBundle, "bad reserved byte or recipient count \(layout.recipientCount)", offset: 11)
            }
            let (digests, _) = try Self.index(of: source, layout)
            let recipients = try source.bytes(at: UInt64(layout.recipientsStart), count: layout.sizesStart - layout.recipientsStart)
            let hints = (0..<layout.recipientCount).map { Array(recipients[($0 * BundleHeader.recipientLength)..<($0 * BundleHeader.recipientLength + 8)]) }
            var header = BundleHeader(version: layout.version, codecID: layout.codecID, sender: layout.sender, created: layout.created,
                                      nonce: layout.nonce, recipientCount: layout.recipientCount, decompressedSize: layout.declared)
            header.index = digests
            return StickBundleIndex(header: header, hints: hints, length: source.length)
        } catch {
            throw error.inFile(path)
        }
    }

    private func openUnnamed(_ source: some BundleSource) throws(SyncError) -> OpenedBundle {
        let layout = try Self.layout(of: source, maxBundleBytes: maxBundleBytes)
        let (head, version, codecID, reserved, sender, created, nonce) =
            (layout.head, layout.version, layout.codecID, layout.reserved, layout.sender, layout.created, layout.nonce)
        let (keyAADEnd, recipientCount, recipientsStart, sizesStart) = (layout.keyAADEnd, layout.recipientCount, layout.recipientsStart, layout.sizesStart)
        let (declared, cipherLength, signedEnd) = (layout.declared, layout.cipherLength, layout.signedEnd)

        // Step 4: checksum (damage), then step 5: signature (forgery); both hashed a chunk at a time.
        let trailer = try source.bytes(at: UInt64(signedEnd), count: BundleHeader.trailerLength)
        let signature = Array(trailer[0..<64])
        var hasher = SHA256()
        var at = 0
        while at < signedEnd {
            let count = min(Self.hashChunk, signedEnd - at)
            hasher.update(data: try source.bytes(at: UInt64(at), count: count))
            at += count
        }
        let signedDigest = hasher.finalize()
        hasher.update(data: signature)
        guard Array(hasher.finalize()).elementsEqual(trailer[64...]) else {
            throw SyncError(.checksumMismatch, "checksum mismatch: the file is damaged", offset: signedEnd + 64)
        }
        guard let senderKey = try? Curve25519.Signing.PublicKey(rawRepresentation: sender.bytes),
              senderKey.isValidSignature(signature, for: SyncHashing.bundleSignatureMessage(digest: signedDigest)) else {
            throw SyncError(.badSignature, "the sender's signature does not verify", offset: signedEnd)
        }
        guard reserved == 0, recipientCount >= 1, recipientCount <= BundleHeader.maxRecipients else {
            throw SyncError(.malformedBundle, "bad reserved byte or recipient count \(recipientCount)", offset: 11)
        }
        var header = BundleHeader(version: version, codecID: codecID, sender: sender, created: created, nonce: nonce,
                                  recipientCount: recipientCount, decompressedSize: declared)
        let (digests, indexBytes) = try Self.index(of: source, layout)
        header.index = digests

        // Step 6: the cap, before any decryption or decompression.
        guard declared <= UInt64(maxDecompressedBytes) else {
            throw SyncError(.declaredSizeOverCap, "declared decompressed size \(declared) is over the cap of \(maxDecompressedBytes) bytes", offset: sizesStart)
        }
        guard codecID == compressor.codecID || codecID == 0 else {
            throw SyncError(.malformedBundle, "payload codec \(codecID) is not supported", offset: 10)
        }

        // Step 7: find this site among the recipients and unwrap the content key.
        let recipients = try source.bytes(at: UInt64(recipientsStart), count: sizesStart - recipientsStart)
        let hint = BundleHeader.hint(for: siteKey, nonce: nonce)
        var contentKey: SymmetricKey?
        var addressed = false
        for index in 0..<recipientCount {
            let at = index * BundleHeader.recipientLength
            guard recipients[at..<(at + 8)].elementsEqual(hint) else { continue }
            addressed = true
            let enc = Data(recipients[(at + 8)..<(at + 40)])
            let wrapped = Data(recipients[(at + 40)..<(at + 88)])
            if var recipient = try? HPKE.Recipient(privateKey: agreementKey, ciphersuite: BundleHeader.ciphersuite,
                                                   info: BundleHeader.hpkeInfo, encapsulatedKey: enc),
               let key = try? recipient.open(wrapped, authenticating: head[0..<keyAADEnd]) {
                contentKey = SymmetricKey(data: key)
                break
            }
        }
        guard addressed else { throw SyncError(.notARecipient, "this bundle is not addressed to this site", offset: recipientsStart) }
        guard let contentKey else { throw SyncError(.decryptionFailed, "the content key does not decrypt with this site's key", offset: recipientsStart) }

        // Step 8: decrypt, decompress, parse. The payload is one AEAD message (§4.2), so its
        // ciphertext is read whole: the caps (§7.1) bound it. Each buffer is released once
        // the next stage has its output (the helpers return), so at most two are held.
        let cipher = Cipher(start: layout.cipherStart, length: Int(cipherLength),
                            aad: head[0..<recipientsStart] + recipients + layout.sizes + indexBytes, key: contentKey)
        let payload = try decompressedPayload(of: source, cipher, codecID: codecID, declared: declared)
        return try parsePayload(payload, header: header)
    }

    /// Where the sealed payload lies and how to open it.
    private struct Cipher {
        let start: Int
        let length: Int
        let aad: [UInt8]
        let key: SymmetricKey
    }

    private func decompressedPayload(of source: some BundleSource, _ cipher: Cipher, codecID: UInt8,
                                     declared: UInt64) throws(SyncError) -> [UInt8] {
        let plainCompressed = try decrypted(source, cipher)
        let decoder = codecID == 0 ? StoredCompressor() as any BundleCompressor : compressor
        let payload: [UInt8]
        do { payload = try decoder.decompress(plainCompressed, expectedSize: Int(declared)) } catch {
            throw SyncError(.decompressionFailed, "the payload does not decompress to its declared \(declared) bytes", offset: cipher.start, underlying: error)
        }
        guard payload.count == Int(declared) else {
            throw SyncError(.decompressionFailed, "the payload decompressed to \(payload.count) bytes, not \(declared)", offset: cipher.start)
        }
        return payload
    }

    private func decrypted(_ source: some BundleSource, _ cipher: Cipher) throws(SyncError) -> [UInt8] {
        let sealed = try source.bytes(at: UInt64(cipher.start), count: cipher.length)
        do {
            let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)),
                                               ciphertext: sealed[0..<(sealed.count - 16)],
                                               tag: sealed[(sealed.count - 16)...])
            return Array(try ChaChaPoly.open(box, using: cipher.key, authenticating: cipher.aad))
        } catch {
            throw SyncError(.decryptionFailed, "the payload does not decrypt", offset: cipher.start, underlying: error)
        }
    }

    private func parsePayload(_ payload: [UInt8], header: BundleHeader) throws(SyncError) -> OpenedBundle {
        let (treeHead, messages) = try BundlePayload.parse(payload, limits: limits)
        if header.version == BundleHeader.indexedVersion {
            // The index was signed apart from the payload: it must declare exactly the items carried.
            var ids: [Hash32] = []
            for case .items(let items) in messages { ids.append(contentsOf: items.map(\.id)) }
            guard StickIndex.digests(of: ids) == header.index else {
                throw SyncError(.malformedBundle, "the bundle's id index does not match the items it carries", offset: BundleHeader.fixedLength)
            }
        }
        return OpenedBundle(header: header, treeHead: treeHead, messages: messages)
    }
}
