import LedgerCore
import LedgerSync
import TestSupport
import Testing

/// Specs/sync-protocol.md §5.4: an interactive exchange holds one commit batch of received
/// items and one pull of items to send, never the whole difference.
@Suite("Bounded exchanges")
struct BoundedExchangeTests {
    /// A memory site that records each commit batch and the order items arrived in, and sends
    /// in the order `order` gives.
    final class RecordingSite: SyncItemStore, SyncItemProvider {
        let site: MemorySite
        let order: ([Hash32]) -> [Hash32]
        private(set) var batches: [Int] = []
        private(set) var arrivals: [Hash32] = []

        init(_ items: [SyncItem] = [], order: @escaping ([Hash32]) -> [Hash32] = { $0 }) {
            site = MemorySite(items)
            self.order = order
        }

        func commit(_ items: [SyncItem]) throws {
            try site.commit(items)
            batches.append(items.count)
            arrivals += items.map(\.id)
        }

        func itemBytes(for id: Hash32) throws -> [UInt8]? { try site.itemBytes(for: id) }

        func sendingOrder(_ ids: [Hash32]) -> [Int]? {
            let wanted = order(ids)
            let position = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
            return wanted.compactMap { position[$0] }
        }
    }

    /// Drives two endpoints as the TCP transport does: each side's reply is pulled `pullBytes`
    /// at a time and delivered before the next pull.
    static func run(_ initiator: inout SyncEndpoint, _ responder: inout SyncEndpoint, pullBytes: Int) {
        initiator.begin(salt: Array(repeating: 5, count: 16))
        var rounds = 0
        while (initiator.hasPendingOutput || responder.hasPendingOutput) && rounds < 100_000 {
            rounds += 1
            for frame in initiator.nextFrames(maxBytes: pullBytes) { responder.feed(frame) }
            for frame in responder.nextFrames(maxBytes: pullBytes) { initiator.feed(frame) }
        }
    }

    static func endpoints(_ empty: RecordingSite, _ full: RecordingSite, limits: SyncLimits,
                          chunkBytes: Int) -> (SyncEndpoint, SyncEndpoint) {
        (SyncEndpoint(session: ReconcileSession(role: .initiator, set: empty.site.set, verifier: HashCheckingVerifier(), limits: limits),
                      provider: empty, store: empty, chunkBytes: chunkBytes),
         SyncEndpoint(session: ReconcileSession(role: .responder, set: full.site.set, verifier: HashCheckingVerifier(), limits: limits),
                      provider: full, store: full, chunkBytes: chunkBytes))
    }

    @Test("a first sync of 3,000 items commits batches of at most the cap and sends bounded messages and pulls")
    func firstSyncIsBounded() {
        var rng = SeededGenerator(seed: 18)
        let items = randomItems(3_000, size: 100, using: &rng)
        let empty = RecordingSite(), full = RecordingSite(items)
        var limits = SyncLimits()
        limits.commitBatchItems = 100
        var (initiator, responder) = Self.endpoints(empty, full, limits: limits, chunkBytes: 2_048)
        Self.run(&initiator, &responder, pullBytes: 8_192)

        #expect(initiator.error == nil && responder.error == nil, "seed \(rng.seed)")
        #expect(empty.site.set.rootHash == full.site.set.rootHash)
        #expect(initiator.outcome?.receivedCount == 3_000)
        #expect(empty.batches.allSatisfy { $0 <= 100 }, "\(empty.batches)")
        #expect(empty.batches.reduce(0, +) == 3_000 && empty.batches.count >= 30)
        #expect(initiator.session.largestCommitBatch == 100)
        // One ITEMS message: 2,048 body bytes of 137-byte items (id, length, bytes) is 14 items.
        #expect(responder.largestItemsMessage == 14)
        // A pull stops at the first frame that reaches the budget: at most one message over.
        #expect(responder.largestPull < 8_192 + 2_048 + 64, "\(responder.largestPull)")
        #expect(responder.itemBytesSent > 40 * responder.largestPull, "the flight was never held whole")
        #expect(!initiator.hasPendingOutput && !responder.hasPendingOutput)
    }

    @Test("the same exchange drained at once holds the whole flight: what the bound above rules out")
    func drainedExchangeIsWhole() {
        var rng = SeededGenerator(seed: 18)
        let empty = RecordingSite(), full = RecordingSite(randomItems(3_000, size: 100, using: &rng))
        var (initiator, responder) = Self.endpoints(empty, full, limits: SyncLimits(), chunkBytes: 2_048)
        _ = LoopbackExchange.run(initiator: &initiator, responder: &responder, salt: Array(repeating: 5, count: 16))
        #expect(responder.largestPull >= 3_000 * 132, "every item (its id, length and 100 bytes) in one pull")
        #expect(empty.batches == [2_048, 952], "the default cap still splits the commit")
    }

    @Test("a peer cut off after some batches leaves the committed batches stored and drops only the open one")
    func failureKeepsCommittedBatches() {
        var rng = SeededGenerator(seed: 19)
        let good = randomItems(1_000, size: 100, using: &rng)
        let plain = randomItems(1, size: 100, using: &rng)[0]
        let forged = SyncItem(id: plain.id, bytes: [0xFF] + plain.bytes.dropFirst())
        // The liar sends its forged item last.
        let liar = RecordingSite(good + [forged]) { ids in ids.sorted { ($0 == forged.id ? 1 : 0, $0) < ($1 == forged.id ? 1 : 0, $1) } }
        let honest = RecordingSite()
        var limits = SyncLimits()
        limits.commitBatchItems = 100
        var (initiator, responder) = Self.endpoints(honest, liar, limits: limits, chunkBytes: 2_048)
        Self.run(&initiator, &responder, pullBytes: 8_192)

        #expect(initiator.error?.code == .itemRejected)
        #expect(honest.site.items[forged.id] == nil)
        let stored = honest.site.items.count
        #expect(stored % 100 == 0 && stored >= 800 && stored < 1_000, "\(stored) stored")
        #expect(honest.batches.allSatisfy { $0 == 100 })
    }

    @Test("a flight is sent in the order the provider gives")
    func sendingOrderIsKept() {
        var rng = SeededGenerator(seed: 20)
        let items = randomItems(500, size: 60, using: &rng)
        let empty = RecordingSite(), full = RecordingSite(items) { $0.sorted(by: >) }
        var (initiator, responder) = Self.endpoints(empty, full, limits: SyncLimits(), chunkBytes: 1_024)
        Self.run(&initiator, &responder, pullBytes: 4_096)
        #expect(empty.arrivals == items.map(\.id).sorted(by: >))
    }

    @Test("a bundle reader commits everything as one batch whatever the batch cap")
    func bundleReaderCommitsOnce() {
        var rng = SeededGenerator(seed: 21)
        let items = randomItems(300, using: &rng)
        var limits = SyncLimits()
        limits.commitBatchItems = 10
        var session = ReconcileSession(role: .bundleReader, set: ReconcilableSet(), verifier: HashCheckingVerifier(), limits: limits)
        var commits: [Int] = []
        let messages: [SyncMessage] = [.summary(SummarySnapshot(of: ReconcilableSet(items.map(\.id)), salt: Array(repeating: 1, count: 16)))]
            + stride(from: 0, to: 300, by: 50).map { .items(Array(items[$0..<$0 + 50])) } + [.step([])]
        for message in messages {
            for case .commit(let batch) in session.receive(message) { commits.append(batch.count) }
        }
        #expect(session.state == .finished)
        #expect(commits == [300])
    }
}
