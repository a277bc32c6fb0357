import Foundation
import Logging

/// A site's ledger: its identity, the network charter, the entry log with its Merkle tree,
/// the quarantine, and the per-author chains, opened from one data folder.
///
/// One writer per data folder: opening takes the folder's lock (a second writer gets
/// `CoreError.Code.locked` naming the holder once its wait runs out), while any number of
/// readers open lock-free snapshots up to the last signed tree head
/// (``openSnapshot(at:logger:fileSystem:)``, Specs/site-layout.md §8). Not thread-safe; one
/// task uses it at a time. The segment log
/// is the source of truth: the Merkle store, chains and charter are derived from it and
/// caught up on open if a crash left them behind (Specs/site-layout.md §4).
public final class SiteLedger {
    /// Where the site's files are.
    public let layout: SiteLayout
    /// The site's public identity.
    public let metadata: SiteMetadata
    /// The network's genesis, as joiners receive it.
    public let genesis: GenesisFile
    /// The network's membership and rules, as of the charter entries held here.
    public internal(set) var charter: NetworkCharter
    /// Signed tree heads this site has made, oldest first.
    public internal(set) var treeHeads: [SignedTreeHead]

    /// The seam every file of the site is read and written through (Specs/site-layout.md §7).
    package let files: FileIO
    /// Whole records in the tree-head file: where the next head is written.
    var treeHeadRecords = 0
    /// Whether heads were written to the tree-head file since its last `fsync`
    /// (``TreeHeadSync/deferred``, Specs/site-layout.md §3.1).
    public internal(set) var treeHeadsUnsynced = false
    /// How long the last local append's log write took, its `fdatasync` included, in
    /// nanoseconds (0 before the first): what a group committer weighs a wait against.
    public internal(set) var lastLogWriteNanos: UInt64 = 0
    /// This site's entries written by ``write(kind:payloads:)`` and not yet taken in (not
    /// known durable), in order: the log's records from ``writtenBase`` on. They are the tip
    /// of the site's chain for the next write, but nothing else sees them yet.
    var writtenOwn: [Entry] = []
    /// The log ordinal of `writtenOwn`'s first entry.
    var writtenBase = 0
    let keys: SiteKeys
    let log: any EntryLog
    let quarantineLog: any EntryLog
    var merkle: MerkleTree<FileMerkleNodeStore>
    var chains = AuthorChains()
    var clock: HybridClock
    /// Entries held in quarantine and not (yet) released, with the reason.
    var pendingQuarantine: [Hash32: QuarantinedEntry] = [:]
    /// Quarantine drops in force and where each held entry arrived (Specs/site-layout.md §4.1).
    var quarantineDrops = QuarantineDropState()
    /// Damage found while opening (undecodable records, unreadable blocks, forged quarantine
    /// entries, undecodable tree heads); `verify` reports them and writes are refused.
    var openFaults: [LedgerFault] = []
    /// Quarantined entries that failed their signature check on open: dropped, reported by
    /// `verify`, but they do not block writes (the quarantine is untrusted by nature).
    var quarantineFaults: [LedgerFault] = []
    /// What opening repaired (a Merkle store ahead of the log, a torn tree head).
    var openNotes: [String] = []
    /// Opened by ``openForVerify(at:logger:)`` on a site whose storage structure is damaged:
    /// nothing is written to the folder and every write is refused.
    var readOnly = false
    /// Opened by ``openSnapshot(at:logger:fileSystem:)``: lock-free, up to the last signed head.
    var isSnapshot = false
    /// Where a snapshot's writes go (the running server, or a writer opened when first needed).
    var writer: (any SiteWriter)?
    /// The Merkle store's high-water mark as last read or written (`merkle/synced`); read once on open.
    var merkleSyncedMark: UInt64?
    /// The derived-state database, when the site was opened with one (Specs/site-layout.md §9).
    var index: (any DerivedStateIndex)?
    /// A read-only ledger's private copy of the Merkle store (outside the data folder).
    var scratch: ScratchFolder?
    let logger: Logger

    init(layout: SiteLayout, metadata: SiteMetadata, genesis: GenesisFile, charter: NetworkCharter,
         keys: SiteKeys, log: any EntryLog, quarantineLog: any EntryLog, merkle: MerkleTree<FileMerkleNodeStore>,
         treeHeads: [SignedTreeHead], clock: HybridClock, files: FileIO, logger: Logger) {
        self.layout = layout; self.metadata = metadata; self.genesis = genesis; self.charter = charter
        self.keys = keys; self.log = log; self.quarantineLog = quarantineLog; self.merkle = merkle
        self.treeHeads = treeHeads; self.clock = clock; self.files = files; self.logger = logger
    }

    /// The Merkle store is derived from the log (recomputed from it on open past its
    /// high-water mark), so it is made durable when the ledger closes rather than fsynced
    /// with every batch; the mark is moved only after that sync.
    deinit {
        guard !readOnly else { return }
        try? syncTreeHeads()
        try? recordMerkleSynced()
    }

    /// Syncs the Merkle store, then records its size as the high-water mark when it moved.
    func recordMerkleSynced() throws {
        try merkle.sync()
        guard merkleSyncedMark != merkle.size else { return }
        try MerkleSyncedSize.write(merkle.size, layout, files: files)
        merkleSyncedMark = merkle.size
    }

    /// This site's Ed25519 key: its id on the ledger.
    public var siteKey: Hash32 { metadata.siteKey }

    /// The network id every entry here carries.
    public var networkID: Hash32 { metadata.networkID }

    /// Trusted entries stored, which is also the Merkle tree's size.
    public var entryCount: Int { log.count }

    /// Fork evidence: positions of an author that hold more than one signed entry.
    public var forks: [ForkEvidence] {
        chains.forks.map { ForkEvidence(author: $0.author, sequence: $0.sequence, entries: $0.entries) }
    }

    /// Entries in quarantine that have not been released, sorted by id.
    public var quarantined: [QuarantinedEntry] {
        pendingQuarantine.values.sorted { $0.entry.id < $1.entry.id }
    }

    /// What recovery set aside when the logs were opened.
    public var recoveryNotes: [String] { log.recoveryNotes + quarantineLog.recoveryNotes + openNotes }

    /// Damage found while opening; empty for an intact site.
    public var faultsFoundOnOpen: [LedgerFault] { openFaults }

    /// Whether the site was opened read-only for verification (its storage structure is
    /// damaged): it can be verified and read, never written.
    public var isReadOnly: Bool { readOnly }

    /// Whether the ledger is a lock-free snapshot (``openSnapshot(at:logger:fileSystem:)``).
    public var isSnapshotView: Bool { isSnapshot }

    /// Refuses every write to a site opened read-only for verification.
    func requireWritable() throws {
        if isSnapshot {
            throw CoreError(.notPermitted, "\(layout.root) was opened as a read-only snapshot; writes go through a writer (the running server or the folder's lock)", file: layout.root)
        }
        guard !readOnly else {
            throw CoreError(.notPermitted, "\(layout.root) was opened read-only for verification (its storage structure is damaged); nothing is written to it", file: layout.root)
        }
    }

    /// Refuses to write to a damaged site: what it holds must be examined first.
    func requireIntact() throws {
        try requireWritable()
        guard openFaults.isEmpty else {
            throw CoreError(.damaged, "\(layout.root) has \(openFaults.count) integrity fault(s) (first: \(openFaults[0].file) @\(openFaults[0].offset): \(openFaults[0].what)); run `careledger verify` and restore the site from a peer or backup before writing", file: layout.root)
        }
    }
}

/// Two signed entries from one author claiming the same position: evidence, kept both.
public struct ForkEvidence: Sendable, Equatable, Codable {
    /// The author that signed both.
    public var author: Hash32
    /// The position both claim.
    public var sequence: UInt64
    /// The ids of the entries at that position, sorted.
    public var entries: [Hash32]

    /// Creates one (the derived-state database reads fork evidence back with it).
    public init(author: Hash32, sequence: UInt64, entries: [Hash32]) {
        self.author = author; self.sequence = sequence; self.entries = entries
    }
}

/// An entry kept apart from the trusted log, and why.
public struct QuarantinedEntry: Sendable {
    /// The entry, signature verified.
    public var entry: Entry
    /// Why it is not trusted (yet).
    public var reason: QuarantineReason
}

/// Why an entry is in quarantine (Specs/charter.md §4).
public enum QuarantineReason: String, Sendable, Codable {
    /// Its author is not an admitted member (yet).
    case unknownAuthor = "unknown_author"
    /// Its author's key was revoked at or before the entry's time.
    case revokedAuthor = "revoked_author"
    /// It links to an entry of its author this site does not hold (yet).
    case missingPredecessor = "missing_predecessor"
}
