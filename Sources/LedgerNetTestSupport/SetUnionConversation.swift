import LedgerCore
import LedgerNet

/// A small two-way set-union conversation, the reference load for the transport's tests and
/// `careledger-bench tcp-load --no-ledgers` (sites sync with LedgerSync's reconciliation
/// state machine; this one isolates the transport from it).
///
/// Messages (first byte is the type; items are 32 bytes each):
/// ```
/// 0x01 DIGEST   initiator → responder: SHA-256 of its sorted items
/// 0x02 SAME     responder → initiator: digests match; both finish (1 round trip)
/// 0x03 SEND_ALL responder → initiator: digests differ, send your items
/// 0x04 ITEMS    initiator → responder: all the initiator's items
/// 0x05 MISSING  responder → initiator: the items the initiator lacks; both finish
/// ```
/// It is O(n) on a difference and exists to exercise framing, fragmentation and concurrency,
/// not to be efficient. Its steps never suspend, so tests can also drive it directly.
public struct SetUnionConversation: SyncConversation, Sendable {
    /// Which end of the exchange this is.
    public enum Role: Sendable { case initiator, responder }

    /// A malformed message from the peer.
    public struct MalformedMessage: Error, Sendable, CustomStringConvertible {
        /// What was wrong.
        public var description: String
    }

    private let role: Role
    private let store: ItemSet
    /// Items this side received that were new to it.
    public private(set) var received = 0
    /// Items this side sent.
    public private(set) var sent = 0

    /// Creates one side of the conversation over `store`.
    public init(role: Role, store: ItemSet) {
        self.role = role
        self.store = store
    }

    /// The initiator opens with its digest; the responder waits.
    public mutating func start() throws -> ConversationStep {
        guard role == .initiator else { return ConversationStep() }
        var message: [UInt8] = [0x01]
        store.digest.append(to: &message)
        return ConversationStep(send: [message])
    }

    /// Answers one message (see the table above).
    public mutating func receive(_ message: [UInt8]) throws -> ConversationStep {
        guard let type = message.first else { throw MalformedMessage(description: "empty message") }
        let body = Array(message.dropFirst())
        switch (role, type) {
        case (.responder, 0x01):
            guard body.count == 32 else { throw MalformedMessage(description: "DIGEST must be 32 bytes") }
            let digest = Hash32(bytes: body)
            return digest == store.digest ? ConversationStep(send: [[0x02]], finished: true) : ConversationStep(send: [[0x03]])
        case (.initiator, 0x02):
            return ConversationStep(finished: true)
        case (.initiator, 0x03):
            let items = store.snapshot.sorted()
            sent += items.count
            return ConversationStep(send: [Self.encode(0x04, items)])
        case (.responder, 0x04):
            let theirs = try Self.decode(body)
            received += store.merge(theirs)
            let missing = store.snapshot.subtracting(theirs).sorted()
            sent += missing.count
            return ConversationStep(send: [Self.encode(0x05, missing)], finished: true)
        case (.initiator, 0x05):
            received += store.merge(try Self.decode(body))
            return ConversationStep(finished: true)
        default:
            throw MalformedMessage(description: "unexpected message type \(type)")
        }
    }

    /// `items_in` / `items_out` for the server's session line.
    public var logSummary: [String: String] { ["items_in": "\(received)", "items_out": "\(sent)"] }

    private static func encode(_ type: UInt8, _ items: [Hash32]) -> [UInt8] {
        var out = [type]
        out.reserveCapacity(1 + 32 * items.count)
        for item in items { item.append(to: &out) }
        return out
    }

    private static func decode(_ body: [UInt8]) throws -> [Hash32] {
        guard body.count % 32 == 0 else { throw MalformedMessage(description: "item list length is not a multiple of 32") }
        return stride(from: 0, to: body.count, by: 32).compactMap { Hash32(bytes: body[$0..<($0 + 32)]) }
    }
}
