import Foundation

extension SiteLedger {
    /// Appends this site's own entries, one per payload, signed on every core, durably.
    ///
    /// Each entry links to the site's current heads (the previous one in the batch); the
    /// batch is one group commit in the segment log, then the Merkle tree grows and a new
    /// tree head is signed. Returns once the entries survive power loss.
    /// - Throws: `CoreError` when a payload breaks a limit or the disk fails; then nothing
    ///   of the batch is acknowledged.
    @discardableResult
    public func append(kind: String, payloads: [[UInt8]], progress: ((Int) -> Void)? = nil) throws -> [Entry] {
        guard !payloads.isEmpty else { return [] }
        try requireIntact()
        let heads = chains.heads(of: siteKey)
        let first = chains.nextSequence(of: siteKey)
        let network = networkID, author = siteKey
        // Built and hashed in order (each links to the one before), signed on every core.
        let entries = try EntryBatch.signChain(count: payloads.count, with: keys) { index, previous in
            try EntryContent(
                networkID: network, author: author, sequence: first + UInt64(index),
                links: previous.map { [$0] } ?? heads, timestamp: clock.now(), kind: kind, payload: payloads[index])
        }
        try log.append(entries.map { ($0.id, $0.encoded) })
        for entry in entries { absorb(entry) }
        for entry in entries { try merkle.append(leafHash: MerkleHash.leaf(entry.encoded)) }
        progress?(entries.count)
        // The batch is acknowledged once the log holds it. A tree head that cannot be written
        // now (a failing disk) is signed at the next append or `head`; it never un-acknowledges
        // entries that are durable (Specs/site-layout.md §3).
        do {
            try signTreeHead()
        } catch {
            logger.warning("tree head not written after a durable append: \(error)")
        }
        // A charter entry can make quarantined entries trusted (Specs/charter.md §4).
        if kind.hasPrefix("charter.") && quarantineHasReleasable { _ = try? ingest([]) }
        return entries
    }

    /// Signs a tree head for the current log and appends it to the heads file, durably.
    @discardableResult
    public func signTreeHead() throws -> SignedTreeHead {
        if let last = treeHeads.last, last.treeSize == UInt64(log.count) { return last }
        let head = try SignedTreeHead.sign(
            networkID: networkID, treeSize: UInt64(log.count), rootHash: merkle.root(), timestamp: clock.now(), keys: keys)
        try TreeHeadFile.append(head, to: layout.heads)
        treeHeads.append(head)
        return head
    }

    /// The entry with this id, trusted or quarantined.
    public func entry(id: Hash32) throws -> Entry? {
        if let ordinal = try log.ordinal(of: id) { return try Entry.decode(log.read(ordinal: ordinal)) }
        return pendingQuarantine[id]?.entry
    }

    /// The trusted entry at a position of the log (its Merkle leaf index).
    public func entry(at ordinal: Int) throws -> Entry {
        try decodeStored(log.read(ordinal: ordinal), file: "log", ordinal: ordinal)
    }

    /// The leaf index of a trusted entry.
    public func leafIndex(of id: Hash32) throws -> Int? { try log.ordinal(of: id) }

    /// Calls `body` with every trusted entry in log order.
    public func forEachEntry(from start: Int = 0, _ body: (Int, Entry) throws -> Void) throws {
        try log.forEach(from: start) { ordinal, bytes in
            try body(ordinal, try decodeStored(bytes, file: "log", ordinal: ordinal))
        }
    }

    /// Every entry this site holds, trusted then quarantined, as (id, encoding): what sync
    /// summarises and serves (peers verify and quarantine for themselves).
    public func forEachHeldEntry(_ body: (Hash32, [UInt8]) throws -> Void) throws {
        try log.forEachRecord(body)
        for held in quarantined { try body(held.entry.id, held.entry.encoded) }
    }

    /// The encoding of an entry this site holds, trusted or quarantined.
    public func encodedEntry(id: Hash32) throws -> [UInt8]? {
        if let ordinal = try log.ordinal(of: id) { return try log.read(ordinal: ordinal) }
        return pendingQuarantine[id]?.entry.encoded
    }

    static func fileSize(_ path: String) -> Int64 {
        ((try? FileManager.default.attributesOfItem(atPath: path))?[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// The Merkle store's size once flushed: 32 bytes per node of every level (it is
    /// buffered between flushes, so the files alone would under-count).
    func merkleBytesOnDisk() -> Int64 {
        var nodes: UInt64 = 0
        var level = 0
        while merkle.store.count(level: level) > 0 {
            nodes += merkle.store.count(level: level)
            level += 1
        }
        return Int64(nodes) * 32
    }

    /// Sizes and counts for `stats`.
    public func statistics() -> LedgerStatistics {
        let sizes = log.sizes(), quarantineSizes = quarantineLog.sizes()
        let headsBytes = Self.fileSize(layout.heads)
        return LedgerStatistics(
            entries: log.count, segments: sizes.segments + quarantineSizes.segments,
            bytesOnDisk: sizes.bytesOnDisk + quarantineSizes.bytesOnDisk + headsBytes + merkleBytesOnDisk(),
            bytesRaw: sizes.bytesRaw, treeSize: log.count, treeRoot: (try? merkle.root()) ?? .zero,
            quarantined: pendingQuarantine.count, forks: chains.forks.count, authors: chains.chains.count)
    }
}

/// Sizes and counts of a site's ledger.
public struct LedgerStatistics: Sendable, Equatable {
    /// Trusted entries.
    public var entries: Int
    /// Segment files (log and quarantine).
    public var segments: Int
    /// Bytes all ledger files take on disk.
    public var bytesOnDisk: Int64
    /// Bytes of the trusted entries before compression.
    public var bytesRaw: Int64
    /// The Merkle tree's size.
    public var treeSize: Int
    /// The Merkle tree's root.
    public var treeRoot: Hash32
    /// Entries held in quarantine.
    public var quarantined: Int
    /// Fork evidence records.
    public var forks: Int
    /// Distinct authors in the trusted log.
    public var authors: Int
}
