import LedgerCore

/// One side of an exchange with its injected store: runs a `ReconcileSession`'s actions
/// and turns them into frames to send. A transport only moves the frames.
///
/// This is the reference driver: the in-memory loopback, the benchmark and the TCP
/// transport (issue 6) all use it, so the state machine runs the same everywhere.
public struct SyncEndpoint {
    /// The state machine.
    public private(set) var session: ReconcileSession
    /// How the exchange ended for this side, once it did.
    public private(set) var outcome: SyncOutcome?
    /// Why the exchange failed for this side, if it did.
    public private(set) var error: SyncError?
    /// Frame bytes of HELLO, STEP, SUMMARY and ABORT messages sent (summary traffic).
    public private(set) var summaryBytesSent = 0
    /// Frame bytes of ITEMS messages sent.
    public private(set) var itemBytesSent = 0

    private let provider: any SyncItemProvider
    private let store: any SyncItemStore
    private var decoder: SyncMessageDecoder

    /// Creates an endpoint.
    public init(session: ReconcileSession, provider: any SyncItemProvider, store: any SyncItemStore) {
        self.session = session
        self.provider = provider
        self.store = store
        self.decoder = SyncMessageDecoder(limits: session.limits)
    }

    /// Whether this side has finished or failed.
    public var isDone: Bool { outcome != nil || error != nil }

    /// Starts the exchange (initiator); returns the frames to send.
    public mutating func start(salt: [UInt8]) -> [[UInt8]] {
        perform(session.start(salt: salt))
    }

    /// Feeds bytes from the peer (any split); returns the frames to send back.
    public mutating func receive<Bytes: Sequence>(_ bytes: Bytes) -> [[UInt8]] where Bytes.Element == UInt8 {
        guard !isDone else { return [] }
        let messages: [SyncMessage]
        do { messages = try decoder.feed(bytes) } catch {
            return perform(session.abort(error))
        }
        var out: [[UInt8]] = []
        for message in messages where !isDone {
            out.append(contentsOf: perform(session.receive(message)))
        }
        return out
    }

    private mutating func perform(_ actions: [ReconcileSession.Action]) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        for action in actions {
            switch action {
            case .send(let message):
                let frame = SyncMessageCodec.encode(message)
                summaryBytesSent += frame.count
                frames.append(frame)
            case .sendItems(let ids):
                do {
                    for message in try SyncItemChunker.messages(for: ids, provider: provider) {
                        let frame = SyncMessageCodec.encode(message)
                        itemBytesSent += frame.count
                        frames.append(frame)
                    }
                } catch {
                    return frames + perform(session.abort(error))
                }
            case .commit(let items):
                do { try store.commit(items) } catch {
                    self.error = SyncError(.commitFailed, "storing the exchange's items failed; nothing was stored", underlying: error)
                    return frames
                }
            case .learnedPeerSummary:
                break
            case .finished(let outcome):
                self.outcome = outcome
            case .failed(let error):
                self.error = error
            }
        }
        return frames
    }
}

/// Runs two endpoints against each other in memory, delivering every frame whole or
/// byte-split, and reports the traffic (tests, benchmark, and a model for transports).
public enum LoopbackExchange {
    /// Traffic of one exchange.
    public struct Report: Sendable {
        /// The initiator's outcome, or nil when it failed.
        public let initiator: SyncOutcome?
        /// The responder's outcome, or nil when it failed.
        public let responder: SyncOutcome?
        /// The first error either side hit.
        public let error: SyncError?
        /// Summary traffic both ways: every frame but ITEMS.
        public let summaryBytes: Int
        /// ITEMS traffic both ways.
        public let itemBytes: Int
        /// Round trips until both sides knew what to send and lack.
        public let roundTrips: Int
        /// HELLO/STEP flights exchanged in total.
        public let flights: Int
    }

    /// Runs the exchange to its end.
    /// - Parameter chunk: deliver bytes in pieces of this size (1 = byte at a time); nil = whole frames.
    public static func run(initiator: inout SyncEndpoint, responder: inout SyncEndpoint, salt: [UInt8], chunk: Int? = nil) -> Report {
        var toResponder = initiator.start(salt: salt)
        var toInitiator: [[UInt8]] = []
        func deliver(_ frames: [[UInt8]], to endpoint: inout SyncEndpoint) -> [[UInt8]] {
            var replies: [[UInt8]] = []
            for frame in frames {
                if let chunk {
                    var start = 0
                    while start < frame.count {
                        replies += endpoint.receive(frame[start..<min(frame.count, start + chunk)])
                        start += chunk
                    }
                } else {
                    replies += endpoint.receive(frame)
                }
            }
            return replies
        }
        var guardCount = 0
        while !(toResponder.isEmpty && toInitiator.isEmpty) && guardCount < 10_000 {
            guardCount += 1
            toInitiator += deliver(toResponder, to: &responder)
            toResponder = []
            toResponder += deliver(toInitiator, to: &initiator)
            toInitiator = []
        }
        let outcome = initiator.outcome ?? responder.outcome
        return Report(initiator: initiator.outcome, responder: responder.outcome,
                      error: initiator.error ?? responder.error,
                      summaryBytes: initiator.summaryBytesSent + responder.summaryBytesSent,
                      itemBytes: initiator.itemBytesSent + responder.itemBytesSent,
                      roundTrips: max(initiator.outcome?.roundTrips ?? 0, responder.outcome?.roundTrips ?? 0, outcome == nil ? 0 : 1),
                      flights: (initiator.outcome.map { $0.flightsSent + $0.flightsReceived }) ?? 0)
    }
}
