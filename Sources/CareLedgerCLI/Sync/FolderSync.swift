import Foundation
import LedgerCore
import LedgerSync

/// One `sync --folder` pass at one site: import every bundle addressed here (each all or
/// nothing), then write one bundle per other member (or only `onlyTo`), then drop this
/// site's superseded bundles (Specs/bundle-format.md §9).
///
/// The recipients are read from the charter after the import, so a site that has just
/// learned of its peers writes to them in the same pass.
enum FolderSync {
    /// What a pass did.
    struct Result: Encodable {
        var imported = 0
        var alreadyHad = 0
        var quarantined = 0
        var exported = 0
        var bytesWritten = 0
        var bundlesRead = 0
        var bundlesWritten = 0
        var rejected: [BundleImportOutcome.Rejected] = []
        var ignored: [String] = []
        var skippedRecipients: [String] = []
    }

    static func run(_ ledger: SiteLedger, folder: String, onlyTo: [Hash32]? = nil) throws -> Result {
        let listing: [String]
        do { listing = try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw CLIFailure.usage("cannot list \(folder); mount the stick or create the folder first")
        }
        let planner = MailboxPlanner(siteKey: ledger.siteKey)
        var result = Result()
        let incoming = planner.plan(listing: listing, members: [], created: ledger.currentTime()).incoming
        let imported = try BundleImporter.importFiles(incoming.map { folder + "/" + $0 }, into: ledger)
        result.imported = imported.imported
        result.alreadyHad = imported.alreadyHad
        result.quarantined = imported.quarantined
        result.bundlesRead = imported.bundles
        result.rejected = imported.rejected
        let members = ledger.charter.sortedMembers.filter { $0.revokedFrom == nil }.map(\.key)
        let plan = planner.plan(listing: listing, members: members, onlyTo: onlyTo, created: ledger.currentTime())
        result.ignored = plan.ignored.map(\.name)
        let bar = ProgressBar(label: "export", total: plan.outgoing.count, unit: "bundles", itemUnit: "entries")
        defer { bar.finish() }  // Also when a write throws, so the error line starts on a line of its own.
        for (recipient, name) in plan.outgoing {
            var entries = 0
            defer { bar.advance(by: 1, items: entries) }
            guard let member = ledger.charter.members[recipient] else { continue }
            guard member.agreementKey != nil else { result.skippedRecipients.append(member.name); continue }
            let bundle = try ledger.writeBundle(to: [member])
            try BundleFiles.write(bundle.bytes, to: folder + "/" + name)
            entries = bundle.entries
            result.exported += bundle.entries
            result.bytesWritten += bundle.bytes.count
            result.bundlesWritten += 1
        }
        bar.finish()
        for name in plan.superseded { try? FileManager.default.removeItem(atPath: folder + "/" + name) }
        try? ledger.appendHistory(SyncRun(time: RFC3339.string(from: Date()), transport: "folder", peer: folder,
                                          received: result.imported, sent: result.exported, ok: result.rejected.isEmpty),
                                  to: "sync.jsonl")
        return result
    }
}
