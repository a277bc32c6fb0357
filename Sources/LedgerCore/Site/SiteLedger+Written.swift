import Foundation

/// Appends split in two: written on the owner's thread, synced on another
/// (Specs/site-layout.md §3.2).
///
/// A group committer that must keep deciding while the disk syncs calls
/// ``SiteLedger/write(kind:payloads:)`` (signs the entries and writes them to the log, no
/// `fdatasync`), runs ``LogSyncer/sync()`` (``SiteLedger/logSyncer``) on a thread of its own,
/// and back on the owner's thread calls ``SiteLedger/takeInDurable(treeHeadSync:)``; a batch
/// is acknowledged once ``WrittenBatch/end`` ≤ ``SiteLedger/entryCount``. Until then its
/// entries are the tip of the site's chain (the next write links to them) and nothing else:
/// not counted, not readable, not in the Merkle tree, no tree head covers them, no index row.
/// A failed sync is followed by ``SiteLedger/discardWritten()``, which cuts them from the log.
extension SiteLedger {
    /// Signs this site's entries for `payloads` (linked after every entry written before,
    /// durable or not) and writes them to the log without waiting for the disk.
    ///
    /// - Returns: the entries and the ``SiteLedger/entryCount`` at which they are durable.
    /// - Throws: `CoreError` as ``append(kind:payloads:treeHeadSync:updatingIndex:progress:)``
    ///   (nothing of the batch is written then), `.notPermitted` for a snapshot or a
    ///   `charter.` kind (charter entries change what the site trusts: they are appended
    ///   durably), and the error of an earlier failed sync until ``discardWritten()`` ran.
    public func write(kind: String, payloads: [[UInt8]]) throws -> WrittenBatch {
        try requireIntact()
        guard !kind.hasPrefix("charter.") else {
            throw CoreError(.notPermitted, "charter entries are appended durably, not written ahead of their sync")
        }
        guard !payloads.isEmpty else { return WrittenBatch(entries: [], end: log.storedCount) }
        let tip = ownTip()
        let entries = try Self.signedBatch(
            kind: kind, payloads: payloads[...], links: tip.links, firstSequence: tip.nextSequence,
            timestamps: payloads.map { _ in clock.now() }, keys: keys, network: networkID, author: siteKey)
        if writtenOwn.isEmpty { writtenBase = log.storedCount }
        try log.write(entries.map { ($0.id, $0.encoded) })
        writtenOwn += entries
        return WrittenBatch(entries: entries, end: writtenBase + writtenOwn.count)
    }

    /// What makes written entries durable from another thread: one `fdatasync` of the log
    /// covering everything written before the call.
    public var logSyncer: LogSyncer { log.syncer }

    /// On the owner's thread, after a ``LogSyncer/sync()`` returned: takes in the written
    /// entries the log now holds durably — they are counted and read, the chains and the
    /// Merkle tree grow, and a tree head is signed over them (written now; its `fsync` per
    /// `treeHeadSync`, Specs/site-layout.md §3.1).
    /// - Returns: the entries taken in, in log order (empty when none became durable).
    /// - Throws: `CoreError` when the Merkle tree cannot grow; a head that cannot be written
    ///   is only logged (the entries are durable regardless, as after ``append(kind:payloads:treeHeadSync:updatingIndex:progress:)``).
    @discardableResult
    public func takeInDurable(treeHeadSync: TreeHeadSync = .perCommit) throws -> [Entry] {
        log.revealDurable()
        let taken = takeInVisibleWritten()
        guard !taken.isEmpty else { return [] }
        try growMerkle(with: taken)  // from the entries in hand; from the log if others followed them
        do {
            try signTreeHead(durably: treeHeadSync == .perCommit)
        } catch {
            logger.warning("tree head not written after a durable write: \(error)")
        }
        return taken
    }

    /// Whether written entries wait for a sync.
    public var hasUnsyncedWrites: Bool { !writtenOwn.isEmpty }

    /// On the owner's thread, after a failed ``LogSyncer/sync()`` (and with none running):
    /// cuts from the log every written entry not known durable, so the site holds exactly
    /// what is on disk and its next write links to its last durable entry.
    /// - Returns: the entries cut (none of them may be acknowledged).
    /// - Throws: `CoreError` when the cut fails: the log then refuses writes until the site
    ///   is opened again, and recovery on open cuts whatever a crash left (Specs/site-layout.md §3.2).
    @discardableResult
    public func discardWritten() throws -> [Entry] {
        try log.discardUnsynced()
        // A durable append or ingest may have made some of them durable before the failure.
        let kept = takeInVisibleWritten()
        let cut = writtenOwn
        writtenOwn = []
        if !kept.isEmpty {
            try growMerkle(with: kept)
            _ = try? signTreeHead(durably: false)
        }
        return cut
    }

    /// Absorbs the written entries the log now serves (chains, clock) and drops them from
    /// `writtenOwn`.
    func takeInVisibleWritten() -> [Entry] {
        let durable = min(writtenOwn.count, max(0, log.count - writtenBase))
        guard durable > 0 else { return [] }
        let taken = Array(writtenOwn[..<durable])
        for entry in taken { absorb(entry) }
        writtenOwn.removeFirst(durable)
        writtenBase += durable
        return taken
    }

    /// Where this site's next entry goes: after its last written entry, durable or not.
    func ownTip() -> (links: [Hash32], nextSequence: UInt64) {
        if let last = writtenOwn.last { return ([last.id], last.sequence + 1) }
        return (chains.heads(of: siteKey), chains.nextSequence(of: siteKey))
    }
}

/// Entries written by ``SiteLedger/write(kind:payloads:)``, not yet known durable.
public struct WrittenBatch: Sendable {
    /// The entries, in order.
    public let entries: [Entry]
    /// The ``SiteLedger/entryCount`` from which the batch is durable (taken in).
    public let end: Int
}
