/// One side of a sync exchange, as the transport sees it: a state machine fed whole messages
/// that answers with messages to send.
///
/// Why abstract: the reconciliation state machine (LedgerSync) is transport-independent and
/// is also carried by bundle files; the TCP transport only moves its messages, encrypted and
/// framed. Messages are opaque byte arrays of any size up to
/// `TransportConfiguration.maximumMessageSize`.
///
/// Concurrency: the transport calls these methods from one task, one call at a time, never on
/// a NIO event loop. They are `async` so a conversation can verify and store entries; blocking
/// file I/O (fsync, segment writes) goes to the store's own writer thread (one writer per
/// site), never to an event loop or the cooperative pool.
///
/// Termination: each side ends its conversation by returning `finished: true`; the transport
/// then flushes that step's messages and sends CLOSE(finished). The session succeeds when both
/// sides have closed normally. A message that arrives after our side finished, or a peer that
/// closes before our side finished, is a protocol violation.
public protocol SyncConversation {
    /// Called once before any message is exchanged: the initiator returns its opening
    /// messages; a responder normally returns an empty step.
    mutating func start() async throws -> ConversationStep

    /// Feeds one message from the peer; returns the messages to send in reply and whether
    /// this side is done.
    /// - Throws: any error; the transport sends CLOSE(conversation_failed) and ends the session.
    mutating func receive(_ message: [UInt8]) async throws -> ConversationStep

    /// Called after a step that said `more`: the next messages of the same reply, until a
    /// step says no `more`. A conversation with a large reply hands it out a bounded batch at
    /// a time this way, and the transport writes each batch (waiting while the socket is not
    /// writable) before it pulls the next, so neither side holds the whole reply
    /// (Specs/sync-transport.md §7.3).
    /// - Throws: any error; the transport sends CLOSE(conversation_failed) and ends the session.
    mutating func pull() async throws -> ConversationStep

    /// Counters to add to the session's log line (e.g. `["entries_in": "12"]`); keys snake_case.
    var logSummary: [String: String] { get }
}

extension SyncConversation {
    /// No extra counters by default.
    public var logSummary: [String: String] { [:] }

    /// Nothing more by default: a conversation that never says `more` is never pulled.
    public mutating func pull() async throws -> ConversationStep { ConversationStep() }
}

/// What a conversation step produces.
public struct ConversationStep: Sendable, Equatable {
    /// Messages to send to the peer, in order.
    public var send: [[UInt8]]
    /// Whether this side of the conversation is finished (only on the last step of a reply).
    public var finished: Bool
    /// Whether the reply goes on: the transport sends these messages, then calls `pull()`.
    public var more: Bool

    /// Creates a step.
    public init(send: [[UInt8]] = [], finished: Bool = false, more: Bool = false) {
        self.send = send
        self.finished = finished
        self.more = more
    }
}
