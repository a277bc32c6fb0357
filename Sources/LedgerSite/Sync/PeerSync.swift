import Foundation
import LedgerCore
import LedgerNet

/// Where a sync server listens.
public struct PeerAddress: Sendable, Hashable, CustomStringConvertible {
    /// A host name or an IP address (IPv6 without brackets).
    public var host: String
    /// The TCP port.
    public var port: Int

    /// Creates an address.
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// `HOST:PORT`.
    public var description: String { "\(host):\(port)" }
}

/// What one TCP sync session did (`sync --peer`).
public struct PeerSyncResult: Sendable, Equatable {
    /// Entries received and committed.
    public var received: Int
    /// Entries sent.
    public var sent: Int
    /// Bytes read from the connection.
    public var bytesIn: Int
    /// Bytes written to the connection.
    public var bytesOut: Int
    /// Round trips of the exchange.
    public var roundTrips: Int
    /// The peer's name, as its member record gives it.
    public var peer: String
    /// How long the session took, in seconds.
    public var duration: Double
}

extension LedgerSyncService {
    /// Runs one two-way sync with the server at `peer` over the authenticated, encrypted
    /// transport, as the initiator; the run is recorded in history/sync.jsonl either way.
    ///
    /// The peer must present the key-agreement key of a member admitted and not revoked now.
    /// - Parameters:
    ///   - label: how the peer is named in the history when the session fails before its
    ///     name is known (default: `HOST:PORT`).
    ///   - idleTimeout: seconds either side may stay silent.
    ///   - exchangeTimeout: seconds the whole session may take.
    ///   - progress: `.begin(total: 0)`, then `.update` events (connecting, reconciling, and
    ///     the entries in and out so far, from the writer queue), then `.end`.
    /// - Throws: `TransportError` when the session fails (its `code.category` says why:
    ///   refused, timed out, protocol error, connection, conversation).
    public func sync(with peer: PeerAddress, label: String? = nil, idleTimeout: Double = 30, exchangeTimeout: Double = 60,
                     progress: SiteProgressHandler? = nil) async throws -> PeerSyncResult {
        let label = label ?? peer.description
        let (networkID, staticKey) = try await withLedger { ledger, _ in (ledger.networkID, ledger.agreementKeyForBundles) }
        let configuration = transportConfiguration(networkID: networkID, idleTimeout: idleTimeout, exchangeTimeout: exchangeTimeout)
        let client = SyncClient(configuration: configuration, staticKey: staticKey, authorizer: { try await self.authorize($0, handshake: $1) })
        progress?(.begin(total: 0))
        progress?(.update(done: 0, detail: "connecting to \(label)"))
        let outcome: LedgerNet.SyncOutcome<LedgerConversation>
        do {
            defer { progress?(.end) }
            outcome = try await client.sync(host: peer.host, port: peer.port) { identity in
                progress?(.update(done: 0, detail: "reconciling with \(identity.name)"))
                return try await self.conversation(role: .initiator, peer: identity) { received, sent in
                    progress?(.update(done: received + sent, detail: "\(received) in, \(sent) out"))
                }
            }
        } catch let error as TransportError {
            try? await withLedger { ledger, _ in
                try ledger.appendHistory(SyncRun(time: RFC3339.string(from: Date()), transport: "tcp", peer: label,
                                                 received: 0, sent: 0, ok: false), to: SyncRun.historyFile)
            }
            throw error
        }
        let stats = outcome.statistics
        let session = outcome.conversation.outcome
        let result = PeerSyncResult(received: session?.receivedCount ?? 0, sent: session?.sent ?? 0, bytesIn: stats.bytesIn,
                                    bytesOut: stats.bytesOut, roundTrips: stats.roundTrips, peer: stats.peer?.name ?? label,
                                    duration: stats.duration)
        try await withLedger { ledger, _ in
            try ledger.appendHistory(SyncRun(time: RFC3339.string(from: Date()), transport: "tcp", peer: result.peer,
                                             received: result.received, sent: result.sent, ok: true), to: SyncRun.historyFile)
        }
        return result
    }
}
