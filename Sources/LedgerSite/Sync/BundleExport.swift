import Foundation
import LedgerCore
import LedgerSync

extension SiteLedger {
    /// A signed bundle for `recipients`, encrypted to each, with what they are believed to
    /// lack (Specs/bundle-format.md): everything this site holds that their last known
    /// summaries do not show.
    ///
    /// Quarantined entries this site keeps (within its quota) are relayed like the others, so a
    /// site admitted later finds its entries everywhere (Specs/charter.md §4); the recipient
    /// checks and quarantines them itself. Nothing is written: the caller stores the bytes
    /// (``BundleFiles/write(_:to:)`` writes them durably).
    /// - Parameters:
    ///   - recipients: the members to address; each must have a known key-agreement key.
    ///   - progress: told `.begin(total:)` once the number of entries is known, then of
    ///     entries loaded, then `.end`.
    /// - Returns: the bundle's bytes and the number of entries in it.
    /// - Throws: ``SiteError`` `.recipientKeyUnknown` when a recipient's key-agreement key
    ///   is not known yet; ledger errors when the log cannot be read.
    public func writeBundle(to recipients: [Member], progress: SiteProgressHandler? = nil) throws -> (bytes: [UInt8], entries: Int) {
        var bundleRecipients: [BundleRecipient] = []
        for member in recipients {
            guard let agreement = member.agreementKey else {
                throw SiteError(.recipientKeyUnknown, "the key-agreement key of \(member.name) is not known yet: import a bundle from it first (its site.profile entry), or admit it with --agreement-key")
            }
            bundleRecipients.append(BundleRecipient(siteKey: member.key, agreementKey: agreement.bytes))
        }
        let set = try reconcilableSet()
        let ids = BundleContents.ids(from: set, lastKnown: recipients.map { lastKnownSummary(of: $0.key)?.snapshot })
        progress?(.begin(total: ids.count))
        defer { progress?(.end) }
        let store = LedgerItemStore(ledger: self)
        var items: [SyncItem] = []
        items.reserveCapacity(ids.count)
        var pending = 0
        for id in ids {
            pending += 1
            if pending == 256 { progress?(.advance(units: pending, items: 0)); pending = 0 }
            // An id the site no longer holds (dropped since the set was read) is skipped.
            guard let bytes = try store.itemBytes(for: id) else { continue }
            items.append(SyncItem(id: id, bytes: bytes))
        }
        progress?(.advance(units: pending, items: 0))
        let head = try signTreeHead()
        let writer = BundleWriter(signingKey: signingKeyForBundles, compressor: LZ4BundleCompressor())
        let bytes = try writer.write(recipients: bundleRecipients, created: currentTime(), treeHead: head.encoded,
                                     set: set, items: items)
        return (bytes, items.count)
    }
}

/// Writes bundle files durably under their final name (temporary name, fsync, rename).
public enum BundleFiles {
    /// Writes `bytes` to `path` atomically and durably.
    /// - Throws: ``SiteError`` `.cannotWrite` naming the path.
    public static func write(_ bytes: [UInt8], to path: String) throws {
        do {
            try DurableFiles.writeAtomically(bytes, to: path, mode: 0o644)
        } catch let error as CoreError {
            throw SiteError(.cannotWrite, "cannot write \(path): \(error.message)", path: path, underlying: error)
        }
    }
}
