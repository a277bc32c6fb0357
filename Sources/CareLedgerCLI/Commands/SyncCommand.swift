import ArgumentParser
import Foundation
import LedgerCore
import LedgerSync

/// `careledger sync --folder PATH` (a USB mailbox) or `--peer HOST:PORT` (TCP).
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Two-way sync through a shared folder (a USB stick) or with a peer over TCP.")
    @OptionGroup var options: SiteOptions
    @Option(help: "A shared folder: import what is addressed here, write one bundle per other member.") var folder: String?
    @Option(help: "With --folder: write bundles only for these members (name or key; repeatable).") var to: [String] = []
    @Option(help: "A peer to sync with over TCP, HOST:PORT.") var peer: String?
    @Option(help: "With --peer: seconds before an idle or overlong exchange is abandoned.") var timeout: Double = 30

    func run() async throws {
        try await runReportingFailures {
            switch (folder, peer) {
            case (let folder?, nil):
                try syncFolder(folder)
            case (nil, let peer?):
                try await TCPSync.run(options: options, peer: peer, timeout: timeout)
            default:
                throw CLIFailure.usage("give exactly one of --folder PATH or --peer HOST:PORT")
            }
        }
    }

    struct FolderOutput: Encodable {
        let imported: Int, alreadyHad: Int, quarantined: Int, exported: Int, bundlesRead: Int, bundlesWritten: Int
        let rejected: [BundleImportOutcome.Rejected], ignored: [String], skippedRecipients: [String]
    }

    private func syncFolder(_ folder: String) throws {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: folder, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw CLIFailure.usage("\(folder) is not a folder; mount the stick or create the folder first")
        }
        let ledger = try openSite(options)
        let listing = try FileManager.default.contentsOfDirectory(atPath: folder)
        let onlyTo = try to.isEmpty ? nil : to.map { try ledger.member($0).key }
        let planner = MailboxPlanner(siteKey: ledger.siteKey)
        // 1. Import everything addressed here (each bundle all or nothing).
        let incoming = planner.plan(listing: listing, members: [], created: ledger.currentTime()).incoming
        let imported = try BundleImporter.importFiles(incoming.map { folder + "/" + $0 }, into: ledger)
        // Plan the outgoing bundles after the import: it may have taught this site of new members.
        let members = ledger.charter.sortedMembers.filter { $0.revokedFrom == nil }.map(\.key)
        let plan = planner.plan(listing: listing, members: members, onlyTo: onlyTo, created: ledger.currentTime())
        // 2. Write one bundle per other member, then drop this site's superseded bundles.
        var exported = 0, written = 0
        var skipped: [String] = []
        let bar = ProgressBar(label: "export", total: plan.outgoing.count)
        for (recipient, name) in plan.outgoing {
            defer { bar.advance() }
            guard let member = ledger.charter.members[recipient] else { continue }
            guard member.agreementKey != nil else { skipped.append(member.name); continue }
            let bundle = try ledger.writeBundle(to: [member])
            try BundleFiles.write(bundle.bytes, to: folder + "/" + name)
            exported += bundle.entries
            written += 1
        }
        bar.finish()
        for name in plan.superseded { try? FileManager.default.removeItem(atPath: folder + "/" + name) }
        try? ledger.appendHistory(SyncRun(time: RFC3339.string(from: Date()), transport: "folder", peer: folder,
                                          received: imported.imported, sent: exported, ok: imported.rejected.isEmpty),
                                  to: "sync.jsonl")
        let output = FolderOutput(imported: imported.imported, alreadyHad: imported.alreadyHad, quarantined: imported.quarantined,
                                  exported: exported, bundlesRead: imported.bundles, bundlesWritten: written,
                                  rejected: imported.rejected, ignored: plan.ignored.map(\.name), skippedRecipients: skipped)
        try CommandOutput(json: options.json).emit(output) {
            print("Imported \(imported.imported) entries from \(imported.bundles) bundle(s); wrote \(written) bundle(s) with \(exported) entries to \(folder)")
            for rejected in imported.rejected { print("REJECTED \(rejected.file): \(rejected.why)") }
            for name in skipped { print("skipped \(name): its key-agreement key is not known yet") }
        }
        if !imported.rejected.isEmpty { throw ExitCode(1) }
    }
}

/// One sync, as `status` and `report` list them (history/sync.jsonl).
struct SyncRun: Codable {
    var time: String
    var transport: String
    var peer: String
    var received: Int
    var sent: Int
    var ok: Bool
}
