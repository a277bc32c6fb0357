import LedgerCore
import LedgerSync
import Logging

extension ControlServer {
    /// Starts the control socket of the site that `service` serves: each request is appended
    /// by the service's ledger, on its writer queue, in one commit, and the new ids join the
    /// set that sync sessions reconcile, so the next session offers them. Requests block their
    /// connection's own thread, never the cooperative pool.
    /// - Throws: what ``start(layout:logger:handle:)`` throws.
    public static func start(for service: LedgerSyncService, layout: SiteLayout, logger: Logger) throws -> ControlServer {
        try start(layout: layout, logger: logger) { request in
            do {
                let encoded = try service.withLedgerBlocking { ledger, set in
                    let entries = try ledger.append(kind: request.kind, payloads: request.payloads)
                    _ = set.insert(contentsOf: entries.map(\.id))
                    return entries.map(\.encoded)
                }
                logger.info("control append", metadata: ["kind": "\(request.kind)", "entries": "\(encoded.count)"])
                return .appended(encoded)
            } catch let error as CoreError {
                logger.warning("control append refused", metadata: ["kind": "\(request.kind)", "code": "\(error.code)"])
                return .refused(code: error.code.name, message: error.message)
            } catch {
                return .refused(code: CoreError.Code.io.name, message: "\(error)")
            }
        }
    }
}
