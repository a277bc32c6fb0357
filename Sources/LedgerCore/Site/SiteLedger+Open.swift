extension SiteLedger {
    /// Rebuilds chains, charter, clock and quarantine from the logs and brings the Merkle
    /// tree level with the log (Specs/site-layout.md §2).
    ///
    /// Never gives up on damage: an undecodable record, an unreadable block or a forged
    /// quarantine entry becomes an open fault (reported by `verify`, and writes are refused),
    /// so a damaged site can still be opened and examined.
    func rebuildDerivedState() throws {
        if merkle.size > UInt64(log.count) {
            // Recovery cut entries the tree had (a damaged tail): the log is the truth. The
            // signed heads that covered them still say so, and `verify` reports it.
            openNotes.append("the Merkle store held \(merkle.size) leaves but the log \(log.count) entries; cut back to the log")
            try merkle.truncate(toSize: UInt64(log.count))
            try merkle.sync()
        }
        let merkleSize = Int(merkle.size)
        var leafHashes: [Hash32] = []
        var expected = 0
        do {
            try log.forEach(from: 0) { ordinal, bytes in
                expected = ordinal + 1
                if ordinal >= merkleSize { leafHashes.append(MerkleHash.leaf(bytes)) }
                do {
                    absorb(try Entry.decode(bytes))
                } catch {
                    openFaults.append(LedgerFault(file: "log", offset: Int64(ordinal), what: "entry does not decode: \(error)"))
                }
            }
        } catch {
            openFaults.append(LedgerFault(file: "log", offset: Int64(expected), what: "the log cannot be read from record \(expected) on: \(error)"))
        }
        // Only a contiguous run of leaves can be appended.
        if merkleSize + leafHashes.count == log.count {
            for hash in leafHashes { try merkle.append(leafHash: hash) }
            if !leafHashes.isEmpty { try merkle.sync() }
        }
        try loadQuarantine()
        if openFaults.isEmpty && quarantineHasReleasable {
            // A crash between a charter entry and its release, or an admission that arrived
            // by another path: release now, as the charter rules say.
            _ = try ingest([])
        }
        refreshQuarantineReasons()
    }

    /// Loads quarantined entries not in the log, checking every signature: the quarantine
    /// folder is as exposed as the log, so nothing in it is trusted unchecked.
    private func loadQuarantine() throws {
        var held: [(Int, Entry)] = []
        do {
            try quarantineLog.forEach(from: 0) { ordinal, bytes in
                do {
                    let entry = try Entry.decode(bytes)
                    if try log.ordinal(of: entry.id) == nil { held.append((ordinal, entry)) }
                } catch let error as CoreError where error.code != .io {
                    quarantineFaults.append(LedgerFault(file: "quarantine", offset: Int64(ordinal), what: "entry does not decode: \(error)"))
                }
            }
        } catch {
            openFaults.append(LedgerFault(file: "quarantine", offset: Int64(held.count), what: "the quarantine cannot be read: \(error)"))
        }
        let valid = EntryBatch.verify(held.map(\.1))
        for ((ordinal, entry), ok) in zip(held, valid) {
            guard ok, entry.networkID == networkID else {
                quarantineFaults.append(LedgerFault(file: "quarantine", offset: Int64(ordinal), entryID: entry.id,
                                              what: "quarantined entry has a signature that does not verify or another network's id (planted?)"))
                continue
            }
            pendingQuarantine[entry.id] = QuarantinedEntry(entry: entry, reason: .unknownAuthor)
        }
    }
}
