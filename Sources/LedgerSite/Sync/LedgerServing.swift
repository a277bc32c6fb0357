import Foundation
import LedgerCore
import LedgerNet
import Logging

/// The server side of TCP sync for one site's ledger: the code path of `careledger serve`.
///
/// Why shared: `careledger-bench tcp-load` runs the central site's server in a child process
/// to measure that server's own memory, and the figure only means something if the child
/// serves exactly as `careledger serve` does (one ``LedgerSyncService`` writer, the
/// charter-backed authorizer, responder conversations on the writer queue).
public enum LedgerServing {
    /// Binds a sync server for `ledger` on `host:port`; the caller runs it with `run()`.
    ///
    /// The ledger is owned by the returned server from here on (through its writer queue);
    /// the caller must not touch it again.
    /// - Parameters:
    ///   - port: 0 picks a free port; the server's `port` is the real one.
    ///   - idleTimeout: seconds a peer may stay silent before it is disconnected.
    ///   - exchangeTimeout: seconds one whole session may take.
    ///   - maximumConcurrentSessions: sessions beyond this are turned away.
    ///   - admission: the limits on connections that have not authenticated yet
    ///     (Specs/sync-transport.md §7.4); the server also raises its open-file soft limit to
    ///     the hard limit so those caps, not the descriptor table, decide who is refused.
    ///   - logger: where the one line per session goes.
    ///   - service: the ledger's writer, when the caller made it (to share it with the
    ///     site's control socket); made from `ledger` otherwise.
    /// - Throws: what opening the writer's id set throws, and `TransportError.connectFailed`
    ///   when the address cannot be bound.
    public static func bind(ledger: SiteLedger, host: String, port: Int, idleTimeout: Double,
                             exchangeTimeout: Double = 600, maximumConcurrentSessions: Int,
                             admission: AdmissionLimits = AdmissionLimits(),
                             logger: Logger, service: LedgerSyncService? = nil) async throws -> SyncServer {
        let service = try service ?? LedgerSyncService(ledger: ledger)
        // A session looks entries up by id; the log builds its per-segment key maps at the
        // first lookup and keeps them (derived, bounded by the site). Built now, they count in
        // the server's resident size from the start rather than as a first session's growth.
        _ = try? await service.withLedger { ledger, _ in try ledger.leafIndex(of: .zero) }
        // Opening the site and building its id set read the whole log; keep only what stays.
        HeapTrim.releaseFreePages()
        var configuration = service.transportConfiguration(networkID: ledger.networkID, idleTimeout: idleTimeout,
                                                           exchangeTimeout: exchangeTimeout,
                                                           maximumConcurrentSessions: maximumConcurrentSessions)
        configuration.admission = admission
        OpenFileLimit.raiseToHardLimit()
        return try await SyncServer.bind(
            host: host, port: port, configuration: configuration, staticKey: ledger.agreementKeyForBundles,
            authorizer: { try await service.authorize($0, handshake: $1) }, logger: logger,
            conversation: { identity in try await service.conversation(role: .responder, peer: identity) })
    }
}
