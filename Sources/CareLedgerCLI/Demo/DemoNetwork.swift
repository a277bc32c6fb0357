import Foundation
import LedgerCore
import LedgerNet
import LedgerSite
import LedgerSync

/// One `serve` + `sync --peer` exchange on 127.0.0.1, both ends in this process: the
/// server binds an ephemeral port, the client runs one two-way sync over the Noise/TCP
/// transport, the server shuts down.
enum DemoNetwork {
    /// Syncs `client` with `server` over TCP.
    ///
    /// Each ledger is handed to a `LedgerSyncService` (its one writer queue) for the length
    /// of the exchange; this task awaits the exchange and the server's shutdown before it
    /// touches either ledger again, so no ledger is ever used from two threads at once.
    /// - Returns: the port the server bound, and what the client's session did.
    static func sync(client: DemoSite, server: DemoSite) async throws -> (port: Int, result: PeerSyncResult) {
        let listener = try await LedgerServing.bind(ledger: server.ledger, host: "127.0.0.1", port: 0, idleTimeout: 20,
                                                    exchangeTimeout: 60, maximumConcurrentSessions: 4, logger: DemoSite.quietLogger)
        let clientService = try LedgerSyncService(ledger: client.ledger)
        let serving = Task { try await listener.run() }
        let result: PeerSyncResult
        do {
            result = try await clientService.sync(with: PeerAddress(host: "127.0.0.1", port: listener.port), label: server.name,
                                                  idleTimeout: 20, exchangeTimeout: 60)
        } catch let error as TransportError {
            await listener.shutdown()
            _ = try? await serving.value
            throw CLIFailure.checkFailed("sync with \(server.name) over TCP failed: \(error.description)")
        }
        await listener.shutdown()
        try await serving.value
        return (listener.port, result)
    }
}
