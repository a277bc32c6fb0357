import Foundation
import Dispatch
import LedgerCore
import LedgerNet
import LedgerSync

/// The one writer of a site's ledger while it syncs over TCP: every ledger access of every
/// session runs on one serial queue, off the cooperative pool (blocking fsyncs) and never
/// concurrently (one writer per data folder).
public final class LedgerSyncService: @unchecked Sendable {  // all state is touched only on `queue`.
    private let queue = DispatchQueue(label: "careledger.ledger-writer")
    private let ledger: SiteLedger
    private var set: ReconcilableSet

    /// Takes ownership of `ledger`: from here on only the writer queue touches it.
    /// - Throws: what reading the ledger's id set throws.
    public init(ledger: SiteLedger) throws {
        // Sync moves megabyte buffers; keep the resident size near what is live (§7.3.2).
        HeapTrim.preferReturningLargeBuffers()
        self.ledger = ledger
        self.set = try ledger.reconcilableSet()
    }

    /// Runs `body` on the writer queue with the ledger and the current id set.
    public func withLedger<T: Sendable>(_ body: @escaping @Sendable (SiteLedger, inout ReconcilableSet) throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            queue.async {
                continuation.resume(with: Result { try body(self.ledger, &self.set) })
            }
        }
    }

    /// Runs `body` on the writer queue after the work already queued, without waiting for it:
    /// for work that reports through its own callbacks (the HTTP API's group commit).
    public func schedule(_ body: @escaping @Sendable (SiteLedger, inout ReconcilableSet) -> Void) {
        queue.async { body(self.ledger, &self.set) }
    }

    /// Runs `body` on the writer queue once `delay` has passed (then after the work queued by
    /// that time), without waiting for it: the group commit's deferred tree-head sync.
    public func schedule(after delay: DispatchTimeInterval, _ body: @escaping @Sendable (SiteLedger, inout ReconcilableSet) -> Void) {
        queue.asyncAfter(deadline: .now() + delay) { body(self.ledger, &self.set) }
    }

    /// Runs `body` on the writer queue and blocks the calling thread until it is done: for
    /// threads of their own (the control socket's), never for the cooperative pool.
    public func withLedgerBlocking<T>(_ body: (SiteLedger, inout ReconcilableSet) throws -> T) throws -> T {
        try queue.sync { try body(ledger, &set) }
    }

    /// A conversation for one session, in the given role.
    /// - Parameter progress: told, on the writer queue after each message, how many entries
    ///   were received (staged, then committed) and decided to be sent so far.
    public func conversation(role: ReconcileSession.Role, peer: PeerIdentity,
                              progress: (@Sendable (_ received: Int, _ sent: Int) -> Void)? = nil) async throws -> LedgerConversation {
        let (endpoint, store) = try await withLedger { ledger, set in
            let store = LedgerItemStore(ledger: ledger, keeping: .ids)
            let endpoint = SyncEndpoint(
                session: ReconcileSession(role: role, set: set, verifier: EntryItemVerifier(networkID: ledger.networkID)),
                provider: store, store: store)
            return (UncheckedBox(endpoint), UncheckedBox(store))
        }
        return LedgerConversation(service: self, endpoint: endpoint, store: store, role: role, peer: peer, progress: progress)
    }
}

/// Holds a non-Sendable value that is only ever touched on the ledger writer queue.
final class UncheckedBox<Value>: @unchecked Sendable {  // confined to LedgerSyncService.queue.
    var value: Value
    init(_ value: Value) { self.value = value }
}

/// The reconciliation state machine as a TCP conversation: each message is fed to the
/// same `SyncEndpoint` that bundles use, on the ledger's writer queue.
///
/// Memory (Specs/sync-protocol.md §5.4, Specs/sync-transport.md §7.3): a reply is handed to
/// the transport at most ``replyBatchBytes`` at a time (`more` until the last batch), the
/// items in it loaded only then; received entries are committed a batch at a time and the
/// writer's id set learns each batch's ids as it is stored, so neither side holds a whole
/// ledger's entries however large the difference.
public struct LedgerConversation: SyncConversation {
    /// Frame bytes handed to the transport per step: about one ITEMS message.
    public static let replyBatchBytes = 1 << 20

    let service: LedgerSyncService
    let endpoint: UncheckedBox<SyncEndpoint>
    let store: UncheckedBox<LedgerItemStore>
    let role: ReconcileSession.Role
    let peer: PeerIdentity
    let progress: (@Sendable (_ received: Int, _ sent: Int) -> Void)?

    /// The first messages, when this side initiates.
    public mutating func start() async throws -> ConversationStep {
        guard role == .initiator else { return ConversationStep() }
        let endpoint = self.endpoint
        return try await service.withLedger { _, _ in
            endpoint.value.begin(salt: SyncProtocol.freshSalt())
            return try Self.step(endpoint.value.nextFrames(maxBytes: Self.replyBatchBytes), endpoint.value)
        }
    }

    /// Feeds one message to the state machine; returns the first batch of the reply.
    public mutating func receive(_ message: [UInt8]) async throws -> ConversationStep {
        let endpoint = self.endpoint, store = self.store
        let role = self.role, peerName = peer.name, progress = self.progress
        return try await service.withLedger { ledger, set in
            endpoint.value.feed(message)
            Self.learnStored(store.value, ledger: ledger, into: &set, peerName: peerName)
            let session = endpoint.value.session
            progress?(endpoint.value.outcome?.receivedCount ?? session.stagedItemCount, session.sentCount)
            return try Self.next(endpoint, ledger: ledger, role: role, peerName: peerName)
        }
    }

    /// The next batch of the reply in progress.
    public mutating func pull() async throws -> ConversationStep {
        let endpoint = self.endpoint
        let role = self.role, peerName = peer.name
        return try await service.withLedger { ledger, _ in
            try Self.next(endpoint, ledger: ledger, role: role, peerName: peerName)
        }
    }

    /// Read after the session ended, when nothing mutates the endpoint any more.
    public var logSummary: [String: String] {
        let outcome = endpoint.value.outcome
        return ["entries_in": "\(outcome?.receivedCount ?? 0)", "entries_out": "\(outcome?.sent ?? 0)"]
    }

    /// The outcome once finished.
    public var outcome: LedgerSync.SyncOutcome? { endpoint.value.outcome }

    /// Adds the ids committed since the last call (and any quarantined entries) to the writer's
    /// id set, so other sessions see what this one stored, even if it fails later.
    private static func learnStored(_ store: LedgerItemStore, ledger: SiteLedger, into set: inout ReconcilableSet, peerName: String) {
        let stored = store.takeStored()
        if !stored.ids.isEmpty { set.insert(contentsOf: stored.ids) }
        // This site's own entries coming back: it was restored from a backup (Specs/site-layout.md §6.2).
        let recovered = ledger.ownEntries(among: stored.ids)
        if recovered > 0 { try? ledger.recordRestore(recovered: recovered, from: "tcp " + peerName) }
        guard stored.quarantined else { return }
        for held in ledger.quarantined where !set.contains(held.entry.id) { set.insert(held.entry.id) }
    }

    /// The next batch of frames; on the last one of a finished exchange, records the run
    /// (responder) in the sync history.
    private static func next(_ endpoint: UncheckedBox<SyncEndpoint>, ledger: SiteLedger, role: ReconcileSession.Role,
                             peerName: String) throws -> ConversationStep {
        let batch = try step(endpoint.value.nextFrames(maxBytes: replyBatchBytes), endpoint.value)
        if batch.finished, role == .responder, let outcome = endpoint.value.outcome {
            try ledger.appendHistory(SyncRun(time: RFC3339.string(from: Date()), transport: "tcp-served", peer: peerName,
                                             received: outcome.receivedCount, sent: outcome.sent, ok: true), to: SyncRun.historyFile)
        }
        return batch
    }

    private static func step(_ frames: [[UInt8]], _ endpoint: SyncEndpoint) throws -> ConversationStep {
        if let error = endpoint.error { throw error }
        let more = endpoint.hasPendingOutput
        return ConversationStep(send: frames, finished: endpoint.isDone && !more, more: more)
    }
}
