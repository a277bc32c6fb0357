import Foundation

extension SiteLedger {
    /// Entries applied to the derived-state database per transaction while replaying.
    static let indexBatch = 4096

    /// The derived-state database this ledger keeps current, if it was opened with one.
    public var derivedStateIndex: (any DerivedStateIndex)? { index }

    /// Loads chains, charter and clock from the derived-state database and returns its
    /// high-water mark: the first log ordinal the open still has to read (Specs/site-layout.md §9.3).
    ///
    /// An index that is missing, of another schema, unreadable, ahead of the log or naming
    /// another entry at its mark is wiped and rebuilt by the replay that follows (from 0). A
    /// snapshot that finds the index ahead of its own size (the writer is past the last
    /// signed head) replays in memory and leaves the index alone.
    func loadIndexedState() throws -> Int {
        guard let index else { return 0 }
        var state: DerivedState?
        do {
            state = try index.state()
        } catch {
            logger.warning("derived-state database unreadable, rebuilding it: \(error)")
        }
        if let state, state.appliedSize > log.count, isSnapshot {
            self.index = nil
            return 0
        }
        if let state, state.appliedSize <= log.count, indexMatchesLog(state) {
            chains = AuthorChains(loaded: state.authors, forks: state.forks, earlier: earlierEntries(index))
            if let latest = state.latestTimestamp { _ = clock.observe(latest) }
            for ordinal in state.charterOrdinals {
                if let entry = try? entry(at: ordinal) { absorbCharter(entry) }
            }
            return state.appliedSize
        }
        if state != nil { openNotes.append("the derived-state database did not match the log; rebuilt from the log") }
        do {
            try index.reset()
        } catch {
            logger.warning("derived-state database cannot be reset, replaying without it: \(error)")
            self.index = nil
        }
        return 0
    }

    /// Whether the log holds the index's last applied entry at the index's mark: one record
    /// read by ordinal (a look-up by id would load the segment's whole key table).
    private func indexMatchesLog(_ state: DerivedState) -> Bool {
        guard state.appliedSize > 0 else { return true }
        guard let last = state.lastEntryID, let bytes = try? log.read(ordinal: state.appliedSize - 1),
              let entry = try? Entry.decode(bytes) else { return false }
        return entry.id == last
    }

    /// The index's high-water mark as the writer's commit needs it: what this process's last
    /// apply committed when it made one (no database read), else read. For a writer that mark
    /// is a lower bound of the database's (``DerivedStateIndex/markCommittedHere``), and every
    /// use below only does more (a catch-up, which skips what is applied) or less (no trim,
    /// memory only) when it is low; a snapshot always reads, as its index may be ahead of it.
    func indexAppliedSize(_ index: any DerivedStateIndex) throws -> Int {
        if !isSnapshot, let mark = index.markCommittedHere { return mark }
        return try index.appliedSize()
    }

    /// Whether the derived-state database holds exactly this ledger's log, as the writer's last
    /// commit left it (``indexAppliedSize(_:)``); false without one or when it cannot be read.
    public var indexIsLevelWithLog: Bool {
        guard let index else { return false }
        return (try? indexAppliedSize(index)) == log.count
    }

    /// Lets the chains forget the entries the derived-state database now holds
    /// (``AuthorChains/forgetRecordedEntries(earlier:)``): called once the database has
    /// applied the whole log, after the open's replay and after each commit.
    func trimChainsToIndex() {
        guard let index else { return }
        do {
            guard try indexAppliedSize(index) == log.count else { return }
        } catch {
            // The chains keep what they hold (memory, not correctness); the failure is reported.
            logger.warning("derived-state database unreadable, chains kept in memory: \(error)")
            return
        }
        chains.forgetRecordedEntries(earlier: earlierEntries(index))
    }

    /// How the chains learn about entries stored before the open: the log for ids, the index for positions.
    private func earlierEntries(_ index: any DerivedStateIndex) -> AuthorChains.Earlier {
        let log = log
        return AuthorChains.Earlier(
            holds: { id, author in
                guard let ordinal = try? log.ordinal(of: id), let bytes = try? log.read(ordinal: ordinal) else { return false }
                return (try? Entry.decode(bytes))?.author == author
            },
            idsAt: { author, sequence in (try? index.entryIDs(author: author, sequence: sequence)) ?? [] })
    }

    /// Makes the log's records durable before the index applies the ones this open found
    /// past its mark: a writer killed before its `fdatasync` returned leaves records in the
    /// page cache that a power loss would take back, and the index must never be ahead of
    /// the durable log (Specs/site-layout.md §9.7). When the sync fails, this open goes on
    /// without the index.
    func makeRecordsDurableForIndex() {
        guard index != nil else { return }
        do {
            try log.syncRecords()
        } catch {
            logger.warning("the log's records cannot be made durable; the derived-state database is left behind: \(error)")
            index = nil
        }
    }

    /// Applies records to the index; a failure is logged and left for the next open (the mark rule).
    func applyToIndex(_ entries: [IndexedEntry]) {
        guard let index, !entries.isEmpty else { return }
        do {
            try index.apply(entries, voided: charter.upheldEntries)
        } catch {
            logger.warning("derived-state database not updated (caught up at the next open): \(error)")
        }
    }

    /// Brings the index level with a commit just made durable: the gap before it first (a
    /// failed earlier update, another process's rebuild), then the commit's own entries.
    ///
    /// Called by every commit, or by the caller of an ``append(kind:payloads:treeHeadSync:updatingIndex:progress:)``
    /// that left the index behind, with that append's entries, before anything else is
    /// appended (the entries must be the log's last ones).
    public func updateIndex(afterCommitOf entries: [Entry]) {
        guard let index, !isSnapshot, !entries.isEmpty, entries.count <= log.count else { return }
        let first = log.count - entries.count
        do {
            if try indexAppliedSize(index) < first { try catchUpIndex(to: first) }
        } catch {
            logger.warning("derived-state database not caught up (caught up at the next open): \(error)")
            return
        }
        applyToIndex(entries.enumerated().map { IndexedEntry(ordinal: first + $0.offset, entry: $0.element) })
        trimChainsToIndex()
    }

    /// Applies to the index what it has not seen of the log up to `end` (default: all of it),
    /// reading those records; a no-op when the index is current.
    /// - Parameter progress: told how many records were applied since its last call.
    public func catchUpIndex(to end: Int? = nil, progress: (Int) -> Void = { _ in }) throws {
        guard let index else { return }
        let end = min(end ?? log.count, log.count)
        let mark = try index.appliedSize()
        guard mark < end else { return }
        var batch: [IndexedEntry] = []
        let voided = charter.upheldEntries
        try log.forEach(from: mark) { ordinal, bytes in
            guard ordinal < end else { return }
            batch.append(IndexedEntry(ordinal: ordinal, entry: try? Entry.decode(bytes)))
            if batch.count >= Self.indexBatch {
                try index.apply(batch, voided: voided)
                progress(batch.count)
                batch.removeAll(keepingCapacity: true)
            }
        }
        try index.apply(batch, voided: voided)
        progress(batch.count)
    }

    /// Wipes the derived-state database and rebuilds it from the log (`careledger reindex`).
    /// - Parameter progress: told how many records were applied since its last call.
    /// - Throws: `CoreError` `.notPermitted` when the site was opened without one; the
    ///   database's and the log's errors.
    public func rebuildDerivedStateIndex(progress: (Int) -> Void = { _ in }) throws {
        guard let index else {
            throw CoreError(.notPermitted, "\(layout.root) was opened without its derived-state database")
        }
        try index.reset()
        try catchUpIndex(progress: progress)
    }
}
