import Foundation
import LedgerCore
import LedgerSync

/// What one `sync --folder` pass did at one site.
struct MailboxPass {
    var imported = 0
    var alreadyHad = 0
    var quarantined = 0
    var bundlesRead = 0
    var bundlesWritten = 0
    var entriesWritten = 0
    var bytesWritten = 0
    var rejected: [String] = []
}

/// The USB-stick mailbox as `sync --folder` runs it, in-process: import every bundle
/// addressed to this site (each all or nothing), then write one bundle per other member
/// (or only `to`), then drop this site's superseded bundles.
///
/// It differs from `SyncCommand` in one way: the recipients are read from the charter
/// *after* the import, so a site that has just learned of its peers writes to them at once.
enum DemoMailbox {
    static func sync(_ site: DemoSite, folder: String, to onlyTo: [DemoSite]? = nil) throws -> MailboxPass {
        let ledger = site.ledger
        let planner = MailboxPlanner(siteKey: ledger.siteKey)
        var pass = MailboxPass()
        let incoming = planner.plan(listing: try listing(folder), members: [], created: ledger.currentTime()).incoming
        for name in incoming {
            let path = folder + "/" + name
            guard let data = FileManager.default.contents(atPath: path) else {
                pass.rejected.append("\(name): cannot read the file")
                continue
            }
            do {
                let (result, report) = try ledger.importBundle(Array(data), fileName: path)
                pass.bundlesRead += 1
                pass.imported += report.imported + report.released
                // Items the set already held never reach the store: the session counts them.
                pass.alreadyHad += report.alreadyHad + result.alreadyHad
                pass.quarantined += report.quarantined
            } catch let error as SyncError {
                pass.rejected.append("\(name): \(error.description)")
            } catch let error as CoreError {
                pass.rejected.append("\(name): \(error.description)")
            }
        }
        let members = ledger.charter.sortedMembers.filter { $0.revokedFrom == nil }.map(\.key)
        let plan = planner.plan(listing: try listing(folder), members: members, onlyTo: onlyTo?.map(\.ledger.siteKey),
                                created: ledger.currentTime())
        for (recipient, name) in plan.outgoing {
            guard let member = ledger.charter.members[recipient], member.agreementKey != nil else { continue }
            let bundle = try ledger.writeBundle(to: [member])
            try BundleFiles.write(bundle.bytes, to: folder + "/" + name)
            pass.bundlesWritten += 1
            pass.entriesWritten += bundle.entries
            pass.bytesWritten += bundle.bytes.count
        }
        for name in plan.superseded { try? FileManager.default.removeItem(atPath: folder + "/" + name) }
        try? ledger.appendHistory(SyncRun(time: RFC3339.string(from: Date()), transport: "folder", peer: folder,
                                          received: pass.imported, sent: pass.entriesWritten, ok: pass.rejected.isEmpty),
                                  to: "sync.jsonl")
        return pass
    }

    private static func listing(_ folder: String) throws -> [String] {
        do { return try FileManager.default.contentsOfDirectory(atPath: folder) } catch {
            throw CLIFailure.usage("cannot list the stick folder \(folder)")
        }
    }
}
