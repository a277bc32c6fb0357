import Dispatch
import Foundation
import LedgerConsent
import LedgerCore
import LedgerIndex
import LedgerSync
import Synchronization

/// Writes the API's `access.decision` entries in group commits whose `fdatasync` runs off the
/// ledger's queue (Specs/fhir-api.md §4.3).
///
/// Why: every consult is recorded before it is answered, and one commit (one `fdatasync`)
/// per consult caps a site at a few hundred consults a second; and while a commit waits for
/// its `fdatasync` (1–4 ms) on the serving ledger's queue, no consult can be decided there.
/// So a commit is split (``SiteLedger/write(kind:payloads:)``, Specs/site-layout.md §3.2):
/// on the queue, a consult decided there adds its payload with ``add(_:decision:then:)``; a
/// commit step writes every pending payload as one batch (signed, compressed, `write(2)`,
/// no sync) and hands ``LogSyncer/sync()`` to ``syncQueue``, a thread of its own; the queue
/// goes on deciding consults meanwhile, and they gather in `pending`. When the sync returns,
/// a step on the queue takes the batch in (``SiteLedger/takeInDurable(treeHeadSync:)``:
/// counted, readable, in the Merkle tree, under a tree head), answers its consults in order,
/// applies it to the derived-state database, the sync set and the API state, and writes the
/// next batch. At most one batch is written and not yet durable: a batch is answered only
/// after an `fdatasync` that started after its write returned.
///
/// A failed sync (or write) answers every consult of its batch with the error and cuts the
/// written entries from the log (``SiteLedger/discardWritten()``): nothing not known durable
/// is acknowledged, applied, or built upon. A crash between write and sync leaves at most
/// that batch in the log, never answered (recovery keeps it if the disk had it).
///
/// The commits' tree heads are written at once but `fsync`ed at most every
/// ``treeHeadSyncDelay`` (`TreeHeadSync.deferred`, Specs/site-layout.md §3.1), off the queue.
final class DecisionCommitter: @unchecked Sendable {  // all `var`s are touched only on the service's queue.
    /// How long a commit's tree head may wait for its `fsync`.
    static let treeHeadSyncDelay = DispatchTimeInterval.milliseconds(50)

    /// What a consult waits for: its entry once durable, or why it was not written.
    typealias Completion = (Result<Entry, any Error>) -> Void
    /// One decided consult waiting for its commit.
    typealias Item = (payload: [UInt8], decision: AccessDecision?, completion: Completion)

    private let service: LedgerSyncService
    private let inFlight: ConsultsInFlight
    /// Where the log's `fdatasync` runs, so the ledger's queue never waits for the disk.
    private let syncQueue = DispatchQueue(label: "careledger.decision-sync", qos: .userInitiated)
    /// Where the deferred `fsync` of `heads.log` runs: neither the ledger's queue nor
    /// ``syncQueue`` (a batch's sync never waits behind it).
    private let headSyncQueue = DispatchQueue(label: "careledger.head-sync", qos: .utility)
    /// When the oldest pending payload was added.
    private var firstPending = DispatchTime.now()
    /// How long the last sync took, in nanoseconds (0 before the first).
    private var lastSyncNanos: UInt64 = 0
    /// Told, on the queue, of each batch once durable (the API state absorbs it).
    private let committed: (SiteLedger, [Entry]) -> Void
    private var pending: [Item] = []
    /// The batch written and waiting for its sync (at most one).
    private var syncing: (items: [Item], written: WrittenBatch)?
    private var scheduled = false
    private var headSyncScheduled = false
    /// Whether the derived-state database's checkpoints were moved off its commits.
    private var checkpointsMoved = false

    /// A committer appending through `service`; `committed` is called on the ledger's queue
    /// with each batch it wrote, once durable, after the consults in it are told.
    init(service: LedgerSyncService, inFlight: ConsultsInFlight, committed: @escaping (SiteLedger, [Entry]) -> Void) {
        self.service = service
        self.inFlight = inFlight
        self.committed = committed
    }

    /// On the ledger's queue: records `payload` in the next group commit and calls
    /// `completion` (on the queue) once it is durable or has failed. `decision`, when given,
    /// is the decision `payload` encodes (`AccessDecisionPayload.encode`).
    func add(_ payload: [UInt8], decision: AccessDecision? = nil, then completion: @escaping Completion) {
        if pending.isEmpty { firstPending = .now() }
        pending.append((payload, decision, completion))
        scheduleCommit()
    }

    /// On the ledger's queue: queues a commit step behind the work already queued, unless one
    /// is queued or a batch is syncing (its end starts the next).
    private func scheduleCommit() {
        guard !scheduled, syncing == nil, !pending.isEmpty else { return }
        scheduled = true
        service.schedule { ledger, _ in self.commit(ledger) }
    }

    /// On the ledger's queue: writes every pending payload as one batch and starts its sync.
    ///
    /// Gathering (``CommitGathering``): with `n` clients each waiting for its answer before
    /// asking again, the answers of one commit come back while the next one runs, so without
    /// waiting the clients split into groups that take turns, each paying its own
    /// `fdatasync`. So while fewer payloads are pending than the most consults in flight since
    /// the last commit, the commit looks again after ``CommitGathering/step`` (the consults
    /// queued meanwhile are decided first) — but only as long as the wait stays shorter than
    /// the last sync: on a disk that syncs faster than the wait, a second group costs less
    /// than waiting for it.
    private func commit(_ ledger: SiteLedger) {
        let waited = DispatchTime.now().uptimeNanoseconds &- firstPending.uptimeNanoseconds
        if CommitGathering.shouldWait(pending: pending.count, expected: inFlight.peak, waitedNanos: waited, lastSyncNanos: lastSyncNanos) {
            service.schedule(after: .nanoseconds(Int(CommitGathering.stepNanos))) { ledger, _ in self.commit(ledger) }
            return
        }
        scheduled = false
        guard syncing == nil, !pending.isEmpty else { return }
        if !checkpointsMoved {
            // The index's WAL checkpoints would otherwise run inside a commit on this queue.
            checkpointsMoved = true
            (ledger.derivedStateIndex as? SiteIndex)?.checkpointInBackground()
        }
        inFlight.resetPeak()
        let batch = pending
        pending = []
        let written: WrittenBatch
        do {
            written = try ledger.write(kind: AccessDecisionPayload.kind, payloads: batch.map(\.payload))
            guard written.entries.count == batch.count else {
                throw SiteError(.unusableSite, "\(written.entries.count) of \(batch.count) access.decision entries were written")
            }
        } catch {
            // The write cut its own batch; an earlier failed sync (of another writer's append)
            // left the log refusing writes until what it wrote unsynced is discarded.
            _ = try? ledger.discardWritten()
            for item in batch { item.completion(.failure(error)) }
            return scheduleCommit()
        }
        syncing = (batch, written)
        let syncer = ledger.logSyncer
        syncQueue.async {
            let started = DispatchTime.now().uptimeNanoseconds
            let result = Result { try syncer.sync() }
            let took = DispatchTime.now().uptimeNanoseconds &- started
            self.service.schedule { ledger, set in self.synced(result, took: took, ledger, &set) }
        }
    }

    /// On the ledger's queue, when the written batch's sync returned: takes it in and answers
    /// it (or fails it and cuts it), applies it, then writes the next batch.
    private func synced(_ result: Result<Void, any Error>, took: UInt64, _ ledger: SiteLedger, _ set: inout ReconcilableSet) {
        lastSyncNanos = took
        guard let (batch, written) = syncing else { return }
        syncing = nil
        let outcome = Result { () throws -> [Entry] in
            switch result {
            case .success:
                try ledger.takeInDurable(treeHeadSync: .deferred)
            case .failure(let error):
                // Cut what is not known durable; what another writer's sync covered stays.
                _ = try? ledger.discardWritten()
                guard ledger.entryCount >= written.end else { throw error }
            }
            guard ledger.entryCount >= written.end else {
                throw SiteError(.unusableSite, "a synced access.decision batch is not in the log")
            }
            return written.entries
        }
        scheduleHeadSync(ledger)
        switch outcome {
        case .success(let entries):
            for (item, entry) in zip(batch, entries) { item.completion(.success(entry)) }
            updateIndex(ledger, after: entries, endingAt: written.end, of: batch)
            _ = set.insert(contentsOf: entries.map(\.id))
            committed(ledger, entries)
        case .failure(let error):
            for item in batch { item.completion(.failure(error)) }
        }
        scheduleCommit()
    }

    /// On the ledger's queue: applies a durable batch to the derived-state database (left
    /// behind by the write), telling a `SiteIndex` the decisions the payloads encode. When
    /// other entries followed the batch into the log (an ingest whose sync covered it), the
    /// index catches up from the log instead.
    private func updateIndex(_ ledger: SiteLedger, after entries: [Entry], endingAt end: Int, of batch: [Item]) {
        guard end == ledger.entryCount else {
            try? ledger.catchUpIndex()  // a failure is caught up at the next commit or open
            return
        }
        guard let index = ledger.derivedStateIndex as? SiteIndex else { return ledger.updateIndex(afterCommitOf: entries) }
        var known: [[UInt8]: AccessDecision] = [:]
        for item in batch {
            if let decision = item.decision, AccessDecisionPayload.decodes(decision) { known[item.payload] = decision }
        }
        index.applying(knownDecisions: known) { ledger.updateIndex(afterCommitOf: entries) }
    }

    /// On the ledger's queue: makes the heads written since the last sync durable within
    /// ``treeHeadSyncDelay`` (one `fsync` for every commit in that time), on ``headSyncQueue``:
    /// the queue only takes the syncer and, when the `fsync` returned, marks the heads it
    /// covered. Heads written meanwhile, or a failed sync, are synced again after the same
    /// delay; the entries are durable regardless.
    private func scheduleHeadSync(_ ledger: SiteLedger) {
        guard ledger.treeHeadsUnsynced, !headSyncScheduled else { return }
        headSyncScheduled = true
        service.schedule(after: Self.treeHeadSyncDelay) { ledger, _ in
            guard let syncer = ledger.treeHeadSyncer() else {
                self.headSyncScheduled = false
                return
            }
            self.headSyncQueue.async {
                let result = Result { try syncer.sync() }
                self.service.schedule { ledger, _ in
                    self.headSyncScheduled = false
                    if case .success = result { ledger.treeHeadsSynced(by: syncer) }
                    self.scheduleHeadSync(ledger)
                }
            }
        }
    }
}

/// When a group commit waits for more consults (Specs/fhir-api.md §4.3): a pure rule, so
/// tests pin it exactly.
enum CommitGathering {
    /// The longest a commit waits for the consults it expects.
    static let limitNanos: UInt64 = 1_000_000
    /// How often a waiting commit looks again.
    static let stepNanos: UInt64 = 100_000

    /// Whether a commit with `pending` payloads, expecting `expected` (the most consults in
    /// flight since the last commit), whose oldest payload has waited `waitedNanos`, waits one
    /// more step: only while fewer are pending than expected and the wait, one step longer,
    /// stays within both ``limitNanos`` and the last commit's `fdatasync` (`lastSyncNanos`;
    /// 0 before the first commit: no wait).
    static func shouldWait(pending: Int, expected: Int, waitedNanos: UInt64, lastSyncNanos: UInt64) -> Bool {
        guard pending < expected else { return false }
        let waitedAfterStep = waitedNanos &+ stepNanos
        return waitedAfterStep <= limitNanos && waitedAfterStep < lastSyncNanos
    }
}

/// Consults received and not yet answered, and the most at once since the last commit: what a
/// group commit can expect to gather (Specs/fhir-api.md §4.3).
final class ConsultsInFlight: Sendable {
    private let counts = Mutex((inFlight: 0, highest: 0))

    /// A consult arrived.
    func enter() {
        counts.withLock { counts in
            counts.inFlight += 1
            counts.highest = max(counts.highest, counts.inFlight)
        }
    }

    /// A consult was answered.
    func leave() { counts.withLock { $0.inFlight -= 1 } }

    /// The most consults in flight at once since the last ``resetPeak()``.
    var peak: Int { counts.withLock { $0.highest } }

    /// Starts a new period: the peak is the count in flight now.
    func resetPeak() { counts.withLock { $0.highest = $0.inFlight } }
}
