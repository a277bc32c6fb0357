import LedgerCore

/// One side of an exchange with its injected store: runs a `ReconcileSession`'s actions
/// and turns them into frames to send. A transport only moves the frames.
///
/// This is the reference driver: the in-memory loopback, the benchmark and the TCP
/// transport all use it, so the state machine runs the same everywhere.
///
/// Memory (Specs/sync-protocol.md §5.4): what a flight sends waits in an outbox as ids, not
/// as bytes; ``nextFrames(maxBytes:)`` loads and encodes only as many items as fit the
/// budget, so a transport that pulls a batch, writes it and pulls again holds one batch of
/// items however many the flight sends. Received items are committed a batch at a time by
/// the session. ``receive(_:)`` and ``start(salt:)`` drain the outbox at once, for drivers
/// that hold whole flights anyway (the loopback, tests).
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
    /// The most items one ITEMS message carried so far (a bound that tests check).
    public private(set) var largestItemsMessage = 0
    /// The most frame bytes one ``nextFrames(maxBytes:)`` call returned so far.
    public private(set) var largestPull = 0

    /// Output not handed out yet, in order.
    private enum Pending {
        /// An encoded frame (HELLO, STEP, ABORT).
        case frame([UInt8])
        /// Items still to load and send: `ids[order[i]]` (or `ids[i]` without an order) for
        /// `i` from `next` on.
        case items([Hash32], order: [Int]?, next: Int)
    }

    private let provider: any SyncItemProvider
    private let store: any SyncItemStore
    private var decoder: SyncMessageDecoder
    private var outbox: [Pending] = []
    private var outboxStart = 0
    private let chunkBytes: Int

    /// Creates an endpoint.
    /// - Parameter chunkBytes: target body size of one ITEMS message (`SyncItemChunker`).
    public init(session: ReconcileSession, provider: any SyncItemProvider, store: any SyncItemStore,
                chunkBytes: Int = SyncItemChunker.defaultChunkBytes) {
        self.session = session
        self.provider = provider
        self.store = store
        self.decoder = SyncMessageDecoder(limits: session.limits)
        self.chunkBytes = max(1, chunkBytes)
    }

    /// Whether this side has finished or failed (its outbox may still hold frames to send).
    public var isDone: Bool { outcome != nil || error != nil }

    /// Whether frames are waiting for ``nextFrames(maxBytes:)``.
    public var hasPendingOutput: Bool { outboxStart < outbox.count }

    /// Starts the exchange (initiator); returns the frames to send.
    public mutating func start(salt: [UInt8]) -> [[UInt8]] {
        begin(salt: salt)
        return nextFrames(maxBytes: .max)
    }

    /// Feeds bytes from the peer (any split); returns the frames to send back.
    public mutating func receive<Bytes: Sequence>(_ bytes: Bytes) -> [[UInt8]] where Bytes.Element == UInt8 {
        feed(bytes)
        return nextFrames(maxBytes: .max)
    }

    /// Starts the exchange (initiator); the frames wait for ``nextFrames(maxBytes:)``.
    public mutating func begin(salt: [UInt8]) {
        perform(session.start(salt: salt))
    }

    /// Feeds bytes from the peer (any split); replies wait for ``nextFrames(maxBytes:)``.
    /// Received items are verified, and committed when a batch is full or the exchange ends.
    public mutating func feed<Bytes: Sequence>(_ bytes: Bytes) where Bytes.Element == UInt8 {
        guard !isDone else { return }
        let messages: [SyncMessage]
        do { messages = try decoder.feed(bytes) } catch {
            perform(session.abort(error))
            return
        }
        for message in messages where !isDone {
            perform(session.receive(message))
        }
    }

    /// The next frames to send, in order: whole frames until `maxBytes` is reached (always at
    /// least one when any is pending), loading the items of ITEMS messages only now.
    /// A provider that fails to load an item aborts the exchange; the ABORT frame follows.
    public mutating func nextFrames(maxBytes: Int) -> [[UInt8]] {
        var frames: [[UInt8]] = []
        var bytes = 0
        while outboxStart < outbox.count && (frames.isEmpty || bytes < maxBytes) {
            switch outbox[outboxStart] {
            case .frame(let frame):
                outbox[outboxStart] = .frame([])
                outboxStart += 1
                frames.append(frame)
                bytes += frame.count
            case .items(let ids, let order, let next):
                do {
                    let (frame, end) = try itemsFrame(ids, order: order, from: next)
                    outbox[outboxStart] = end < ids.count ? .items(ids, order: order, next: end) : .frame([])
                    if end >= ids.count { outboxStart += 1 }
                    frames.append(frame)
                    bytes += frame.count
                } catch {
                    outbox = []
                    outboxStart = 0
                    perform(session.abort(error))
                }
            }
        }
        if outboxStart == outbox.count {
            outbox = []
            outboxStart = 0
        }
        largestPull = max(largestPull, bytes)
        return frames
    }

    /// Loads items from `ids[start...]` until one ITEMS message's body reaches `chunkBytes`
    /// (a single larger item gets a message of its own) and encodes it.
    private mutating func itemsFrame(_ ids: [Hash32], order: [Int]?, from start: Int) throws(SyncError) -> (frame: [UInt8], end: Int) {
        var items: [SyncItem] = []
        var size = 0
        var index = start
        while index < ids.count {
            let item = try provider.item(for: ids[order?[index] ?? index], "to send")
            let cost = SyncItemChunker.cost(of: item)
            if !items.isEmpty && size + cost > chunkBytes { break }
            items.append(item)
            size += cost
            index += 1
        }
        let frame = SyncMessageCodec.encode(.items(items))
        itemBytesSent += frame.count
        largestItemsMessage = max(largestItemsMessage, items.count)
        return (frame, index)
    }

    private mutating func perform(_ actions: [ReconcileSession.Action]) {
        for action in actions {
            switch action {
            case .send(let message):
                let frame = SyncMessageCodec.encode(message)
                summaryBytesSent += frame.count
                outbox.append(.frame(frame))
            case .sendItems(let ids):
                let order = provider.sendingOrder(ids)
                // A provider's order must be a permutation of the positions; anything else is ignored.
                let valid = order.map { $0.count == ids.count && $0.allSatisfy { ids.indices.contains($0) } } ?? true
                outbox.append(.items(ids, order: valid ? order : nil, next: 0))
            case .commit(let items):
                do { try store.commit(items) } catch {
                    let failure = SyncError(.commitFailed, "storing a batch of the exchange's items failed; that batch was not stored",
                                            underlying: error)
                    if session.state == .awaitingPeer || session.state == .idle {
                        outbox = []
                        outboxStart = 0
                        perform(session.abort(failure))
                    }
                    self.error = failure
                    return
                }
            case .learnedPeerSummary:
                break
            case .finished(let outcome):
                self.outcome = outcome
            case .failed(let error):
                if self.error == nil { self.error = error }
            }
        }
    }
}
