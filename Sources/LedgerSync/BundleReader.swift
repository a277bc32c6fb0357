import Crypto
import Foundation
import LedgerCore

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
    /// Caps for the payload's messages.
    public let limits: SyncLimits

    /// Creates a reader for the site with `siteKey` and the X25519 key `agreementKey`.
    public init(siteKey: Hash32, agreementKey: Curve25519.KeyAgreement.PrivateKey, compressor: any BundleCompressor,
                maxDecompressedBytes: Int = 1 << 30, limits: SyncLimits = SyncLimits()) {
        self.siteKey = siteKey
        self.agreementKey = agreementKey
        self.compressor = compressor
        self.maxDecompressedBytes = maxDecompressedBytes
        self.limits = limits
    }

    /// Checks, decrypts and parses a bundle; stores nothing.
    /// - Parameter fileName: named in errors.
    public func open(_ bytes: [UInt8], fileName: String? = nil) throws(SyncError) -> OpenedBundle {
        do {
            return try openUnnamed(bytes)
        } catch {
            throw fileName.map { error.inFile($0) } ?? error
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

    private func openUnnamed(_ bytes: [UInt8]) throws(SyncError) -> OpenedBundle {
        // §7 step 1–2: magic and version, so a newer file gets a clear message.
        let magic = BundleHeader.magic
        guard bytes.count >= magic.count else {
            if bytes.elementsEqual(magic.prefix(bytes.count)) {
                throw SyncError(.truncatedBundle, "the file ends inside the magic", offset: bytes.count)
            }
            throw SyncError(.notABundle, "not a CareLedger bundle (bad magic)", offset: 0)
        }
        guard bytes.prefix(magic.count).elementsEqual(magic) else {
            throw SyncError(.notABundle, "not a CareLedger bundle (bad magic)", offset: 0)
        }
        var reader = ByteReader(bytes, from: magic.count, truncated: .truncatedBundle, malformed: .malformedBundle)
        let version = try reader.u16("format version")
        guard version <= BundleHeader.formatVersion else {
            throw SyncError(.newerFormatVersion, "bundle format version \(version) is newer than this build reads (\(BundleHeader.formatVersion)); upgrade CareLedger", offset: 8)
        }
        guard version >= 1 else { throw SyncError(.malformedBundle, "bundle format version 0 does not exist", offset: 8) }

        // Step 3: structure, so truncation is told apart from damage.
        let codecID = try reader.u8("codec id")
        let reserved = try reader.u8("reserved byte")
        let sender = try reader.hash("sender key")
        let created = HybridTimestamp(wallMillis: try reader.u64("created millis"), counter: try reader.u32("created counter"))
        let nonce = try reader.raw(16, "nonce")
        let keyAADEnd = reader.position
        let recipientCount = Int(try reader.u16("recipient count"))
        let recipientsStart = reader.position
        _ = try reader.raw(recipientCount * BundleHeader.recipientLength, "recipient list")
        let declared = try reader.u64("decompressed size")
        let cipherLength = try reader.u64("ciphertext length")
        let aadEnd = reader.position
        guard cipherLength >= 16, cipherLength <= UInt64(bytes.count) else {
            if cipherLength < 16 { throw SyncError(.malformedBundle, "ciphertext shorter than its tag", offset: aadEnd - 8) }
            throw SyncError(.truncatedBundle, "the file ends inside the ciphertext", offset: bytes.count)
        }
        _ = try reader.raw(Int(cipherLength), "ciphertext")
        let signedEnd = reader.position
        let signature = try reader.raw(64, "signature")
        let checksum = try reader.raw(32, "checksum")
        guard reader.isAtEnd else {
            throw SyncError(.malformedBundle, "\(reader.remaining) bytes after the checksum", offset: reader.position)
        }

        // Step 4: checksum (damage), then step 5: signature (forgery).
        guard Array(SHA256.hash(data: bytes[0..<(signedEnd + 64)])).elementsEqual(checksum) else {
            throw SyncError(.checksumMismatch, "checksum mismatch: the file is damaged", offset: signedEnd + 64)
        }
        guard let senderKey = try? Curve25519.Signing.PublicKey(rawRepresentation: sender.bytes),
              senderKey.isValidSignature(signature, for: SyncHashing.bundleSignatureMessage(bytes[0..<signedEnd])) else {
            throw SyncError(.badSignature, "the sender's signature does not verify", offset: signedEnd)
        }
        guard reserved == 0, recipientCount >= 1, recipientCount <= BundleHeader.maxRecipients else {
            throw SyncError(.malformedBundle, "bad reserved byte or recipient count \(recipientCount)", offset: 11)
        }
        let header = BundleHeader(version: version, codecID: codecID, sender: sender, created: created, nonce: nonce,
                                  recipientCount: recipientCount, decompressedSize: declared)

        // Step 6: the cap, before any decryption or decompression.
        guard declared <= UInt64(maxDecompressedBytes) else {
            throw SyncError(.declaredSizeOverCap, "declared decompressed size \(declared) is over the cap of \(maxDecompressedBytes) bytes", offset: aadEnd - 16)
        }
        guard codecID == compressor.codecID || codecID == 0 else {
            throw SyncError(.malformedBundle, "payload codec \(codecID) is not supported", offset: 10)
        }

        // Step 7: find this site among the recipients and unwrap the content key.
        let hint = BundleHeader.hint(for: siteKey, nonce: nonce)
        var contentKey: SymmetricKey?
        var addressed = false
        for index in 0..<recipientCount {
            let at = recipientsStart + index * BundleHeader.recipientLength
            guard bytes[at..<(at + 8)].elementsEqual(hint) else { continue }
            addressed = true
            let enc = Data(bytes[(at + 8)..<(at + 40)])
            let wrapped = Data(bytes[(at + 40)..<(at + 88)])
            if var recipient = try? HPKE.Recipient(privateKey: agreementKey, ciphersuite: BundleHeader.ciphersuite,
                                                   info: BundleHeader.hpkeInfo, encapsulatedKey: enc),
               let key = try? recipient.open(wrapped, authenticating: bytes[0..<keyAADEnd]) {
                contentKey = SymmetricKey(data: key)
                break
            }
        }
        guard addressed else { throw SyncError(.notARecipient, "this bundle is not addressed to this site", offset: recipientsStart) }
        guard let contentKey else { throw SyncError(.decryptionFailed, "the content key does not decrypt with this site's key", offset: recipientsStart) }

        // Step 8: decrypt, decompress, parse.
        let cipherStart = aadEnd
        let plainCompressed: [UInt8]
        do {
            let box = try ChaChaPoly.SealedBox(nonce: ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)),
                                               ciphertext: bytes[cipherStart..<(signedEnd - 16)],
                                               tag: bytes[(signedEnd - 16)..<signedEnd])
            plainCompressed = Array(try ChaChaPoly.open(box, using: contentKey, authenticating: bytes[0..<aadEnd]))
        } catch {
            throw SyncError(.decryptionFailed, "the payload does not decrypt", offset: cipherStart, underlying: error)
        }
        let decoder = codecID == 0 ? StoredCompressor() as any BundleCompressor : compressor
        let payload: [UInt8]
        do { payload = try decoder.decompress(plainCompressed, expectedSize: Int(declared)) } catch {
            throw SyncError(.decompressionFailed, "the payload does not decompress to its declared \(declared) bytes", offset: cipherStart, underlying: error)
        }
        guard payload.count == Int(declared) else {
            throw SyncError(.decompressionFailed, "the payload decompressed to \(payload.count) bytes, not \(declared)", offset: cipherStart)
        }
        return try parsePayload(payload, header: header)
    }

    private func parsePayload(_ payload: [UInt8], header: BundleHeader) throws(SyncError) -> OpenedBundle {
        let (treeHead, messages) = try BundlePayload.parse(payload, limits: limits)
        return OpenedBundle(header: header, treeHead: treeHead, messages: messages)
    }
}
