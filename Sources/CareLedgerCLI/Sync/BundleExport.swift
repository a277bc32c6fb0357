import Foundation
import LedgerCore
import LedgerSync

extension SiteLedger {
    /// A bundle for `recipients` with what they are believed to lack, telling `progress` of
    /// each entry loaded for it (the bar of `bundle export`).
    /// (`writeBundle(to:)` without a bar forwards here.)
    /// - Parameter progress: a bar whose total this call does not know in advance is created
    ///   by `makeBar` once the number of entries is known.
    /// - Throws: `CLIFailure.usage` when a recipient's key-agreement key is not known yet.
    func writeBundle(to recipients: [Member], makeBar: (_ entries: Int) -> ProgressBar?) throws -> (bytes: [UInt8], entries: Int) {
        var bundleRecipients: [BundleRecipient] = []
        for member in recipients {
            guard let agreement = member.agreementKey else {
                throw CLIFailure.usage("the key-agreement key of \(member.name) is not known yet: import a bundle from it first (its site.profile entry), or admit it with --agreement-key")
            }
            bundleRecipients.append(BundleRecipient(siteKey: member.key, agreementKey: agreement.bytes))
        }
        let set = try reconcilableSet()
        let ids = BundleContents.ids(from: set, lastKnown: recipients.map { lastKnownSummary(of: $0.key)?.snapshot })
        let bar = makeBar(ids.count)
        defer { bar?.finish() }
        let store = LedgerItemStore(ledger: self)
        var items: [SyncItem] = []
        items.reserveCapacity(ids.count)
        var pending = 0
        for id in ids {
            pending += 1
            if pending == 256 { bar?.advance(by: pending); pending = 0 }
            // Quarantined ids are in the set but not in the trusted log: they are not sent.
            guard let bytes = try store.itemBytes(for: id) else { continue }
            items.append(SyncItem(id: id, bytes: bytes))
        }
        bar?.advance(by: pending)
        let head = try signTreeHead()
        let writer = BundleWriter(signingKey: signingKeyForBundles, compressor: LZ4BundleCompressor())
        let bytes = try writer.write(recipients: bundleRecipients, created: currentTime(), treeHead: head.encoded,
                                     set: set, items: items)
        return (bytes, items.count)
    }
}
