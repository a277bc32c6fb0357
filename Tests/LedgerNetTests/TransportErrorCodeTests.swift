import LedgerNet
import Testing

/// TransportError's codes and categories are extensible structs (Specs/sync-transport.md §8).
@Suite("Transport error codes")
struct TransportErrorCodeTests {
    static let codes: [(TransportError.Code, String, TransportError.Category)] = [
        (.peerNotAuthorized, "peer_not_authorized", .refused), (.refusedByPeer, "refused_by_peer", .refused),
        (.serverBusy, "server_busy", .refused), (.idleTimeout, "idle_timeout", .timedOut),
        (.exchangeTimeout, "exchange_timeout", .timedOut), (.frameTooLarge, "frame_too_large", .protocolError),
        (.malformedFrame, "malformed_frame", .protocolError), (.handshakeFailed, "handshake_failed", .protocolError),
        (.decryptionFailed, "decryption_failed", .protocolError), (.nonceExhausted, "nonce_exhausted", .protocolError),
        (.messageTooLarge, "message_too_large", .protocolError),
        (.protocolViolation, "protocol_violation", .protocolError), (.peerFailed, "peer_failed", .protocolError),
        (.conversationFailed, "conversation_failed", .conversation),
        (.connectionClosed, "connection_closed", .connection), (.connectFailed, "connect_failed", .connection),
    ]

    @Test("every code keeps its name and category, and prints first in the error's description")
    func codesKeepTheirNamesAndCategories() {
        for (code, name, category) in Self.codes {
            #expect(code.name == name && code.description == name && code.category == category)
            #expect(TransportError(code, "m", peerAddress: "h:1").description == "\(name): m (peer h:1)")
        }
        #expect(Set(Self.codes.map(\.0)).count == Self.codes.count)
    }

    @Test("categories keep their strings")
    func categoriesKeepTheirStrings() {
        let categories: [(TransportError.Category, String)] = [
            (.refused, "refused"), (.timedOut, "timed_out"), (.protocolError, "protocol_error"),
            (.conversation, "conversation"), (.connection, "connection"),
        ]
        for (category, text) in categories {
            #expect(category.rawValue == text && category.description == text)
            #expect(TransportError.Category(rawValue: text) == category)
        }
    }
}
