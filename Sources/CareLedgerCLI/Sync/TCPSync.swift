import ArgumentParser
import Foundation
import LedgerCore
import LedgerNet
import LedgerSync
import Logging

/// `sync --peer HOST:PORT`: one two-way sync over the authenticated, encrypted transport.
enum TCPSync {
    struct Output: Encodable {
        let received: Int, sent: Int, bytesIn: Int, bytesOut: Int, roundTrips: Int, peer: String, durationMs: Int
    }

    static func run(options: SiteOptions, peer: String, timeout: Double) async throws {
        let (host, port) = try parse(peer)
        let ledger = try openSite(options)
        let service = try LedgerSyncService(ledger: ledger)
        let configuration = TransportConfiguration(networkID: ledger.networkID, idleTimeout: timeout, exchangeTimeout: max(timeout, 60))
        let client = SyncClient(configuration: configuration, staticKey: ledger.agreementKeyForBundles,
                                authorizer: { await service.authorize($0) })
        // How much will flow is found out by the exchange itself, so the bar has no total:
        // it counts entries received and sent, with their rate.
        let bar = ProgressBar(label: "sync", total: 0, unit: "entries")
        bar.update(done: 0, detail: "connecting to \(peer)")
        let outcome: LedgerNet.SyncOutcome<LedgerConversation>
        do {
            defer { bar.finish() }
            outcome = try await client.sync(host: host, port: port) { identity in
                bar.update(done: 0, detail: "reconciling with \(identity.name)")
                return try await service.conversation(role: .initiator, peer: identity) { received, sent in
                    bar.update(done: received + sent, detail: "\(received) in, \(sent) out")
                }
            }
        } catch let error as TransportError {
            try? await service.withLedger { ledger, _ in
                try ledger.appendHistory(SyncRun(time: RFC3339.string(from: Date()), transport: "tcp", peer: peer,
                                                 received: 0, sent: 0, ok: false), to: "sync.jsonl")
            }
            throw CLIFailure(kind: exitKind(error), message: "sync with \(peer) failed: \(error.description)")
        }
        let stats = outcome.statistics
        let result = outcome.conversation.outcome
        let output = Output(received: result?.received.count ?? 0, sent: result?.sent ?? 0, bytesIn: stats.bytesIn,
                            bytesOut: stats.bytesOut, roundTrips: stats.roundTrips,
                            peer: stats.peer?.name ?? peer, durationMs: Int(stats.duration * 1000))
        try await service.withLedger { ledger, _ in
            try ledger.appendHistory(SyncRun(time: RFC3339.string(from: Date()), transport: "tcp", peer: output.peer,
                                             received: output.received, sent: output.sent, ok: true), to: "sync.jsonl")
        }
        try CommandOutput(json: options.json).emit(output) {
            print("Synced with \(output.peer): received \(output.received), sent \(output.sent) entries; \(output.bytesIn) bytes in, \(output.bytesOut) out, \(output.roundTrips) round trips")
        }
    }

    /// Distinct exit codes per failure category, so scripts can tell a refused key (4) from
    /// a timeout (5), a protocol error (6), a connection failure (7) and a failed or
    /// rejected exchange (1).
    static func exitKind(_ error: TransportError) -> CLIFailure.Kind {
        switch error.code.category {
        case .refused: return .syncRefused
        case .timedOut: return .syncTimedOut
        case .protocolError: return .syncProtocolError
        case .connection: return .syncConnection
        default: return .checkFailed  // .conversation, and categories added later
        }
    }

    static func parse(_ text: String, allowAnyPort: Bool = false) throws -> (String, Int) {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]),
              ((allowAnyPort ? 0 : 1)...65535).contains(port) else {
            throw CLIFailure.usage("\(text) is not HOST:PORT")
        }
        var host = String(text[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { throw CLIFailure.usage("\(text) has no host") }
        return (host, port)
    }
}
