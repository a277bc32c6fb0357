import Foundation
import LedgerCore
import LedgerStorage
import LedgerSync

/// One folder-mailbox pass at one site (a USB stick carried between sites,
/// Specs/bundle-format.md §9): import what on the stick is addressed here and new to this
/// site (each bundle all or nothing), leave this site's signed marker, remove the bundles
/// every recipient holds, then write one mailbox bundle for every current member with what
/// some member may lack and the stick does not carry yet, within the byte budget.
///
/// A member still on the old version (it leaves per-recipient bundles and no marker) gets a
/// per-recipient bundle of the old shape too, so it keeps syncing through the stick.
/// The recipients are read from the charter after the import, so a site that has just
/// learned of its peers writes to them in the same pass.
public enum FolderSync {
    /// What a pass did.
    public struct Result: Encodable, Sendable {
        /// Entries stored from the bundles read.
        public var imported = 0
        /// Entries in those bundles this site held already.
        public var alreadyHad = 0
        /// Entries held in quarantine.
        public var quarantined = 0
        /// Entries written into bundles for other members.
        public var exported = 0
        /// Bytes of the bundles written.
        public var bytesWritten = 0
        /// Bundles addressed here that were imported.
        public var bundlesRead = 0
        /// Bundles written: the mailbox bundle, and one per member still on the old version.
        public var bundlesWritten = 0
        /// Bundles removed from the stick: every recipient holds them, or newer ones carry them.
        public var bundlesRemoved = 0
        /// Entries some member may lack that did not fit in the byte budget (carried next time).
        public var didNotFit = 0
        /// The byte budget of this pass (`--max-bytes`, or the folder's free space less a margin).
        public var maxBytes = 0
        /// Bundles and markers that were rejected and changed nothing.
        public var rejected: [BundleImportOutcome.Rejected] = []
        /// Files in the folder that are not bundles of this protocol, or not trusted, with why.
        public var ignored: [String] = []
        /// Members not written to because their key-agreement key is not known yet.
        public var skippedRecipients: [String] = []
        /// Derived files that could not be written after entries were committed (not in the
        /// encoded result: the CLI prints them as warnings).
        public var warnings: [String] = []

        enum CodingKeys: String, CodingKey {
            case imported, alreadyHad, quarantined, exported, bytesWritten, bundlesRead, bundlesWritten, bundlesRemoved
            case didNotFit, maxBytes, rejected, ignored, skippedRecipients
        }
    }

    /// Bytes left free on the stick when no budget is given: 1 MiB and 2% of the free space.
    public static func defaultBudget(freeBytes: Int) -> Int { max(0, freeBytes - (1 << 20) - freeBytes / 50) }

    /// Runs one pass over `folder`.
    /// - Parameters:
    ///   - onlyTo: address bundles only to these members' keys; nil for every current member.
    ///   - maxBytes: the most bytes of bundles this pass writes; nil for the folder's free
    ///     space less a margin (``defaultBudget(freeBytes:)``).
    ///   - importProgress: the import of the bundles addressed here (see ``BundleImporter``).
    ///   - exportProgress: `.begin(total:)` with the number of bundles to write, then an
    ///     `.advance` per bundle (1 bundle, its entries), then `.end`.
    /// - Throws: ``SiteError`` `.unreadableInput` when the folder cannot be listed,
    ///   `.cannotWrite` when a bundle or marker cannot be written, `.unusableSite` when the site fails.
    public static func run(_ ledger: SiteLedger, folder: String, onlyTo: [Hash32]? = nil, maxBytes: Int? = nil,
                           importProgress: SiteProgressHandler? = nil,
                           exportProgress: SiteProgressHandler? = nil) throws -> Result {
        let listing = try list(folder, ledger)
        let planner = MailboxPlanner(siteKey: ledger.siteKey)
        var result = Result()
        let firstPlan = planner.plan(listing: listing, members: [], created: ledger.currentTime())
        var stick = StickContents.read(folder: folder, plan: firstPlan, ledger: ledger)
        result.rejected = stick.rejected

        // Import: per-recipient bundles addressed here, and mailbox bundles addressed here
        // that carry an entry this site lacks (the index says so without opening them).
        var set = try ledger.reconcilableSet()
        var mine = Set(set.sortedIDs.map(StickIndex.digest))
        let wanted = stick.bundles.filter { $0.index.header.sender != ledger.siteKey && $0.index.isAddressed(to: ledger.siteKey) && !$0.digests.isSubset(of: mine) }
        let ordered = wanted.sorted { $0.ref < $1.ref }.map(\.name) + firstPlan.incoming
        let imported = try BundleImporter.importFiles(ordered.map { folder + "/" + $0 }, into: ledger, progress: importProgress)
        result.imported = imported.imported
        result.alreadyHad = imported.alreadyHad
        result.quarantined = imported.quarantined
        result.bundlesRead = imported.bundles
        result.rejected += imported.rejected
        result.warnings = imported.warnings
        if imported.bundles > 0 {
            set = try ledger.reconcilableSet()
            mine = Set(set.sortedIDs.map(StickIndex.digest))
        }

        // Marker: the bundles on the stick whose every entry this site now holds, and those
        // addressed here that it refused (they carry nothing to it: writers must not count them).
        let holds = stick.bundles.filter { $0.trusted && $0.digests.isSubset(of: mine) }.map(\.ref)
        let refusedFiles = Set(imported.rejected.map(\.file))
        let refused = wanted.filter { refusedFiles.contains(folder + "/" + $0.name) }.map(\.ref)
        let marker = StickMarker(site: ledger.siteKey, created: ledger.currentTime(), entriesHeld: UInt64(set.count), holds: holds, refused: refused)
        try BundleFiles.write(try marker.encoded(signingKey: ledger.signingKeyForBundles), to: folder + "/" + MailboxPlanner.markerFileName(of: ledger.siteKey))
        stick.markers[ledger.siteKey] = marker

        // Collect: what every current recipient holds, or newer bundles carry to it.
        let members = ledger.charter.sortedMembers
        let current = Set(members.filter { $0.revokedFrom == nil }.map(\.key))
        let everyKey = members.map(\.key) + [ledger.siteKey]
        let collectable = stick.bundles.filter(\.trusted).map { bundle in
            let known = bundle.index.recipients(among: everyKey)
            return StickCollector.Bundle(name: bundle.name, ref: bundle.ref, recipients: known.intersection(current),
                                         allRecipientsKnown: known.count == bundle.index.hints.count, digests: bundle.digests)
        }
        // A recipient is done with a bundle it holds, and with one it refused (it never will import it).
        let holdsBySite = stick.markers.mapValues { Set($0.holds).union($0.refused) }
        let removable = Set(StickCollector.removable(collectable, holds: holdsBySite))
        for name in removable + stick.staleMarkers where (try? ledger.files.fileSystem.remove(folder + "/" + name)) != nil {
            if removable.contains(name) { result.bundlesRemoved += 1 }
        }
        stick.bundles.removeAll { removable.contains($0.name) }
        result.ignored = firstPlan.ignored.map(\.name) + stick.ignored

        // Write: one mailbox bundle for every current member, within the budget.
        var budget = maxBytes ?? defaultBudget(freeBytes: freeBytes(of: folder))
        result.maxBytes = budget
        var recipients: [Member] = []
        for member in members where member.revokedFrom == nil && member.key != ledger.siteKey && (onlyTo?.contains(member.key) ?? true) {
            if member.agreementKey == nil { result.skippedRecipients.append(member.name) } else { recipients.append(member) }
        }
        let legacySenders = Set(listing.compactMap { try? MailboxPlanner.parse(fileName: $0).fromPrefix })
        let legacy = recipients.filter { legacySenders.contains(MailboxPlanner.keyPrefix($0.key)) && stick.markers[$0.key] == nil }
        exportProgress?(.begin(total: 1 + legacy.count))
        defer { exportProgress?(.end) }  // Also when a write throws.
        let ids = ledger.mailboxIDs(for: recipients.map(\.key), set: set, stick: stick)
        let bundle = try ledger.writeMailboxBundle(to: recipients.compactMap(bundleRecipient), ids: ids, set: set, budget: budget)
        result.didNotFit = bundle.didNotFit
        if !bundle.bytes.isEmpty {
            let name = MailboxPlanner.mailboxFileName(from: ledger.siteKey, created: bundle.created)
            try BundleFiles.write(bundle.bytes, to: folder + "/" + name)
            record(bundle.bytes.count, entries: bundle.entries, in: &result)
            budget -= bundle.bytes.count
        }
        exportProgress?(.advance(units: 1, items: bundle.entries))

        // Members still on the old version: a per-recipient bundle of the old shape each.
        let legacyPlan = planner.plan(listing: listing, members: legacy.map(\.key), created: ledger.currentTime())
        for (recipient, name) in legacyPlan.outgoing {
            guard let member = ledger.charter.members[recipient] else { continue }
            let old = try ledger.writeBundle(to: [member])
            exportProgress?(.advance(units: 1, items: old.entries))
            guard old.bytes.count <= budget else { result.didNotFit += old.entries; continue }
            try BundleFiles.write(old.bytes, to: folder + "/" + name)
            record(old.bytes.count, entries: old.entries, in: &result)
            budget -= old.bytes.count
        }
        for name in legacyPlan.superseded { try? ledger.files.fileSystem.remove(folder + "/" + name) }
        try? ledger.appendHistory(SyncRun(time: RFC3339.string(from: Date()), transport: "folder", peer: folder,
                                          received: result.imported, sent: result.exported, ok: result.rejected.isEmpty),
                                  to: SyncRun.historyFile)
        return result
    }

    private static func record(_ bytes: Int, entries: Int, in result: inout Result) {
        result.exported += entries
        result.bytesWritten += bytes
        result.bundlesWritten += 1
    }

    private static func bundleRecipient(_ member: Member) -> BundleRecipient? {
        member.agreementKey.map { BundleRecipient(siteKey: member.key, agreementKey: $0.bytes) }
    }

    private static func list(_ folder: String, _ ledger: SiteLedger) throws -> [String] {
        do { return try ledger.files.fileSystem.listDirectory(folder) } catch {
            throw SiteError(.unreadableInput, "cannot list \(folder); mount the stick or create the folder first",
                            path: folder, underlying: error)
        }
    }

    /// The folder's free bytes (0 when they cannot be read).
    static func freeBytes(of folder: String) -> Int {
        let attributes = try? FileManager.default.attributesOfFileSystem(forPath: folder)
        return (attributes?[.systemFreeSize] as? NSNumber)?.intValue ?? 0
    }
}
