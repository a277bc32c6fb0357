import LedgerCore
import LedgerSite

/// The USB-stick mailbox as `sync --folder` runs it, in-process (`FolderSync`).
enum DemoMailbox {
    static func sync(_ site: DemoSite, folder: String, to onlyTo: [DemoSite]? = nil) throws -> FolderSync.Result {
        try FolderSync.run(site.ledger, folder: folder, onlyTo: onlyTo?.map(\.ledger.siteKey))
    }
}
