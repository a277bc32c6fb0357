import Foundation
import LedgerCore
import LedgerNet
import LedgerSite

/// `sync --peer HOST:PORT`: one two-way sync over the authenticated, encrypted transport,
/// drawn as a bar and printed (the session itself is `LedgerSyncService.sync(with:)`).
enum TCPSync {
    struct Output: Encodable {
        let received: Int, sent: Int, bytesIn: Int, bytesOut: Int, roundTrips: Int, peer: String, durationMs: Int
    }

    static func run(options: SiteOptions, peer: String, timeout: Double) async throws {
        let (host, port) = try parse(peer)
        let ledger = try openSite(options, access: .exclusive)
        let service = try LedgerSyncService(ledger: ledger)
        let siteKey = ledger.siteKey, trustBefore = TrustStatus(ledger)
        // How much will flow is found out by the exchange itself, so the bar has no total:
        // it counts entries received and sent, with their rate.
        let result: PeerSyncResult
        do {
            result = try await service.sync(with: PeerAddress(host: host, port: port), label: peer, idleTimeout: timeout,
                                            exchangeTimeout: max(timeout, 60),
                                            progress: ProgressBar.handler(label: "sync", unit: "entries"))
        } catch let error as TransportError where error.code == .refusedByPeer {
            // The peer's log names the reason; this side knows only which of its keys was refused.
            throw CLIFailure(kind: exitKind(error), message: "sync with \(peer) failed: \(error.description): the peer refused this site's key \(siteKey.hex); a governance site admits it with `careledger members admit --key \(siteKey.hex) --name NAME --role ROLE` (a revoked site cannot sync)", code: error.code.name)
        } catch let error as TransportError {
            throw CLIFailure(kind: exitKind(error), message: "sync with \(peer) failed: \(error.description)", code: error.code.name)
        }
        let news = try await service.withLedger { ledger, _ in TrustStatus(ledger).news(since: trustBefore) }
        let output = Output(received: result.received, sent: result.sent, bytesIn: result.bytesIn, bytesOut: result.bytesOut,
                            roundTrips: result.roundTrips, peer: result.peer, durationMs: Int(result.duration * 1000))
        try CommandOutput(json: options.json).emit(output) {
            print("Synced with \(output.peer): received \(output.received), sent \(output.sent) entries; \(output.bytesIn) bytes in, \(output.bytesOut) out, \(output.roundTrips) round trips")
            for line in news { print(line) }
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
