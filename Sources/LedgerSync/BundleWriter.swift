import Crypto
import Foundation
import LedgerCore

/// Writes bundles (Specs/bundle-format.md): one self-contained, signed, checksummed file
/// whose payload — the sender's tree head, summary and items — is compressed, then
/// encrypted to every recipient with HPKE.
public struct BundleWriter: Sendable {
    private let signingKey: Curve25519.Signing.PrivateKey
    private let compressor: any BundleCompressor

    /// Creates a writer for the site holding `signingKey`.
    public init(signingKey: Curve25519.Signing.PrivateKey, compressor: any BundleCompressor) {
        self.signingKey = signingKey
        self.compressor = compressor
    }

    /// The sender key bundles from this writer carry.
    public var senderKey: Hash32 { Hash32(bytes: Array(signingKey.publicKey.rawRepresentation)) ?? .zero }

    /// Builds a bundle.
    /// - Parameters:
    ///   - recipients: one or more sites that can open it.
    ///   - created: the sender's HLC now; recipients keep the newest summary per sender.
    ///   - treeHead: the sender's signed tree head, opaque here.
    ///   - set: the sender's whole id set, summarised into the payload.
    ///   - items: the items the recipients are believed to lack (`BundleContents.ids`).
    ///   - nonce: 16 random bytes; nil draws them from the system generator.
    ///   - summaryRangeCount: passed to `SummarySnapshot(of:salt:maxRangeCount:)`.
    ///   - declaredSizeOverride: tests only — writes a false decompressed size.
    ///   - indexed: write format version 2, whose signed clear part declares the digests of
    ///     the items carried (a mailbox bundle, §2.1); false writes version 1.
    ///   - indexOverride: tests only — declares these digests rather than the items'.
    public func write(recipients: [BundleRecipient], created: HybridTimestamp, treeHead: [UInt8],
                      set: ReconcilableSet, items: [SyncItem], nonce: [UInt8]? = nil,
                      summaryRangeCount: Int? = nil, declaredSizeOverride: UInt64? = nil,
                      indexed: Bool = false, indexOverride: [UInt64]? = nil) throws(SyncError) -> [UInt8] {
        guard !recipients.isEmpty, recipients.count <= BundleHeader.maxRecipients else {
            throw SyncError(.bundleWriteFailed, "a bundle needs 1 to \(BundleHeader.maxRecipients) recipients")
        }
        let nonce = nonce ?? (0..<16).map { _ in UInt8.random(in: 0...255) }
        guard nonce.count == 16 else { throw SyncError(.bundleWriteFailed, "the bundle nonce must be 16 bytes") }

        // Payload (§5): tree head, then a recorded flight of sync messages.
        let snapshot = SummarySnapshot(of: set, salt: nonce, maxRangeCount: summaryRangeCount)
        let payload = BundlePayload.encode(treeHead: treeHead, snapshot: snapshot, items: items)

        let compressed: [UInt8]
        do { compressed = try compressor.compress(payload) } catch {
            throw SyncError(.bundleWriteFailed, "compressing the payload failed", underlying: error)
        }

        // Header (§3).
        var file = ByteWriter(.bigEndian, capacity: compressed.count + 512)
        file.raw(BundleHeader.magic)
        file.u16(indexed ? BundleHeader.indexedVersion : BundleHeader.plainVersion)
        file.u8(compressor.codecID)
        file.u8(0)
        file.hash(senderKey)
        file.u64(created.wallMillis)
        file.u32(created.counter)
        file.raw(nonce)
        let keyAAD = file.bytes
        file.u16(UInt16(recipients.count))

        // Recipients (§4): a fresh content key, HPKE-sealed to each recipient.
        let contentKey = SymmetricKey(size: .bits256)
        let contentKeyBytes = contentKey.withUnsafeBytes { Array($0) }
        do {
            for recipient in recipients {
                let publicKey = try Curve25519.KeyAgreement.PublicKey(rawRepresentation: recipient.agreementKey)
                var sender = try HPKE.Sender(recipientKey: publicKey, ciphersuite: BundleHeader.ciphersuite, info: BundleHeader.hpkeInfo)
                let wrapped = try sender.seal(contentKeyBytes, authenticating: keyAAD)
                file.raw(BundleHeader.hint(for: recipient.siteKey, nonce: nonce))
                file.raw(sender.encapsulatedKey)
                file.raw(wrapped)
            }
        } catch {
            throw SyncError(.bundleWriteFailed, "encrypting the content key to a recipient failed", underlying: error)
        }
        file.u64(declaredSizeOverride ?? UInt64(payload.count))
        file.u64(UInt64(compressed.count + 16))
        if indexed {
            // The id index (§2.1), signed on its own so it can be trusted without reading the rest.
            let digests = indexOverride ?? StickIndex.digests(of: items.map(\.id))
            guard digests.count <= StickIndex.maxDigests else {
                throw SyncError(.bundleWriteFailed, "a bundle indexes at most \(StickIndex.maxDigests) items")
            }
            file.u32(UInt32(digests.count))
            for digest in digests { file.u64(digest) }
            do {
                file.raw(try signingKey.signature(for: StickIndex.signatureMessage(file.bytes)))
            } catch {
                throw SyncError(.bundleWriteFailed, "signing the bundle's index failed", underlying: error)
            }
        }
        let aad = file.bytes

        // Payload ciphertext (§4.2): ChaChaPoly under the one-time content key, zero nonce.
        do {
            let box = try ChaChaPoly.seal(compressed, using: contentKey,
                                          nonce: ChaChaPoly.Nonce(data: [UInt8](repeating: 0, count: 12)),
                                          authenticating: aad)
            file.raw(box.ciphertext)
            file.raw(box.tag)
        } catch {
            throw SyncError(.bundleWriteFailed, "encrypting the payload failed", underlying: error)
        }

        // Trailer (§3.3): signature over everything before it, then the checksum.
        do {
            file.raw(try signingKey.signature(for: SyncHashing.bundleSignatureMessage(file.bytes)))
        } catch {
            throw SyncError(.bundleWriteFailed, "signing the bundle failed", underlying: error)
        }
        file.raw(SHA256.hash(data: file.bytes))
        return file.bytes
    }

    /// Builds a bundle with exactly what the recipients are believed to lack
    /// (`BundleContents.ids`), loading the items through `provider`.
    /// - Parameter lastKnown: the last known summary of each recipient, nil when unknown.
    /// - Returns: the file bytes and how many items it carries.
    public func write(recipients: [BundleRecipient], lastKnown: [SummarySnapshot?], created: HybridTimestamp,
                      treeHead: [UInt8], set: ReconcilableSet, provider: any SyncItemProvider) throws(SyncError) -> (bytes: [UInt8], items: Int) {
        let ids = BundleContents.ids(from: set, lastKnown: lastKnown)
        let items = try provider.items(for: ids, "for the bundle")
        return (try write(recipients: recipients, created: created, treeHead: treeHead, set: set, items: items), items.count)
    }
}
