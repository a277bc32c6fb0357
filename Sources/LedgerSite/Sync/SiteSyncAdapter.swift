import Crypto
import Foundation
import LedgerCore
import LedgerStorage
import LedgerSync

/// Checks items before anything is stored: each must be a canonical entry of this network
/// whose id is the id it claims. Signatures are checked (on every core) by the ledger's
/// all-or-nothing ingest at commit, so each is verified once.
struct EntryItemVerifier: SyncItemVerifier {
    let networkID: Hash32

    func verify(_ items: [SyncItem]) throws {
        for item in items {
            let entry = try Entry.decode(item.bytes)
            guard entry.id == item.id else {
                throw CoreError(.malformedFile, "item claims id \(item.id.hex) but its entry's id is \(entry.id.hex)", entryID: item.id)
            }
            guard entry.networkID == networkID else {
                throw CoreError(.wrongNetwork, "entry \(entry.id.hex) belongs to network \(entry.networkID.hex)", entryID: entry.id)
            }
        }
    }
}

extension SiteLedger {
    /// The last summary a peer sent this site, if any (`peers/<key>.summary`).
    public func lastKnownSummary(of peer: Hash32) -> PeerSummaryRecord? {
        storedPeerSummary(of: peer)
    }

    /// Keeps a peer's summary if it is newer than the one held.
    public func remember(_ summary: PeerSummaryRecord) throws {
        try keepPeerSummary(summary)
    }

    /// The member named `nameOrKey` (a name or a 64-hex-digit key).
    /// - Throws: ``SiteError`` `.unknownMember` when no member has that name or key.
    public func member(_ nameOrKey: String) throws -> Member {
        if let key = Hash32(hex: nameOrKey), let member = charter.members[key] { return member }
        if let member = charter.member(named: nameOrKey) { return member }
        throw SiteError(.unknownMember, "no member named or keyed \(nameOrKey); `careledger members list` shows the members")
    }

    /// Imports one bundle file's bytes atomically; remembers the sender's summary.
    ///
    /// Every check of ``importBundle(_:fileName:set:)`` applies.
    /// - Throws: `SyncError` or `CoreError` when the bundle is rejected (nothing changed).
    public func importBundle(_ bytes: [UInt8], fileName: String) throws -> BundleImport {
        var set = try reconcilableSet()
        return try importBundle(bytes, fileName: fileName, set: &set)
    }

    /// Imports one bundle against `set` (this site's ids), adding what it stores to `set`.
    ///
    /// The sender's signed tree head is checked against the newest one kept from it before
    /// anything is stored, and kept after (Specs/bundle-format.md §5.1): a rolled-back or
    /// forked head is kept as evidence and the bundle is still imported entry by entry.
    /// Once the entries are committed the import has happened: a failure to write what is
    /// derived from it afterwards (the sender's summary and tree head, the arrival history)
    /// is returned as a warning, never thrown, so the exit code never says "nothing changed"
    /// about a bundle whose entries are durably stored.
    /// - Throws: `SyncError` or `CoreError` when the bundle is rejected: not addressed here,
    ///   not signed by its sender, not of this network, an invalid tree head, an entry that
    ///   does not verify. Nothing is stored then.
    public func importBundle(_ bytes: [UInt8], fileName: String, set: inout ReconcilableSet) throws -> BundleImport {
        try importOpened(try bundleReader.open(bytes, fileName: fileName), fileName: fileName, set: &set)
    }

    /// Imports the bundle file at `path` against `set`, reading it through this site's file
    /// system a range at a time (Specs/bundle-format.md §7): a file over the cap is rejected
    /// from its length, one that is not a bundle from its first bytes, and memory stays
    /// bounded by the cap whatever the file holds. Every check of
    /// ``importBundle(_:fileName:set:)`` applies.
    /// - Throws: `SyncError` or `CoreError` when the bundle is rejected (nothing changed);
    ///   `SyncError` `bundle.unreadable` when the file cannot be opened or read.
    public func importBundle(file path: String, set: inout ReconcilableSet) throws -> BundleImport {
        try importOpened(try bundleReader.open(file: path, fileSystem: files.fileSystem), fileName: path, set: &set)
    }

    private var bundleReader: BundleReader {
        BundleReader(siteKey: siteKey, agreementKey: agreementKeyForBundles, compressor: LZ4BundleCompressor())
    }

    private func importOpened(_ opened: OpenedBundle, fileName: String, set: inout ReconcilableSet) throws -> BundleImport {
        let reader = bundleReader
        let verdict = try checkPeerTreeHead(opened.treeHead, from: opened.header.sender, sentAt: opened.header.created, file: fileName)
        let store = LedgerItemStore(ledger: self)
        let result = try reader.importBundle(opened, fileName: fileName, set: set,
                                             verifier: EntryItemVerifier(networkID: networkID), store: store)
        set.insert(contentsOf: store.report.storedIDs)
        for held in quarantined where !set.contains(held.entry.id) { set.insert(held.entry.id) }
        var warnings: [String] = []
        func afterCommit(_ what: String, _ body: () throws -> Void) {
            do { try body() } catch {
                warnings.append("\(fileName): its entries are stored, but \(what) could not be written (\(error)); the next import or sync writes it again")
            }
        }
        if charter.members[result.header.sender] != nil || result.header.sender == siteKey {
            afterCommit("the sender's summary") { try remember(result.senderSummary) }
        }
        if !verdict.changesNothing { afterCommit("the sender's signed tree head") { try remember(verdict) } }
        afterCommit("the arrival history") { try recordArrivals(entries: store.report.storedEntries) }
        let recovered = ownEntries(among: store.report.storedIDs)
        if recovered > 0 {
            afterCommit("the restore record") { try recordRestore(recovered: recovered, from: fileName) }
        }
        return BundleImport(result: result, report: store.report, warnings: warnings,
                            evidence: verdict.evidence, recoveredOwn: recovered)
    }
}

/// What importing one bundle did: the reader's result, the store's counts, and what could
/// not be recorded after the entries were committed.
public struct BundleImport {
    /// The bundle as read: header, sender summary, items already held.
    public let result: BundleImportResult
    /// What the ledger stored, held already, or quarantined.
    public let report: IngestReport
    /// One line per derived file that failed to be written after the commit.
    public let warnings: [String]
    /// The rollback or fork of the sender's signed tree head this bundle revealed, if any.
    public var evidence: RollbackEvidence? = nil
    /// This site's own entries the bundle brought back (it was restored from a backup).
    public var recoveredOwn = 0
}
