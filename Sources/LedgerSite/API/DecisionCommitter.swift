import Dispatch
import Foundation
import LedgerConsent
import LedgerCore
import LedgerIndex
import LedgerSync
import Synchronization

/// Writes the API's `access.decision` entries in group commits (Specs/fhir-api.md §4.3).
///
/// Why: every consult is recorded before it is answered, and one commit (one `fdatasync`)
/// per consult caps a site at a few hundred consults a second. Everything here runs on the
/// serving ledger's queue: a consult decided there adds its payload with ``add(_:then:)``, and
/// the first one added schedules a commit behind the work already queued, so the commit writes
/// every payload decided before it runs (the consults that queued while the previous commit
/// waited for its `fdatasync`) at once. Each consult is answered only after the commit holding
/// its entry is durable, so recording-before-answering still holds.
///
/// The commits' tree heads are written at once but `fsync`ed at most every
/// ``treeHeadSyncDelay`` (`TreeHeadSync.deferred`, Specs/site-layout.md §3.1): on a disk
/// whose `fdatasync` takes 4 ms, a second sync per commit halved the consults a second.
///
/// A commit answers its consults as soon as the log holds their entries durably (with the
/// Merkle tree grown and the tree head written), then, in the same step on the queue, applies
/// them to the derived-state database, the sync set and the API state: the index's
/// transaction is off the answer's path, and no other request runs before it (a search sent
/// after an answer sees the decision). The index is told what each decision's payload
/// decodes to, so it does not parse it again.
final class DecisionCommitter: @unchecked Sendable {  // `pending`, `scheduled` and `headSyncScheduled` are touched only on the service's queue.
    /// How long a commit's tree head may wait for its `fsync`.
    static let treeHeadSyncDelay = DispatchTimeInterval.milliseconds(50)

    /// What a consult waits for: its entry once durable, or why it was not written.
    typealias Completion = (Result<Entry, any Error>) -> Void

    private let service: LedgerSyncService
    private let inFlight: ConsultsInFlight
    /// When the oldest pending payload was added.
    private var firstPending = DispatchTime.now()
    /// How long the last commit's log write (with its `fdatasync`) took, in nanoseconds.
    private var lastLogWrite: UInt64 = 0
    /// Told, on the queue, of each batch once durable (the API state absorbs it).
    private let committed: (SiteLedger, [Entry]) -> Void
    private var pending: [(payload: [UInt8], decision: AccessDecision?, completion: Completion)] = []
    private var scheduled = false
    private var headSyncScheduled = false

    /// A committer appending through `service`; `committed` is called on the ledger's queue
    /// with each batch it wrote, before the consults in it are told.
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
        guard !scheduled else { return }
        scheduled = true
        service.schedule { ledger, set in self.commit(ledger, &set) }
    }

    /// On the ledger's queue: writes every pending payload as one append (one `fdatasync`).
    ///
    /// Gathering (``CommitGathering``): with `n` clients each waiting for its answer before
    /// asking again, the answers of one commit come back while the next one runs, so without
    /// waiting the clients split into groups that take turns, each paying its own
    /// `fdatasync`. So while fewer payloads are pending than the most consults in flight since
    /// the last commit, the commit looks again after ``CommitGathering/step`` (the consults
    /// queued meanwhile are decided first) — but only as long as the wait stays shorter than
    /// the last commit's log write: on a disk that syncs faster than the wait, a second group
    /// costs less than waiting for it.
    private func commit(_ ledger: SiteLedger, _ set: inout ReconcilableSet) {
        let waited = DispatchTime.now().uptimeNanoseconds &- firstPending.uptimeNanoseconds
        if CommitGathering.shouldWait(pending: pending.count, expected: inFlight.peak, waitedNanos: waited, lastLogWriteNanos: lastLogWrite) {
            service.schedule(after: .nanoseconds(Int(CommitGathering.stepNanos))) { ledger, set in self.commit(ledger, &set) }
            return
        }
        inFlight.resetPeak()
        let batch = pending
        pending = []
        scheduled = false
        guard !batch.isEmpty else { return }
        let result = Result { () throws -> [Entry] in
            let written = try ledger.append(kind: AccessDecisionPayload.kind, payloads: batch.map(\.payload), treeHeadSync: .deferred,
                                            updatingIndex: false)
            lastLogWrite = ledger.lastLogWriteNanos
            guard written.count == batch.count else {
                throw SiteError(.unusableSite, "\(written.count) of \(batch.count) access.decision entries were written")
            }
            return written
        }
        scheduleHeadSync(ledger)
        switch result {
        case .success(let entries):
            for (item, entry) in zip(batch, entries) { item.completion(.success(entry)) }
            updateIndex(ledger, after: entries, of: batch)
            _ = set.insert(contentsOf: entries.map(\.id))
            committed(ledger, entries)
        case .failure(let error):
            for item in batch { item.completion(.failure(error)) }
        }
    }

    /// On the ledger's queue: applies a durable batch to the derived-state database (left
    /// behind by the append), telling a `SiteIndex` the decisions the payloads encode.
    private func updateIndex(_ ledger: SiteLedger, after entries: [Entry], of batch: [(payload: [UInt8], decision: AccessDecision?, completion: Completion)]) {
        guard let index = ledger.derivedStateIndex as? SiteIndex else { return ledger.updateIndex(afterCommitOf: entries) }
        var known: [[UInt8]: AccessDecision] = [:]
        for item in batch {
            if let decision = item.decision, AccessDecisionPayload.decodes(decision) { known[item.payload] = decision }
        }
        index.applying(knownDecisions: known) { ledger.updateIndex(afterCommitOf: entries) }
    }

    /// On the ledger's queue: makes the heads written since the last sync durable within
    /// ``treeHeadSyncDelay`` (one `fsync` for every commit in that time). A failed sync is
    /// tried again after the same delay; the entries are durable regardless.
    private func scheduleHeadSync(_ ledger: SiteLedger) {
        guard ledger.treeHeadsUnsynced, !headSyncScheduled else { return }
        headSyncScheduled = true
        service.schedule(after: Self.treeHeadSyncDelay) { ledger, _ in
            self.headSyncScheduled = false
            do { try ledger.syncTreeHeads() } catch { self.scheduleHeadSync(ledger) }
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
    /// stays within both ``limitNanos`` and the last commit's log write (`lastLogWriteNanos`;
    /// 0 before the first commit: no wait).
    static func shouldWait(pending: Int, expected: Int, waitedNanos: UInt64, lastLogWriteNanos: UInt64) -> Bool {
        guard pending < expected else { return false }
        let waitedAfterStep = waitedNanos &+ stepNanos
        return waitedAfterStep <= limitNanos && waitedAfterStep < lastLogWriteNanos
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
