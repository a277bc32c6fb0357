import Foundation
import LedgerCore
import LedgerSync

/// A mailbox bundle written for one visit (Specs/bundle-format.md §9.3).
struct MailboxBundle {
    /// The file's bytes; empty when nothing was worth writing or nothing fitted.
    var bytes: [UInt8] = []
    /// Entries carried.
    var entries = 0
    /// Entries some member may lack that the stick does not carry and that did not fit.
    var didNotFit = 0
    /// When it was written (its header's and file name's time).
    var created = HybridTimestamp(wallMillis: 0, counter: 0)
}

extension SiteLedger {
    /// The ids some recipient may lack that the stick does not already carry for it: for
    /// each recipient, this site's ids its last known summary does not show (all of them when
    /// none is known, or when its marker says it holds fewer entries than that summary did:
    /// it was restored from a backup), less what the stick carries to it or it holds.
    func mailboxIDs(for recipients: [Hash32], set: ReconcilableSet, stick: StickContents) -> [Hash32] {
        let ids = set.sortedIDs
        let digests = ids.map(StickIndex.digest)
        var chosen = [Bool](repeating: false, count: ids.count)
        for recipient in recipients {
            let covered = stick.coveredDigests(for: recipient)
            var summary = lastKnownSummary(of: recipient)?.snapshot
            if let known = summary, let marker = stick.markers[recipient], marker.entriesHeld < UInt64(known.totalCount) { summary = nil }
            if let summary {
                let lacking = Set(summary.idsLacking(from: set))
                for (index, id) in ids.enumerated() where !chosen[index] && lacking.contains(id) && !covered.contains(digests[index]) {
                    chosen[index] = true
                }
            } else {
                for index in ids.indices where !chosen[index] && !covered.contains(digests[index]) { chosen[index] = true }
            }
        }
        return ids.indices.filter { chosen[$0] }.map { ids[$0] }
    }

    /// A mailbox bundle to `recipients` with `ids`, no larger than `budget` bytes: when all do
    /// not fit, the oldest entries (by their time) go first and the rest is counted as not fitted.
    func writeMailboxBundle(to recipients: [BundleRecipient], ids: [Hash32], set: ReconcilableSet, budget: Int) throws -> MailboxBundle {
        guard !ids.isEmpty, !recipients.isEmpty else { return MailboxBundle() }
        let store = LedgerItemStore(ledger: self)
        var items: [SyncItem] = []
        items.reserveCapacity(ids.count)
        for id in ids {
            guard let bytes = try store.itemBytes(for: id) else { continue }
            items.append(SyncItem(id: id, bytes: bytes))
        }
        let head = try signTreeHead()
        let writer = BundleWriter(signingKey: signingKeyForBundles, compressor: LZ4BundleCompressor())
        let created = currentTime()
        func write(_ chosen: [SyncItem]) throws -> [UInt8] {
            try writer.write(recipients: recipients, created: created, treeHead: head.encoded, set: set, items: chosen, indexed: true)
        }
        var bytes = try write(items)
        guard bytes.count > budget else { return MailboxBundle(bytes: bytes, entries: items.count, created: created) }
        // Oldest needs first: order by the entries' own time, then keep the prefix that fits.
        let ordered = items.map { item in ((try? Entry.decode(item.bytes).timestamp) ?? HybridTimestamp(wallMillis: .max, counter: .max), item) }
            .sorted { $0.0 < $1.0 }.map(\.1)
        var count = ordered.count
        for _ in 0..<12 {
            count = min(count - 1, Int(Double(count) * Double(budget) / Double(bytes.count) * 0.97))
            guard count > 0 else { break }
            bytes = try write(Array(ordered.prefix(count)))
            if bytes.count <= budget { return MailboxBundle(bytes: bytes, entries: count, didNotFit: ordered.count - count, created: created) }
        }
        return MailboxBundle(didNotFit: ordered.count)
    }
}
