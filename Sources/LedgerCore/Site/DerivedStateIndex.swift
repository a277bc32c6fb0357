/// The derived-state database a site keeps beside its log (Specs/site-layout.md §9): a cache
/// of what the log implies, so that opening a site reads a summary instead of every entry.
///
/// The log stays the only source of truth. The ledger hands the index every committed entry
/// with its ordinal, after the log made it durable; the index records how far it has applied
/// (its high-water mark, the log size it has seen). At open, whatever the index has not seen
/// is applied first, and an index that is ahead of the log, names another entry at its mark,
/// or cannot be read is rebuilt from the log. LedgerCore defines the seam; LedgerIndex
/// implements it with SQLite, so this target does not depend on a database.
public protocol DerivedStateIndex: AnyObject {
    /// The summary an open needs, read in one transaction; nil when the index holds nothing
    /// usable (just created, wiped, or of another schema): the ledger then rebuilds it.
    func state() throws -> DerivedState?
    /// The high-water mark alone: how many log records the index has applied.
    func appliedSize() throws -> Int
    /// The mark this process's own last ``apply(_:voided:)`` through this value committed, when it
    /// made one since the value was opened or last reset; nil otherwise. No database read.
    ///
    /// Why: the writer's commit asks for the mark two or three times per group commit, and a
    /// read through the database's reader pool cost about 6 % of `serve`'s CPU per consult
    /// (Specs/fhir-api.md §4.3). The mark never goes down while this process holds the site
    /// (only a reset lowers it, and only the site's writer resets), so for the writer the
    /// value is a lower bound of ``appliedSize()``, equal to it unless another process applied since.
    var markCommittedHere: Int? { get }
    /// Forgets everything, before a rebuild from the log.
    func reset() throws
    /// Applies committed entries, in log order, in one transaction.
    ///
    /// Entries below the mark are skipped (another process applied them); a batch that does
    /// not reach the mark (a gap) changes nothing. Undecodable records are passed as nil.
    /// - Parameter voided: the entries under an upheld dispute (`NetworkCharter.upheldEntries`)
    ///   as the ledger's charter holds them with these entries absorbed: a consent version
    ///   among them is void (Specs/consent.md §5.5), so what the index derives from consent
    ///   versions leaves it out. Taken only by a batch that applies something (the applier's
    ///   charter then covers at least the new mark), in the same transaction.
    func apply(_ entries: [IndexedEntry], voided: Set<Hash32>) throws
    /// The ids of `author`'s entries at `sequence` the index holds: fork detection for an
    /// entry whose position was filled before the ledger was opened.
    func entryIDs(author: Hash32, sequence: UInt64) throws -> [Hash32]
}

extension DerivedStateIndex {
    /// None known: an index that does not track its own writes is always read.
    public var markCommittedHere: Int? { nil }
}

/// One committed log record for ``DerivedStateIndex/apply(_:voided:)``.
public struct IndexedEntry: Sendable {
    /// The record's position in the log (its Merkle leaf index).
    public var ordinal: Int
    /// The entry, or nil when the record does not decode (a fault `verify` reports).
    public var entry: Entry?

    /// Creates one.
    public init(ordinal: Int, entry: Entry?) { self.ordinal = ordinal; self.entry = entry }
}

/// What a site needs from its derived-state database to open without replaying its log.
public struct DerivedState: Sendable, Equatable {
    /// Log records applied: the high-water mark.
    public var appliedSize: Int
    /// The id of the record at `appliedSize - 1` (nil when nothing was applied): a log whose
    /// record there differs was cut and rewritten, and the index is rebuilt.
    public var lastEntryID: Hash32?
    /// Every author's chain: heads and next sequence.
    public var authors: [AuthorChainState]
    /// Fork evidence, in the order it was found.
    public var forks: [ForkEvidence]
    /// Ordinals of the charter entries (admit, revoke, profile) in log order.
    public var charterOrdinals: [Int]
    /// The latest entry timestamp applied (the hybrid clock observes it on open).
    public var latestTimestamp: HybridTimestamp?

    /// Creates one.
    public init(appliedSize: Int, lastEntryID: Hash32?, authors: [AuthorChainState], forks: [ForkEvidence],
                charterOrdinals: [Int], latestTimestamp: HybridTimestamp?) {
        self.appliedSize = appliedSize; self.lastEntryID = lastEntryID; self.authors = authors; self.forks = forks
        self.charterOrdinals = charterOrdinals; self.latestTimestamp = latestTimestamp
    }
}

/// One author's chain as the derived-state database keeps it.
public struct AuthorChainState: Sendable, Equatable {
    /// The author's key.
    public var author: Hash32
    /// Entries of the author no other of its entries links to, sorted.
    public var heads: [Hash32]
    /// One past the highest sequence held.
    public var nextSequence: UInt64

    /// Creates one.
    public init(author: Hash32, heads: [Hash32], nextSequence: UInt64) {
        self.author = author; self.heads = heads; self.nextSequence = nextSequence
    }
}

/// Opens a site's derived-state database, given where the site's files are.
public typealias DerivedStateIndexOpener = @Sendable (SiteLayout) throws -> any DerivedStateIndex

/// The kinds whose entries change the charter (``SiteLedger`` replays them on open).
public enum CharterEntryKinds {
    /// `charter.admit`, `charter.revoke`, `charter.approve` (quorum), `charter.amend`, the site
    /// profile kind and the dispute kinds: every kind ``SiteLedger/charterEvent(of:)`` reads.
    public static let all: Set<String> = [
        SiteLedger.CharterKind.admit, SiteLedger.CharterKind.revoke, SiteLedger.CharterKind.approve,
        SiteLedger.CharterKind.amend, SiteLedger.profileKind,
        SiteLedger.DisputeKind.open, SiteLedger.DisputeKind.resolve,
    ]
}
