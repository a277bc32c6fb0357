import LedgerCore

/// A ``SiteWriter`` that asks the site's running `serve` to append, through its control
/// socket (Specs/site-layout.md §8.3): what a write command uses while the server holds the
/// folder's lock.
public final class ControlClient: SiteWriter {
    private let socket: UnixSocket

    private init(socket: UnixSocket) { self.socket = socket }

    /// Connects to the server of the site at `layout`; nil when none is listening (no
    /// socket, or a stale one left by a server that was killed).
    /// - Parameter timeout: seconds to wait for each reply (the server may be busy with a
    ///   sync session's commit).
    public static func connect(to layout: SiteLayout, timeout: Double = ControlServer.clientTimeout) -> ControlClient? {
        UnixSocket.connect(to: layout.controlSocket, timeout: timeout).map(ControlClient.init(socket:))
    }

    /// Sends the payloads in requests of at most ``ControlMessage/requestPayloadBudget``
    /// bytes, each one commit at the server, and returns every entry appended, in order.
    /// - Throws: the server's refusal as a `CoreError` with its code, or `.io` when the
    ///   connection fails; requests answered before a failure were committed.
    public func appendEntries(kind: String, payloads: [[UInt8]]) throws -> [Entry] {
        var entries: [Entry] = []
        var start = 0
        while start < payloads.count {
            var end = start, bytes = 0
            while end < payloads.count, end == start || bytes + payloads[end].count <= ControlMessage.requestPayloadBudget {
                bytes += payloads[end].count
                end += 1
            }
            entries += try request(ControlMessage.AppendRequest(kind: kind, payloads: Array(payloads[start..<end])))
            start = end
        }
        return entries
    }

    private func request(_ request: ControlMessage.AppendRequest) throws -> [Entry] {
        try socket.send(ControlMessage.encode(request))
        guard let body = try socket.receive() else {
            throw CoreError(.io, "the server closed its control socket before answering")
        }
        switch try ControlMessage.decodeReply(body) {
        case .appended(let encoded):
            return try encoded.map { try Entry.decode($0) }
        case .refused(let code, let message):
            throw CoreError(CoreError.Code(code), message)
        }
    }
}
