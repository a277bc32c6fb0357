import Foundation
import LedgerCore
import LedgerNet
import LedgerSite
import LedgerSync

/// Figures of one TCP sync, as `sync --peer --json` prints them.
struct DemoTCPFigures {
    let port: Int
    let received: Int
    let sent: Int
    let bytesIn: Int
    let bytesOut: Int
    let roundTrips: Int
    let durationMs: Int
}

/// One `serve` + `sync --peer` exchange on 127.0.0.1, both ends in this process: the
/// server binds an ephemeral port, the client runs one two-way sync over the Noise/TCP
/// transport, the server shuts down.
enum DemoNetwork {
    /// Syncs `client` with `server` over TCP.
    ///
    /// Each ledger is handed to a `LedgerSyncService` (its one writer queue) for the length
    /// of the exchange; this task awaits the exchange and the server's shutdown before it
    /// touches either ledger again, so no ledger is ever used from two threads at once.
    static func sync(client: DemoSite, server: DemoSite) async throws -> DemoTCPFigures {
        let serverService = try LedgerSyncService(ledger: server.ledger)
        let clientService = try LedgerSyncService(ledger: client.ledger)
        let configuration = TransportConfiguration(networkID: server.ledger.networkID, idleTimeout: 20, exchangeTimeout: 60)
        let listener = try await SyncServer.bind(
            host: "127.0.0.1", port: 0, configuration: configuration, staticKey: server.ledger.agreementKeyForBundles,
            authorizer: { await serverService.authorize($0) },
            conversation: { identity in try await serverService.conversation(role: .responder, peer: identity) })
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
        return DemoTCPFigures(port: listener.port, received: result.received, sent: result.sent, bytesIn: result.bytesIn,
                              bytesOut: result.bytesOut, roundTrips: result.roundTrips, durationMs: Int(result.duration * 1000))
    }
}
