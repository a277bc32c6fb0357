import LedgerCore

/// The one reconciliation state machine, used unchanged for bundles and for TCP.
///
/// Pure: it is fed messages and returns actions; it performs no I/O. A driver moves the
/// bytes (`SyncMessageCodec`), loads items to send (`sendItems`), and executes `commit`
/// through the injected atomic store. Items the peer sends are checked by the injected
/// verifier as they arrive and staged. A bundle's items are committed together when it
/// ends well and dropped entirely if it fails; an initiator or responder commits them a
/// batch at a time (`SyncLimits.commitBatchItems`/`commitBatchBytes`), so its memory holds
/// one batch, and a failure drops only the batch not yet committed (Specs/sync-protocol.md §5.4).
public struct ReconcileSession: Sendable {
    /// Which side of the exchange this is.
    public enum Role: Sendable, Hashable {
        /// Sends HELLO first.
        case initiator
        /// Answers a HELLO.
        case responder
        /// Reads a bundle's recorded flight: SUMMARY, ITEMS…, empty STEP (§5.5).
        case bundleReader
    }

    /// Where the exchange stands.
    public enum State: Sendable, Hashable {
        /// Waiting for `start` (initiator) or for HELLO / SUMMARY (responder, bundle reader).
        case idle
        /// Waiting for the peer's next flight.
        case awaitingPeer
        /// Done; both sides know what to send and lack, and the staged items were handed to `commit`.
        case finished
        /// Cut off; nothing staged will be committed.
        case failed
    }

    /// What the driver must do, in order.
    public enum Action: Sendable {
        /// Send this message to the peer.
        case send(SyncMessage)
        /// Load these items from the local store and send them as ITEMS messages
        /// (`SyncItemChunker`), before the next `send`.
        case sendItems([Hash32])
        /// Store these items atomically (all or none) through the injected store: one batch
        /// (mid-exchange, once a batch is full) or the last one (when the exchange ends well).
        case commit([SyncItem])
        /// The peer's summary, to persist as "last known summary of peer X" (bundles).
        case learnedPeerSummary(SummarySnapshot)
        /// The exchange ended well.
        case finished(SyncOutcome)
        /// The exchange failed; nothing from the peer may be stored.
        case failed(SyncError)
    }

    /// The role of this side.
    public let role: Role
    /// Where the exchange stands.
    public private(set) var state: State = .idle
    /// The caps applied to the peer.
    public let limits: SyncLimits
    /// Every id this side decided to send, in ascending id order (computed from a bitmap over
    /// the snapshot, one bit per id, so a session sending a whole ledger does not keep a
    /// second copy of its ids).
    public var sentIDs: [Hash32] {
        guard sentCount > 0 else { return [] }
        return set.ids(in: .root).enumerated().compactMap { sentBits.contains($0.offset) ? $0.element : nil }
    }
    /// How many ids this side decided to send so far.
    public private(set) var sentCount = 0
    /// Ranges and short ids this side asked the peer for (what it lacks, as far as it knows).
    public private(set) var requested: [RangeReport] = []
    /// Items received from the peer and staged or committed so far (for progress reports;
    /// the outcome's `received` is the authoritative count).
    public var stagedItemCount: Int { receivedCount }
    /// The most items one `commit` action carried so far (a bound that tests check).
    public private(set) var largestCommitBatch = 0

    private let set: ReconcilableSet
    private let verifier: any SyncItemVerifier
    private var comparison: RangeComparison?
    private var sentBits = BitSet()
    private var staged: [SyncItem] = []
    /// The first 8 bytes of every id staged and not yet committed (a bundle reader: of the
    /// whole bundle). Earlier batches are in the store, whose commit of an item it holds is a
    /// no-op, so a peer replaying one only makes the count of received items overcount; an
    /// honest peer sends each id once (§5.2). Two ids sharing 8 bytes is a 64-bit second
    /// preimage for an honest id; a peer that makes two of its own collide only gets its
    /// second item counted as held and left for the next exchange, which finds it again.
    private var stagedIDs = Set<UInt64>()
    /// Ids received, kept by a bundle reader only (its caller lists what a bundle imported);
    /// an initiator or responder hands them to its store batch by batch and keeps a count.
    private var receivedIDs: [Hash32] = []
    private var receivedCount = 0
    private var stagedBytes = 0
    private var batchBytes = 0
    private var alreadyHad = 0
    private var deferred = 0
    private var flightsSent = 0
    private var flightsReceived = 0
    private var lastReportFlight = 0

    /// Creates a session over a snapshot of the local set.
    /// - Parameters:
    ///   - set: the ids this site holds when the exchange starts.
    ///   - verifier: checks received items before they are staged.
    public init(role: Role, set: ReconcilableSet, verifier: any SyncItemVerifier, limits: SyncLimits = SyncLimits()) {
        self.role = role
        self.set = set
        self.verifier = verifier
        self.limits = limits
    }

    /// Opens the exchange (initiator only) with a fresh 16-byte random salt.
    public mutating func start(salt: [UInt8]) -> [Action] {
        guard role == .initiator, state == .idle, salt.count == SyncProtocol.saltLength else {
            return fail(SyncError(.unexpectedMessage, "start() needs an idle initiator and a 16-byte salt"))
        }
        let comparison = RangeComparison(set: set, salt: salt)
        self.comparison = comparison
        let reports = comparison.opening()
        requested.append(contentsOf: reports.filter { if case .ids(_, let l) = $0 { return l.isEmpty } else { return false } })
        state = .awaitingPeer
        flightsSent += 1
        lastReportFlight = flightsSent + flightsReceived
        return [.send(.hello(SyncHello(salt: salt, reports: reports)))]
    }

    /// Feeds one message from the peer.
    public mutating func receive(_ message: SyncMessage) -> [Action] {
        switch (message, state, role) {
        case (_, .finished, _), (_, .failed, _):
            return fail(SyncError(.unexpectedMessage, "message after the exchange ended"))
        case (.abort(let code), _, _):
            state = .failed
            staged = []
            batchBytes = 0
            return [.failed(SyncError(.peerAborted, "peer aborted the exchange with code \(code)"))]
        case (.hello(let hello), .idle, .responder):
            guard hello.salt.count == SyncProtocol.saltLength, !hello.reports.isEmpty else {
                return fail(SyncError(.malformedMessage, "HELLO needs a 16-byte salt and at least one report"))
            }
            comparison = RangeComparison(set: set, salt: hello.salt)
            return answer(hello.reports)
        case (.summary(let snapshot), .idle, .bundleReader):
            state = .awaitingPeer
            return [.learnedPeerSummary(snapshot)]
        case (.items(let items), .awaitingPeer, _):
            return stage(items)
        case (.step(let reports), .awaitingPeer, .bundleReader):
            guard reports.isEmpty else {
                return fail(SyncError(.unexpectedMessage, "a bundle's closing STEP must be empty"))
            }
            flightsReceived += 1
            return finish()
        case (.step(let reports), .awaitingPeer, _):
            return answer(reports)
        default:
            return fail(SyncError(.unexpectedMessage, "message type 0x\(String(message.typeByte, radix: 16)) is not accepted by a \(role) in state \(state)"))
        }
    }

    /// Ends the exchange from this side: the peer's bytes did not decode, an item to send
    /// could not be loaded, or the transport gave up. Nothing staged is committed.
    public mutating func abort(_ error: SyncError) -> [Action] {
        fail(error)
    }

    // MARK: - Flights

    private mutating func answer(_ reports: [RangeReport]) -> [Action] {
        guard let comparison else { return fail(SyncError(.unexpectedMessage, "STEP before HELLO")) }
        flightsReceived += 1
        guard flightsReceived <= limits.maxFlights else {
            return fail(SyncError(.tooManyRounds, "peer sent more than \(limits.maxFlights) flights"))
        }
        guard reports.allSatisfy(\.isWellFormed) else {
            return fail(SyncError(.malformedMessage, "a report breaks the grammar of Specs/sync-protocol.md §4.2"))
        }
        if !reports.isEmpty { lastReportFlight = flightsSent + flightsReceived }
        let (replies, toSend) = comparison.process(reports)
        let fresh = markSent(toSend)
        requested.append(contentsOf: replies.filter {
            switch $0 {
            case .need: return true
            case .ids(_, let list): return list.isEmpty
            case .children: return false
            }
        })
        var actions: [Action] = []
        if !fresh.isEmpty { actions.append(.sendItems(fresh)) }
        if reports.isEmpty && replies.isEmpty {
            // The peer closed and owes nothing more: commit what it sent.
            return actions + finish()
        }
        actions.append(.send(.step(replies)))
        flightsSent += 1
        if !replies.isEmpty { lastReportFlight = flightsSent + flightsReceived }
        if replies.isEmpty {
            // This flight closes the exchange: the peer's requests are answered and we ask nothing.
            return actions + finish()
        }
        state = .awaitingPeer
        return actions
    }

    /// Marks `ids` (all from the snapshot) as sent and returns those not sent before, without
    /// copying `ids` when none was (the usual case, and the whole ledger in a first sync).
    private mutating func markSent(_ ids: [Hash32]) -> [Hash32] {
        if sentBits.capacity == 0 && !ids.isEmpty { sentBits = BitSet(capacity: set.count) }
        var repeats: Set<Int> = []
        for (offset, id) in ids.enumerated() {
            // Every id chosen to send comes from the snapshot, so it has a rank.
            guard let rank = set.rank(of: id), sentBits.insert(rank) else { repeats.insert(offset); continue }
            sentCount += 1
        }
        guard !repeats.isEmpty else { return ids }
        return ids.enumerated().compactMap { repeats.contains($0.offset) ? nil : $0.element }
    }

    private mutating func stage(_ items: [SyncItem]) -> [Action] {
        var fresh: [SyncItem] = []
        var overCap = Set<Hash32>()
        for item in items {
            if set.contains(item.id) || stagedIDs.contains(item.id.w0) { alreadyHad += 1; continue }
            if stagedBytes + item.bytes.count > limits.maxStagedBytes {
                // Over the staging cap (§5.4): still verified, not kept; the next exchange fetches it.
                overCap.insert(item.id)
            } else {
                stagedBytes += item.bytes.count
                stagedIDs.insert(item.id.w0)
            }
            fresh.append(item)
        }
        guard !fresh.isEmpty else { return [] }
        do {
            try verifier.verify(fresh)
        } catch {
            let kept = role == .bundleReader ? "nothing it sent is stored" : "nothing it sent since the last commit batch is stored"
            return fail(SyncError(.itemRejected, "the peer sent an item that failed verification; \(kept)",
                                  itemID: fresh.count == 1 ? fresh[0].id : nil, underlying: error))
        }
        deferred += overCap.count
        var actions: [Action] = []
        for item in fresh where !overCap.contains(item.id) {
            staged.append(item)
            receivedCount += 1
            if role == .bundleReader { receivedIDs.append(item.id) }
            batchBytes += item.bytes.count
            // A full batch is committed at once (§5.4): at most `commitBatchItems` items, and
            // at most one item past `commitBatchBytes`.
            if role != .bundleReader, staged.count >= limits.commitBatchItems || batchBytes >= limits.commitBatchBytes {
                actions.append(takeBatch())
            }
        }
        return actions
    }

    /// Hands the staged items to `commit` and starts a new batch.
    private mutating func takeBatch() -> Action {
        let items = staged
        largestCommitBatch = max(largestCommitBatch, items.count)
        staged = []
        stagedIDs.removeAll(keepingCapacity: true)
        batchBytes = 0
        return .commit(items)
    }

    private mutating func finish() -> [Action] {
        state = .finished
        let outcome = SyncOutcome(received: receivedIDs, receivedCount: receivedCount, alreadyHad: alreadyHad, deferred: deferred, sent: sentCount,
                                  flightsSent: flightsSent, flightsReceived: flightsReceived,
                                  roundTrips: (lastReportFlight + 1) / 2)
        stagedIDs = []
        return [takeBatch(), .finished(outcome)]
    }

    private mutating func fail(_ error: SyncError) -> [Action] {
        let wasLive = state != .failed && state != .finished
        state = .failed
        staged = []
        stagedIDs = []
        batchBytes = 0
        let code: UInt16 = switch error.code {
        case .itemRejected: SyncProtocol.AbortCode.itemRejected
        case .limitExceeded, .oversizedMessage, .tooManyRounds: SyncProtocol.AbortCode.limitExceeded
        default: SyncProtocol.AbortCode.protocolError
        }
        return (wasLive && role != .bundleReader ? [.send(.abort(code: code))] : []) + [.failed(error)]
    }
}

/// What one exchange did, for the CLI's `received`/`sent`/`round_trips` and for logs.
public struct SyncOutcome: Sendable, Hashable {
    /// Ids of items received and handed to `commit`, new to this site, in arrival order — for
    /// a bundle reader only. An initiator or responder leaves it empty: its items went to the
    /// store a batch at a time (§5.4), and a list of every id would grow with the ledger.
    public let received: [Hash32]
    /// How many items were received and handed to `commit`, new to this site (every role).
    public let receivedCount: Int
    /// Items the peer sent that this site already held (replays, duplicates).
    public let alreadyHad: Int
    /// Verified items not kept because the exchange passed `SyncLimits.maxStagedBytes`;
    /// the next exchange fetches them (a first sync of a large ledger takes several).
    public let deferred: Int
    /// Items this side sent.
    public let sent: Int
    /// HELLO/STEP flights this side sent.
    public let flightsSent: Int
    /// HELLO/STEP flights this side received.
    public let flightsReceived: Int
    /// Round trips until both sides knew what to send and lack: half the flights up to the
    /// last one carrying a report, rounded up (the closing flight only delivers items).
    public let roundTrips: Int
}
