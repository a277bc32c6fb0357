import LedgerCore
import Testing
import TestSupport
@testable import LedgerSync

@Suite("The reconciliation state machine")
struct ReconcileSessionTests {
    @Test("identical sets settle in one round trip and under 200 bytes")
    func identicalSets() {
        var rng = SeededGenerator(seed: 1)
        for size in [0, 1, 32, 33, 5_000] {
            let items = randomItems(size, using: &rng)
            let a = MemorySite(items), b = MemorySite(items)
            let report = exchange(a, b)
            #expect(report.error == nil)
            #expect(report.roundTrips == 1, "size \(size)")
            #expect(report.summaryBytes < 200, "size \(size): \(report.summaryBytes) bytes")
            #expect(report.itemBytes == 0)
            #expect(a.commits == 1 && b.commits == 1)
        }
    }

    @Test("random differences both ways converge to the union, each side sending exactly what the other lacked")
    func randomDifferencesConverge() {
        for seed in UInt64(1)...40 {
            var rng = SeededGenerator(seed: seed)
            let shared = randomItems(Int(rng.next() % 3_000), using: &rng)
            let onlyA = randomItems(Int(rng.next() % 60), using: &rng)
            let onlyB = randomItems(Int(rng.next() % 60), using: &rng)
            let a = MemorySite(shared + onlyA), b = MemorySite(shared + onlyB)
            var initiator = SyncEndpoint(session: ReconcileSession(role: .initiator, set: a.set, verifier: HashCheckingVerifier()), provider: a, store: a)
            var responder = SyncEndpoint(session: ReconcileSession(role: .responder, set: b.set, verifier: HashCheckingVerifier()), provider: b, store: b)
            let report = LoopbackExchange.run(initiator: &initiator, responder: &responder, salt: rng.bytes(16),
                                              chunk: seed % 4 == 0 ? 1 : nil)
            #expect(report.error == nil, "seed \(seed)")
            #expect(a.set.rootHash == b.set.rootHash, "seed \(seed)")
            #expect(a.set.count == shared.count + onlyA.count + onlyB.count, "seed \(seed)")
            #expect(Set(initiator.session.sentIDs) == Set(onlyA.map(\.id)), "seed \(seed)")
            #expect(Set(responder.session.sentIDs) == Set(onlyB.map(\.id)), "seed \(seed)")
            #expect(report.initiator?.receivedCount == onlyB.count, "seed \(seed)")
        }
    }

    @Test("one difference in 100,000 ids is found in at most 3 round trips with little summary traffic")
    func oneDifference() {
        var rng = SeededGenerator(seed: 5)
        let ids = (0..<100_000).map { _ in Hash32(bytes: rng.bytes(32)) ?? .zero }
        let extra = makeItem(rng.bytes(40))
        for extraOnInitiator in [true, false] {
            let a = MemorySite(), b = MemorySite()
            let base = ReconcilableSet(ids)
            a.adopt(base); b.adopt(base)
            (extraOnInitiator ? a : b).add([extra])
            let report = exchange(a, b, salt: rng.bytes(16), verifier: AcceptAll())
            #expect(report.error == nil)
            #expect(report.roundTrips <= 3)
            #expect(report.summaryBytes < 1_000, "\(report.summaryBytes) bytes")
            #expect(a.set.rootHash == b.set.rootHash)
        }
    }

    @Test("a forged item cuts the peer off and nothing it sent in the exchange is stored")
    func forgedItemCutsPeerOff() {
        var rng = SeededGenerator(seed: 9)
        let shared = randomItems(100, using: &rng)
        var forged = randomItems(1, using: &rng)[0]
        forged = SyncItem(id: forged.id, bytes: [0xFF] + forged.bytes.dropFirst())
        let good = randomItems(20, using: &rng)
        let honest = MemorySite(shared)
        let liar = MemorySite(shared + good)
        liar.add([forged])
        let before = honest.state
        let report = exchange(honest, liar)
        #expect(report.error?.code == .itemRejected)
        #expect(honest.state == before)
        #expect(honest.commits == 0)
    }

    @Test("past the staging cap, items are verified but deferred to the next exchange, which completes the sync")
    func stagingCapDefers() {
        var rng = SeededGenerator(seed: 14)
        let a = MemorySite(), b = MemorySite(randomItems(50, size: 100, using: &rng))
        var limits = SyncLimits()
        limits.maxStagedBytes = 1_000
        var exchanges = 0
        while a.set.rootHash != b.set.rootHash && exchanges < 10 {
            var initiator = SyncEndpoint(session: ReconcileSession(role: .initiator, set: a.set, verifier: HashCheckingVerifier(), limits: limits), provider: a, store: a)
            var responder = SyncEndpoint(session: ReconcileSession(role: .responder, set: b.set, verifier: HashCheckingVerifier()), provider: b, store: b)
            let report = LoopbackExchange.run(initiator: &initiator, responder: &responder, salt: rng.bytes(16))
            #expect(report.error == nil)
            #expect((report.initiator?.receivedCount ?? 0) <= 10)
            exchanges += 1
        }
        #expect(a.set.rootHash == b.set.rootHash)
        #expect(exchanges == 5)
    }

    @Test("a failing store leaves the site unchanged and reports commit-failed")
    func failingStore() {
        var rng = SeededGenerator(seed: 10)
        let a = MemorySite(randomItems(10, using: &rng)), b = MemorySite(randomItems(10, using: &rng))
        a.failCommits = true
        let before = a.state
        let report = exchange(a, b)
        #expect(report.error?.code == .commitFailed)
        #expect(a.state == before)
    }

    @Test("messages out of order, a peer's ABORT and endless flights all end the exchange without a commit")
    func protocolViolations() {
        let set = ReconcilableSet()
        var responder = ReconcileSession(role: .responder, set: set, verifier: HashCheckingVerifier())
        let early = responder.receive(.step([]))
        #expect(early.contains { if case .send(.abort) = $0 { return true } else { return false } })
        #expect(early.contains { if case .failed(let e) = $0 { return e.code == .unexpectedMessage } else { return false } })
        #expect(responder.state == .failed)

        var initiator = ReconcileSession(role: .initiator, set: set, verifier: HashCheckingVerifier())
        _ = initiator.start(salt: Array(repeating: 1, count: 16))
        let aborted = initiator.receive(.abort(code: 2))
        #expect(aborted.contains { if case .failed(let e) = $0 { return e.code == .peerAborted } else { return false } })
        #expect(!aborted.contains { if case .commit = $0 { return true } else { return false } })

        var limits = SyncLimits()
        limits.maxFlights = 3
        var chatty = ReconcileSession(role: .initiator, set: ReconcilableSet((0..<100).map { Hash32(w0: UInt64($0) << 56, w1: 0, w2: 0, w3: 0) }),
                                      verifier: HashCheckingVerifier(), limits: limits)
        _ = chatty.start(salt: Array(repeating: 1, count: 16))
        var last: [ReconcileSession.Action] = []
        for _ in 0..<4 { last = chatty.receive(.step([.children(.root, present: 0xffff, fingerprints: Array(repeating: 0, count: 16))])) }
        #expect(chatty.state == .failed)
        #expect(last.contains { if case .failed(let e) = $0 { return e.code == .tooManyRounds } else { return false } })
    }

    @Test("a report whose fingerprints do not match its bitmap is refused, not trusted")
    func malformedReportValue() {
        var initiator = ReconcileSession(role: .initiator, set: ReconcilableSet(), verifier: HashCheckingVerifier())
        _ = initiator.start(salt: Array(repeating: 3, count: 16))
        let actions = initiator.receive(.step([.children(.root, present: 0xffff, fingerprints: [1])]))
        #expect(initiator.state == .failed)
        #expect(actions.contains { if case .failed(let e) = $0 { return e.code == .malformedMessage } else { return false } })
    }

    @Test("a HELLO answers with the responder's reports, pure and without I/O")
    func helloIsAnsweredPurely() {
        var rng = SeededGenerator(seed: 12)
        let items = randomItems(40, using: &rng)
        let a = MemorySite(items), b = MemorySite(Array(items.dropLast()))
        var initiator = ReconcileSession(role: .initiator, set: a.set, verifier: HashCheckingVerifier())
        var responder = ReconcileSession(role: .responder, set: b.set, verifier: HashCheckingVerifier())
        guard case .send(let hello)? = initiator.start(salt: rng.bytes(16)).first else { Issue.record("no HELLO"); return }
        let answer = responder.receive(hello)
        #expect(responder.state == .awaitingPeer)
        guard case .send(.step(let reports))? = answer.last else { Issue.record("no STEP"); return }
        #expect(!reports.isEmpty)
    }

    @Test("two different items from one author at the same position are both kept (fork evidence)")
    func forksAreKept() {
        let first = makeItem(Array("author=k1 seq=7 payload=A".utf8))
        let second = makeItem(Array("author=k1 seq=7 payload=B".utf8))
        let a = MemorySite([first]), b = MemorySite([second])
        let report = exchange(a, b)
        #expect(report.error == nil)
        #expect(a.items[first.id] != nil && a.items[second.id] != nil)
        #expect(b.items[first.id] != nil && b.items[second.id] != nil)
    }
}

/// Accepts everything (for traffic tests whose items are ids only).
struct AcceptAll: SyncItemVerifier {
    func verify(_ items: [SyncItem]) throws {}
}

extension MemorySite {
    /// Takes a prebuilt set of ids whose items are empty byte strings (traffic tests).
    func adopt(_ ids: ReconcilableSet) {
        for id in ids.sortedIDs { items[id] = [] }
        setIDs(ids)
    }
}
