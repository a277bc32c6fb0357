import Foundation
import LedgerCore
import LedgerStorage
import LedgerSync

/// One folder-mailbox pass at one site (a USB stick carried between sites): import every
/// bundle addressed here (each all or nothing), then write one bundle per other member (or
/// only `onlyTo`), then drop this site's superseded bundles (Specs/bundle-format.md §9).
///
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
        /// Bundles written, one per recipient.
        public var bundlesWritten = 0
        /// Bundles addressed here that were rejected and changed nothing.
        public var rejected: [BundleImportOutcome.Rejected] = []
        /// Files in the folder that are not bundles of this protocol.
        public var ignored: [String] = []
        /// Members not written to because their key-agreement key is not known yet.
        public var skippedRecipients: [String] = []
        /// Derived files that could not be written after entries were committed (not in the
        /// encoded result: the CLI prints them as warnings).
        public var warnings: [String] = []

        enum CodingKeys: String, CodingKey {
            case imported, alreadyHad, quarantined, exported, bytesWritten, bundlesRead, bundlesWritten, rejected, ignored
            case skippedRecipients
        }
    }

    /// Runs one pass over `folder`.
    /// - Parameters:
    ///   - onlyTo: write bundles only for these members' keys; nil for every other member.
    ///   - importProgress: the import of the bundles addressed here (see ``BundleImporter``).
    ///   - exportProgress: `.begin(total:)` with the number of bundles to write, then an
    ///     `.advance` per bundle (1 bundle, its entries), then `.end`.
    /// - Throws: ``SiteError`` `.unreadableInput` when the folder cannot be listed,
    ///   `.cannotWrite` when a bundle cannot be written, `.unusableSite` when the site fails.
    public static func run(_ ledger: SiteLedger, folder: String, onlyTo: [Hash32]? = nil,
                           importProgress: SiteProgressHandler? = nil,
                           exportProgress: SiteProgressHandler? = nil) throws -> Result {
        let listing: [String]
        do { listing = try ledger.files.fileSystem.listDirectory(folder) } catch {
            throw SiteError(.unreadableInput, "cannot list \(folder); mount the stick or create the folder first",
                            path: folder, underlying: error)
        }
        let planner = MailboxPlanner(siteKey: ledger.siteKey)
        var result = Result()
        let incoming = planner.plan(listing: listing, members: [], created: ledger.currentTime()).incoming
        let imported = try BundleImporter.importFiles(incoming.map { folder + "/" + $0 }, into: ledger, progress: importProgress)
        result.imported = imported.imported
        result.alreadyHad = imported.alreadyHad
        result.quarantined = imported.quarantined
        result.bundlesRead = imported.bundles
        result.rejected = imported.rejected
        result.warnings = imported.warnings
        let members = ledger.charter.sortedMembers.filter { $0.revokedFrom == nil }.map(\.key)
        let plan = planner.plan(listing: listing, members: members, onlyTo: onlyTo, created: ledger.currentTime())
        result.ignored = plan.ignored.map(\.name)
        exportProgress?(.begin(total: plan.outgoing.count))
        defer { exportProgress?(.end) }  // Also when a write throws.
        for (recipient, name) in plan.outgoing {
            var entries = 0
            defer { exportProgress?(.advance(units: 1, items: entries)) }
            guard let member = ledger.charter.members[recipient] else { continue }
            guard member.agreementKey != nil else { result.skippedRecipients.append(member.name); continue }
            let bundle = try ledger.writeBundle(to: [member])
            try BundleFiles.write(bundle.bytes, to: folder + "/" + name)
            entries = bundle.entries
            result.exported += bundle.entries
            result.bytesWritten += bundle.bytes.count
            result.bundlesWritten += 1
        }
        for name in plan.superseded { try? ledger.files.fileSystem.remove(folder + "/" + name) }
        try? ledger.appendHistory(SyncRun(time: RFC3339.string(from: Date()), transport: "folder", peer: folder,
                                          received: result.imported, sent: result.exported, ok: result.rejected.isEmpty),
                                  to: SyncRun.historyFile)
        return result
    }
}
