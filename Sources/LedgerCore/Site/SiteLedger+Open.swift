import Foundation
import LedgerStorage
import Logging

extension SiteLedger {
    /// Opens a site for `verify`, the command an auditor runs on a damaged folder.
    ///
    /// A site opens as ``open(at:logger:)`` opens it, unless the storage structure of its
    /// log or quarantine is damaged so that it cannot open for writing: a segment header
    /// that does not check, or a segment whose first ordinal does not continue the one
    /// before (a sealed segment replaced by one of another length). Then the site opens
    /// read-only (Specs/site-layout.md §2): that damage becomes open faults naming the
    /// segment files, the log ends before the first segment that does not continue (nothing
    /// from it or a later segment is served), nothing is written to the folder (no recovery
    /// cut, no Merkle catch-up, no history; the Merkle store is checked in a private copy)
    /// and every write is refused. Other commands keep refusing such a site.
    /// - Parameter fileSystem: the seam every file of the site is read through.
    /// - Throws: what ``open(at:logger:fileSystem:)`` throws for anything but structural damage.
    public static func openForVerify(
        at directory: String, logger: Logger = Logger(label: "careledger.site"), fileSystem: any FileSystem = POSIXFileSystem()
    ) throws -> SiteLedger {
        let layout = SiteLayout(root: directory)
        guard fileSystem.exists(layout.metadata) else { return try open(at: directory, logger: logger, fileSystem: fileSystem) }
        // Probe read-only first, so a damaged folder is never touched by a writable open.
        var damaged = false
        do {
            for folder in [layout.log, layout.quarantine] where fileSystem.exists(folder) {
                let probe = try SegmentEntryLog(directory: folder, logger: logger, access: .readOnly, fileSystem: fileSystem)
                if !probe.structuralFaults.isEmpty { damaged = true }
            }
            return try open(at: directory, logger: logger, mode: damaged ? OpenMode.readOnly : OpenMode.write(lockTimeout: .zero), fileSystem: fileSystem)
        } catch let error as CoreError where error.code == .locked {
            // A live writer holds the site: verify what it has committed, up to its last
            // signed tree head (Specs/site-layout.md §8).
            let ledger = try open(at: directory, logger: logger, mode: .snapshot, fileSystem: fileSystem)
            ledger.openNotes.append("\(error.message): verified as a snapshot up to the last signed tree head (size \(ledger.entryCount))")
            return ledger
        }
    }

    /// Opens a consistent, read-only snapshot of a site without its writer lock: what
    /// `head`, `log`, `status`, `check` and the other read commands see, beside a live
    /// writer (`serve`, an `append`) or none.
    ///
    /// The snapshot is the log up to the size of the last signed tree head in `heads.log`:
    /// every commit signs its head after the log's `fdatasync`, so that prefix is durable
    /// and never half a commit. Records past it (a batch being written, a torn tail) are
    /// not read and not reported; a last head record still being written is skipped. Nothing
    /// is written to the folder: the Merkle store's durable part is copied to a private
    /// folder and the rest computed there (Specs/site-layout.md §8). Writes are refused
    /// unless a writer is attached (``attach(writer:)``).
    /// - Throws: `CoreError` `.notASite` and the file errors of ``open(at:logger:fileSystem:)``,
    ///   including `.malformedFile` naming the segment when the storage structure is damaged
    ///   (as a writable open refuses such a site; only `verify` examines it); never `.locked`.
    /// - Parameter derivedState: opens the site's derived-state database, as for
    ///   ``open(at:logger:lockTimeout:fileSystem:derivedState:)``; a snapshot brings it up to
    ///   its own size when it is behind (Specs/site-layout.md §9.4).
    public static func openSnapshot(
        at directory: String, logger: Logger = Logger(label: "careledger.site"), fileSystem: any FileSystem = POSIXFileSystem(),
        derivedState: DerivedStateIndexOpener? = nil
    ) throws -> SiteLedger {
        let ledger = try open(at: directory, logger: logger, mode: .snapshot, fileSystem: fileSystem, derivedState: derivedState)
        if let fault = ledger.log.structuralFaults.first ?? ledger.quarantineLog.structuralFaults.first {
            throw CoreError(.malformedFile, "\(fault.what); run `careledger verify`", file: ledger.layout.root + "/" + fault.file,
                            offset: Int(truncatingIfNeeded: fault.offset))
        }
        return ledger
    }

    /// How ``open(at:logger:mode:fileSystem:)`` opens a site.
    enum OpenMode {
        /// For writing: the lock, waited for up to `lockTimeout`.
        case write(lockTimeout: Duration)
        /// Read-only for `verify` of a folder whose storage structure is damaged.
        case readOnly
        /// A lock-free snapshot up to the last signed tree head.
        case snapshot
    }

    /// Opens an existing site, for writing, read-only (for `verify` of a damaged folder) or
    /// as a lock-free snapshot.
    /// - Parameter retries: how many times a snapshot opens again at a newer head when the
    ///   derived-state database is already past the heads it read (Specs/site-layout.md §9.4).
    static func open(at directory: String, logger: Logger, mode: OpenMode, fileSystem: any FileSystem,
                     derivedState: DerivedStateIndexOpener? = nil, retries: Int = 8) throws -> SiteLedger {
        let readOnly: Bool, snapshot: Bool
        switch mode {
        case .write: readOnly = false; snapshot = false
        case .readOnly: readOnly = true; snapshot = false
        case .snapshot: readOnly = true; snapshot = true
        }
        let layout = SiteLayout(root: directory)
        let files = FileIO(fileSystem)
        guard files.exists(layout.metadata) else {
            throw CoreError(.notASite, "no CareLedger site in \(directory): create one with `careledger network create` or `careledger init`", file: directory)
        }
        let metadata = try JSONFiles.read(SiteMetadata.self, from: layout.metadata, files: files)
        guard metadata.formatVersion <= SiteMetadata.currentFormatVersion else {
            throw CoreError(.unsupportedVersion, "\(layout.metadata) has format version \(metadata.formatVersion); this careledger reads up to \(SiteMetadata.currentFormatVersion): upgrade careledger", file: layout.metadata)
        }
        let genesis = try JSONFiles.read(GenesisFile.self, from: layout.genesis, files: files)
        let genesisEntry = try decodeGenesis(genesis, path: layout.genesis)
        let genesisPayload = try CanonicalJSON.decode(GenesisPayload.self, from: genesisEntry.payload)
        let charter = try NetworkCharter(genesis: genesisPayload)
        let keys = try SiteKeys.load(from: layout.keyFile, fileSystem: fileSystem)
        guard keys.signingPublicKey == metadata.siteKey else {
            throw CoreError(.malformedFile, "\(layout.keyFile) does not hold the key named in site.json", file: layout.keyFile)
        }
        // A snapshot reads the heads first: the log it then opens holds at least that much.
        var heads = try TreeHeadFile.readAll(from: layout.heads, repair: !readOnly, files: files)
        if snapshot { heads.dropRecordsInProgress() }
        let log: SegmentEntryLog, quarantineLog: SegmentEntryLog
        let scratch: ScratchFolder?
        switch mode {
        case .write(let timeout):
            log = try SegmentEntryLog(directory: layout.log, logger: logger, access: .write(lockTimeout: timeout), fileSystem: fileSystem)
            quarantineLog = try SegmentEntryLog(directory: layout.quarantine, logger: logger, access: .write(lockTimeout: timeout), fileSystem: fileSystem)
            scratch = nil
        case .readOnly:
            log = try SegmentEntryLog(directory: layout.log, logger: logger, access: .readOnly, fileSystem: fileSystem)
            quarantineLog = try SegmentEntryLog(directory: layout.quarantine, logger: logger, access: .readOnly, fileSystem: fileSystem)
            scratch = try ScratchFolder(copyingMerkleStoreOf: layout, files: files)
        case .snapshot:
            let limit = heads.heads.last.map { Int(clamping: $0.treeSize) }
            log = try SegmentEntryLog(directory: layout.log, logger: logger, access: .snapshot(limit: limit), fileSystem: fileSystem)
            quarantineLog = try SegmentEntryLog(directory: layout.quarantine, logger: logger, access: .snapshot(limit: nil), fileSystem: fileSystem)
            scratch = nil
        }
        if !readOnly {
            do {
                try files.makeDirectory(layout.merkle)
            } catch {
                throw CoreError(.io, "cannot create \(layout.merkle)", file: layout.merkle, underlying: error)
            }
        }
        let store: FileMerkleNodeStore
        if snapshot {
            // Only nodes under the store's durable mark are final; the rest is computed in memory.
            let durable = min(MerkleSyncedSize.read(layout, files: files) ?? 0, UInt64(log.count))
            store = try FileMerkleNodeStore(readingFirst: durable, of: layout.merkle, fileSystem: fileSystem)
        } else {
            store = try FileMerkleNodeStore(directory: scratch?.merkle ?? layout.merkle, fileSystem: fileSystem)
        }
        let merkle = try MerkleTree(store: store)
        let ledger = SiteLedger(
            layout: layout, metadata: metadata, genesis: genesis, charter: charter, keys: keys, log: log,
            quarantineLog: quarantineLog, merkle: merkle, treeHeads: heads.heads, clock: HybridClock(), files: files, logger: logger)
        ledger.readOnly = readOnly
        ledger.isSnapshot = snapshot
        ledger.scratch = scratch
        ledger.treeHeadRecords = heads.records
        ledger.openFaults = log.structuralFaults + quarantineLog.structuralFaults + heads.faults
        if readOnly && !snapshot {
            ledger.openNotes.append("opened read-only for verification: the storage structure is damaged, so nothing is written and the log ends before the first segment that does not continue")
        }
        if !readOnly || snapshot, let derivedState {
            do {
                ledger.index = try derivedState(layout)
            } catch {
                // A cache that cannot be opened costs a replay, never the site.
                logger.warning("derived-state database not usable, replaying the log: \(error)")
            }
            // A writer committed after the heads above were read: it signed the head of that
            // commit before updating the database, so open again at that head rather than
            // replay the whole log in memory (§9.4).
            if snapshot, retries > 0, let applied = try? ledger.index?.appliedSize(), applied > log.count {
                return try open(at: directory, logger: logger, mode: mode, fileSystem: fileSystem, derivedState: derivedState,
                                retries: retries - 1)
            }
        }
        try ledger.rebuildDerivedState()
        return ledger
    }

    /// Rebuilds chains, charter, clock and quarantine from the logs and brings the Merkle
    /// tree level with the log (Specs/site-layout.md §2).
    ///
    /// Never gives up on damage: an undecodable record, an unreadable block or a forged
    /// quarantine entry becomes an open fault (reported by `verify`, and writes are refused),
    /// so a damaged site can still be opened and examined.
    func rebuildDerivedState() throws {
        if merkle.size > UInt64(log.count) {
            // Recovery cut entries the tree had (a damaged tail): the log is the truth. The
            // signed heads that covered them still say so, and `verify` reports it. (Read-only,
            // the cut is made in the private copy of the store.)
            openNotes.append("the Merkle store held \(merkle.size) leaves but the log \(log.count) entries; cut back to the log\(readOnly ? " (in a private copy; the site's files are untouched)" : "")")
            try merkle.truncate(toSize: UInt64(log.count))
            try merkle.sync()
        }
        if !readOnly {
            // Nodes past the store's high-water mark may be torn, unsynced writes: recompute
            // them from the log (read below anyway). Read-only opens check the store as it is.
            merkleSyncedMark = MerkleSyncedSize.read(layout, files: files)
            let durable = min(merkleSyncedMark ?? 0, UInt64(log.count))
            if merkle.size > durable { try merkle.truncate(toSize: durable) }
        }
        let merkleSize = Int(merkle.size)
        // With the derived-state database only its unindexed tail is read (§9).
        let indexed = try loadIndexedState()
        if !readOnly && indexed < log.count { makeRecordsDurableForIndex() }
        var leafHashes: [Hash32] = []
        var expected = min(merkleSize, indexed)
        var tail: [IndexedEntry] = []
        do {
            try log.forEach(from: expected) { ordinal, bytes in
                expected = ordinal + 1
                if ordinal >= merkleSize { leafHashes.append(MerkleHash.leaf(bytes)) }
                guard ordinal >= indexed else { return }
                var decoded: Entry?
                do {
                    decoded = try Entry.decode(bytes)
                } catch {
                    openFaults.append(entryFault(ordinal: ordinal, what: "entry does not decode: \(error)"))
                }
                if let decoded { absorb(decoded) }
                guard index != nil else { return }
                tail.append(IndexedEntry(ordinal: ordinal, entry: decoded))
                if tail.count >= Self.indexBatch { applyToIndex(tail); tail.removeAll(keepingCapacity: true) }
            }
        } catch {
            openFaults.append(entryFault(ordinal: expected, what: "the log cannot be read from record \(expected) on: \(error)"))
        }
        applyToIndex(tail)
        if indexed < log.count { trimChainsToIndex() }
        // Only a contiguous run of leaves can be appended.
        if merkleSize + leafHashes.count == log.count {
            for hash in leafHashes { try merkle.append(leafHash: hash) }
            if !leafHashes.isEmpty { try merkle.sync() }
        }
        if !readOnly { try recordMerkleSynced() }
        try loadQuarantine()
        if openFaults.isEmpty && !readOnly && quarantineHasReleasable {
            // A crash between a charter entry and its release, or an admission that arrived
            // by another path: release now, as the charter rules say.
            _ = try ingest([])
        }
        refreshQuarantineReasons()
        // A crash between a quarantine append and its drop record, or a quota lowered in
        // site.json: bring the quarantine within its quota now (Specs/site-layout.md §4.1).
        if openFaults.isEmpty { settleQuarantine(refused: []) }
    }

    /// Loads quarantined entries not in the log, checking every signature: the quarantine
    /// folder is as exposed as the log, so nothing in it is trusted unchecked.
    /// Copies named by `quarantine.dropped` are skipped unread (Specs/site-layout.md §4.1).
    private func loadQuarantine() throws {
        try loadQuarantineDrops()
        var held: [(Int, Entry)] = []
        do {
            try quarantineLog.forEach(from: 0) { ordinal, bytes in
                do {
                    let entry = try Entry.decode(bytes)
                    if quarantineDrops.isDropped(author: entry.author, ordinal: ordinal) { return }
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
            if pendingQuarantine[entry.id] == nil { quarantineDrops.arrival[entry.id] = ordinal }
            pendingQuarantine[entry.id] = QuarantinedEntry(entry: entry, reason: .unknownAuthor)
        }
    }
}

extension SiteLedger {
    /// A fault at log position `ordinal`: named by the segment file and block offset that
    /// hold the record (or the damage hiding it), with the ordinal and entry id kept.
    func entryFault(ordinal: Int, entryID: Hash32? = nil, what: String) -> LedgerFault {
        let place = log.place(ofOrdinal: ordinal) ?? RecordPlace(file: "log", offset: Int64(ordinal))
        return LedgerFault(file: place.file, offset: place.offset, entryID: entryID, ordinal: Int64(ordinal), what: what)
    }
}

/// A private folder outside the data folder, removed when the ledger that uses it goes.
///
/// A site opened read-only checks its Merkle store in a copy here, because opening a store
/// repairs torn or inconsistent levels and catching it up with the log appends to it.
final class ScratchFolder {
    let path: String
    private let files: FileIO
    /// The copy of the site's Merkle store.
    var merkle: String { path + "/merkle" }

    init(copyingMerkleStoreOf layout: SiteLayout, files: FileIO) throws {
        self.files = files
        path = FileManager.default.temporaryDirectory.appendingPathComponent("careledger-verify-\(UUID().uuidString)").path
        do {
            // Scratch, not ledger data, so durability does not matter; the one folder-creating
            // helper keeps directory creation uniform (and its fsyncs cost nothing here).
            try files.makeDirectory(merkle)
            for name in files.names(in: layout.merkle) where name.hasSuffix(".hashes") {
                let bytes = try files.contents(of: layout.merkle + "/" + name, limit: Int.max) ?? []
                try files.writeAtomically(bytes, to: merkle + "/" + name)
            }
        } catch {
            remove()
            throw CoreError(.io, "cannot copy \(layout.merkle) to a private folder to check it read-only", file: layout.merkle, underlying: error)
        }
    }

    /// Deletes the copy: its files, then its two folders.
    private func remove() {
        for name in files.names(in: merkle) { try? files.fileSystem.remove(merkle + "/" + name) }
        try? files.fileSystem.remove(merkle)
        try? files.fileSystem.remove(path)
    }

    deinit { remove() }
}
