import Foundation
import LedgerCore
import LedgerSite
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

/// The USB-stick mailbox as `sync --folder` runs it, in-process (`FolderSync`).
enum DemoMailbox {
    static func sync(_ site: DemoSite, folder: String, to onlyTo: [DemoSite]? = nil) throws -> MailboxPass {
        let result = try FolderSync.run(site.ledger, folder: folder, onlyTo: onlyTo?.map(\.ledger.siteKey))
        return MailboxPass(imported: result.imported, alreadyHad: result.alreadyHad, quarantined: result.quarantined,
                           bundlesRead: result.bundlesRead, bundlesWritten: result.bundlesWritten,
                           entriesWritten: result.exported, bytesWritten: result.bytesWritten,
                           rejected: result.rejected.map { "\(($0.file as NSString).lastPathComponent): \($0.why)" })
    }
}
