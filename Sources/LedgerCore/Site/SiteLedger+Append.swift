import Foundation

extension SiteLedger {
    /// Appends this site's own entries, one per payload, signed on every core, durably.
    ///
    /// Each entry links to the site's current heads (the previous one in the batch); the
    /// batch is one group commit in the segment log, then the Merkle tree grows and a new
    /// tree head is signed. Returns once the entries survive power loss.
    /// - Throws: `CoreError` when a payload breaks a limit or the disk fails; then nothing
    ///   of the batch is acknowledged.
    /// - Parameter treeHeadSync: ``TreeHeadSync/deferred`` writes the batch's tree head
    ///   without its `fsync` (the caller syncs it soon, ``syncTreeHeads()``); the entries are
    ///   durable either way (Specs/site-layout.md §3.1).
    /// - Parameter updatingIndex: false leaves the derived-state database behind the log: the
    ///   caller applies the batch soon with ``updateIndex(afterCommitOf:)`` (a group committer
    ///   answering its waiters first, Specs/fhir-api.md §4.3); if it does not, the next commit
    ///   or open catches the index up from the log (Specs/site-layout.md §9.3).
    @discardableResult
    public func append(kind: String, payloads: [[UInt8]], treeHeadSync: TreeHeadSync = .perCommit,
                       updatingIndex: Bool = true, progress: ((Int) -> Void)? = nil) throws -> [Entry] {
        guard !payloads.isEmpty else { return [] }
        if isSnapshot, let writer {
            let entries = try appendThroughWriter(writer, kind: kind, payloads: payloads)
            progress?(entries.count)
            return entries
        }
        try requireIntact()
        let tip = ownTip()  // after entries written ahead of their sync (SiteLedger+Written.swift)
        let entries = try Self.signedBatch(
            kind: kind, payloads: payloads[...], links: tip.links, firstSequence: tip.nextSequence,
            timestamps: payloads.map { _ in clock.now() }, keys: keys, network: networkID, author: siteKey)
        try commit(entries, kind: kind, treeHeadSync: treeHeadSync, updatingIndex: updatingIndex)
        progress?(entries.count)
        return entries
    }

    /// Appends this site's own entries in group commits of `batchSize`, signing each batch
    /// on every core while the batch before it is being made durable.
    ///
    /// The result is the same as calling ``append(kind:payloads:progress:)`` once per batch
    /// (same links, sequences and commits), but a bulk append is no longer signing, then
    /// waiting for `fdatasync`, then signing again: the two overlap.
    /// - Parameters:
    ///   - committed: called with each batch once it is durable (acknowledged), in order.
    /// - Returns: how many entries were appended.
    /// - Throws: `CoreError` as ``append(kind:payloads:progress:)``; batches reported to
    ///   `committed` before the failure are durable, nothing after them was stored.
    @discardableResult
    public func append(
        kind: String, payloads: [[UInt8]], batchSize: Int, committed: ([Entry]) -> Void = { _ in }
    ) throws -> Int {
        guard batchSize > 0 else { throw CoreError(.outOfRange, "the batch size must be positive, got \(batchSize)") }
        guard !payloads.isEmpty else { return 0 }
        if isSnapshot, let writer {
            // One commit per batch, made by the writer (Specs/site-layout.md §8).
            var appended = 0
            for start in stride(from: 0, to: payloads.count, by: batchSize) {
                let entries = try appendThroughWriter(writer, kind: kind, payloads: Array(payloads[start..<min(start + batchSize, payloads.count)]))
                appended += entries.count
                committed(entries)
            }
            return appended
        }
        try requireIntact()
        let ranges = stride(from: 0, to: payloads.count, by: batchSize).map { $0..<min($0 + batchSize, payloads.count) }
        // Timestamps are drawn here, in order, on the caller's thread: the clock is not
        // shared with the background signer.
        func startSigning(_ range: Range<Int>, links: [Hash32], firstSequence: UInt64) -> BackgroundBatch {
            let timestamps = range.map { _ in clock.now() }
            let slice = payloads[range]
            let keys = keys, network = networkID, author = siteKey
            return BackgroundBatch {
                try Self.signedBatch(
                    kind: kind, payloads: slice, links: links, firstSequence: firstSequence, timestamps: timestamps,
                    keys: keys, network: network, author: author)
            }
        }
        let tip = ownTip()
        var pending: BackgroundBatch? = startSigning(ranges[0], links: tip.links, firstSequence: tip.nextSequence)
        defer { pending?.wait() }  // no signing outlives the call, even on a throw
        var appended = 0
        for position in ranges.indices {
            guard let batch = pending else { break }
            let entries = try batch.result()
            pending = nil
            if position + 1 < ranges.count, let last = entries.last {
                pending = startSigning(ranges[position + 1], links: [last.id], firstSequence: last.sequence + 1)
            }
            try commit(entries, kind: kind)
            appended += entries.count
            committed(entries)
        }
        return appended
    }

    /// This site's entries for `payloads`, built and hashed in order (each links to the one
    /// before, the first to `links`) and signed on every core; touches no ledger state.
    static func signedBatch(
        kind: String, payloads: ArraySlice<[UInt8]>, links: [Hash32], firstSequence: UInt64, timestamps: [HybridTimestamp],
        keys: SiteKeys, network: Hash32, author: Hash32
    ) throws -> [Entry] {
        let base = payloads.startIndex
        return try EntryBatch.signChain(count: payloads.count, with: keys) { index, previous in
            try EntryContent(
                networkID: network, author: author, sequence: firstSequence + UInt64(index),
                links: previous.map { [$0] } ?? links, timestamp: timestamps[index], kind: kind, payload: payloads[base + index])
        }
    }

    /// Makes a signed batch durable, then grows the Merkle tree and signs a tree head.
    private func commit(_ entries: [Entry], kind: String, treeHeadSync: TreeHeadSync = .perCommit, updatingIndex: Bool = true) throws {
        let started = DispatchTime.now().uptimeNanoseconds
        try log.append(entries.map { ($0.id, $0.encoded) })
        lastLogWriteNanos = DispatchTime.now().uptimeNanoseconds &- started
        // Its sync made the entries written before it durable: they come first in the log.
        _ = takeInVisibleWritten()
        for entry in entries { absorb(entry) }
        try growMerkle(with: entries)
        // The batch is acknowledged once the log holds it. A tree head that cannot be written
        // now (a failing disk) is signed at the next append or `head`; it never un-acknowledges
        // entries that are durable (Specs/site-layout.md §3).
        do {
            try signTreeHead(durably: treeHeadSync == .perCommit)
        } catch {
            logger.warning("tree head not written after a durable append: \(error)")
        }
        if updatingIndex { updateIndex(afterCommitOf: entries) }
        // A charter entry can make quarantined entries trusted (Specs/charter.md §4).
        if kind.hasPrefix("charter.") && quarantineHasReleasable { _ = try? ingest([]) }
    }

    /// Signs a tree head for the current log and appends it to the heads file, durably
    /// (with every head written before it); with `durably` false, the record is written but
    /// its `fsync` is left to ``syncTreeHeads()`` (Specs/site-layout.md §3.1).
    @discardableResult
    public func signTreeHead(durably: Bool = true) throws -> SignedTreeHead {
        if let last = treeHeads.last, last.treeSize == UInt64(log.count) {
            if durably { try syncTreeHeads() }
            return last
        }
        try requireWritable()
        try catchUpMerkle()
        let head = try SignedTreeHead.sign(
            networkID: networkID, treeSize: UInt64(log.count), rootHash: merkle.root(), timestamp: clock.now(), keys: keys)
        try TreeHeadFile.write(head, asRecord: treeHeadRecords, to: layout.heads, durably: durably, files: files)
        treeHeads.append(head)
        treeHeadRecords += 1
        // An fsync makes every record before this one durable too.
        treeHeadsUnsynced = !durably
        return head
    }

    /// Makes the tree heads written without their `fsync` (``TreeHeadSync/deferred``)
    /// durable; a no-op when there are none.
    public func syncTreeHeads() throws {
        guard treeHeadsUnsynced else { return }
        try files.sync(layout.heads)
        treeHeadsUnsynced = false
    }

    /// What makes the heads written so far durable from another thread, or nil when none
    /// waits for its `fsync`: a group committer keeps that `fsync` off the owner's thread
    /// (Specs/site-layout.md §3.1). After ``TreeHeadSyncer/sync()`` returned, the owner calls
    /// ``treeHeadsSynced(by:)``.
    public func treeHeadSyncer() -> TreeHeadSyncer? {
        guard treeHeadsUnsynced else { return nil }
        return TreeHeadSyncer(files: files, path: layout.heads, records: treeHeadRecords)
    }

    /// On the owner's thread, after `syncer`'s ``TreeHeadSyncer/sync()`` returned: the heads
    /// count as durable unless one was written after the syncer was made (an `fsync` that may
    /// have started before that write does not cover it; the next one does).
    public func treeHeadsSynced(by syncer: TreeHeadSyncer) {
        if treeHeadRecords == syncer.records { treeHeadsUnsynced = false }
    }

    /// Adds the leaves of `entries`, just made durable at the end of the log, to the Merkle
    /// tree; when an earlier failure left the tree behind the log, it catches up from the
    /// log instead, so every leaf lands at its record's ordinal.
    func growMerkle(with entries: [Entry]) throws {
        guard merkle.size + UInt64(entries.count) == UInt64(log.count) else { return try catchUpMerkle() }
        for entry in entries { try merkle.append(leafHash: MerkleHash.leaf(entry.encoded)) }
    }

    /// Appends to the Merkle tree the leaves of log records it lacks: an append whose Merkle
    /// step failed after the log made the batch durable (a failed read of a sibling) left it
    /// behind, and a head must never be signed over a tree shorter than its size.
    func catchUpMerkle() throws {
        guard merkle.size < UInt64(log.count) else { return }
        var leaves: [Hash32] = []
        try log.forEach(from: Int(merkle.size)) { _, bytes in leaves.append(MerkleHash.leaf(bytes)) }
        for leaf in leaves { try merkle.append(leafHash: leaf) }
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

    func fileSize(_ path: String) -> Int64 { files.size(of: path) }

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
        let headsBytes = fileSize(layout.heads)
        return LedgerStatistics(
            entries: log.count, segments: sizes.segments + quarantineSizes.segments,
            bytesOnDisk: sizes.bytesOnDisk + quarantineSizes.bytesOnDisk + headsBytes + merkleBytesOnDisk(),
            bytesRaw: sizes.bytesRaw, treeSize: log.count, treeRoot: (try? merkle.root()) ?? .zero,
            quarantined: pendingQuarantine.count, forks: chains.forks.count, authors: chains.chains.count)
    }
}

/// When an append's tree head is made durable (Specs/site-layout.md §3.1).
public enum TreeHeadSync: Sendable {
    /// Written and `fsync`ed in the commit, before the append returns.
    case perCommit
    /// Written in the commit (readers see it at once) and `fsync`ed later by
    /// ``SiteLedger/syncTreeHeads()``: a group committer making heads durable a few times a
    /// second instead of once per commit.
    case deferred
}

/// Makes a site's tree-head file durable from any thread: one `fsync` of `heads.log`, which
/// covers every head written before the call (Specs/site-layout.md §3.1).
public struct TreeHeadSyncer: Sendable {
    let files: FileIO
    let path: String
    /// The heads the file held when the syncer was made (what ``sync()`` surely covers).
    let records: Int

    /// `fsync`s the file.
    /// - Throws: `CoreError` (`.io`) when the `fsync` fails; the heads stay unsynced.
    public func sync() throws { try files.sync(path) }
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

/// One batch being signed on a background queue.
private final class BackgroundBatch: @unchecked Sendable {  // `outcome` is written once before `done` is signalled, read only after waiting.
    private let done = DispatchSemaphore(value: 0)
    private var outcome: Result<[Entry], any Error> = .success([])
    private var waited = false

    init(_ work: @escaping @Sendable () throws -> [Entry]) {
        DispatchQueue.global(qos: .userInitiated).async { [self] in
            outcome = Result { try work() }
            done.signal()
        }
    }

    /// Waits for the batch (once; later calls return at once).
    func wait() {
        guard !waited else { return }
        done.wait()
        waited = true
    }

    /// The signed entries, or the error signing them threw.
    func result() throws -> [Entry] {
        wait()
        return try outcome.get()
    }
}
