import LedgerCore

/// Why a session ended, as sent in a CLOSE record or an ABORT frame (Specs/sync-transport.md §6).
///
/// Why on the wire: "refused" must reach the other side as a clear, distinct error rather
/// than a bare reset, so the CLI can tell an operator to ask for admission instead of retrying.
package enum CloseCode: UInt16, Sendable {
    /// The conversation finished normally on the sender's side.
    case finished = 0
    /// The sender does not admit the receiver's static key.
    case notAuthorized = 1
    /// The server is at its session limit.
    case busy = 2
    /// The receiver broke the framing, handshake or session rules.
    case protocolError = 3
    /// A timeout fired on the sender's side.
    case timeout = 4
    /// The sender's conversation failed.
    case conversationFailed = 5
    /// The server is shutting down.
    case shuttingDown = 6

    /// Decodes a two-byte big-endian code; unknown values read as `protocolError`.
    package init(bytes: [UInt8]) {
        var reader = ByteCursor<[UInt8], ByteCursorFault>(bytes, byteOrder: .bigEndian)
        guard bytes.count == 2, let raw = try? reader.u16() else { self = .protocolError; return }
        self = CloseCode(rawValue: raw) ?? .protocolError
    }

    /// The two-byte big-endian encoding.
    package var bytes: [UInt8] { [UInt8(rawValue >> 8), UInt8(rawValue & 0xff)] }

    /// The local error to report when the peer closes with this code.
    package func errorFromPeer() -> TransportError {
        switch self {
        case .finished: return TransportError(.protocolViolation, "the peer ended the conversation before ours finished")
        case .notAuthorized: return TransportError(.refusedByPeer, "the peer does not admit this site's key")
        case .busy: return TransportError(.serverBusy, "the server is at its session limit; try again later")
        case .protocolError: return TransportError(.peerFailed, "the peer reports that we broke the protocol")
        case .timeout: return TransportError(.peerFailed, "the peer timed out waiting for us")
        case .conversationFailed: return TransportError(.peerFailed, "the peer's sync conversation failed")
        case .shuttingDown: return TransportError(.serverBusy, "the server is shutting down; try again later")
        }
    }

    /// The code to send the peer when we fail with `error`.
    package init(for error: TransportError) {
        switch error.code.category {
        case .refused: self = error.code == .serverBusy ? .busy : .notAuthorized
        case .timedOut: self = .timeout
        case .protocolError: self = .protocolError
        default: self = .conversationFailed  // .conversation, .connection, and categories added later
        }
    }
}
