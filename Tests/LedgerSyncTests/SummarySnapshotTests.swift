import LedgerCore
import Testing
import TestSupport
@testable import LedgerSync

@Suite("Summary snapshots")
struct SummarySnapshotTests {
    @Test("a peer's snapshot selects what it lacks, at range granularity, and nothing when in sync")
    func idsLackingIsTight() {
        for seed in UInt64(1)...10 {
            var rng = SeededGenerator(seed: seed)
            let shared = (0..<5_000).map { _ in Hash32(bytes: rng.bytes(32)) ?? .zero }
            let extra = (0..<Int(rng.next() % 5)).map { _ in Hash32(bytes: rng.bytes(32)) ?? .zero }
            let peer = ReconcilableSet(shared)
            let mine = ReconcilableSet(shared + extra)
            let snapshot = SummarySnapshot(of: peer, salt: rng.bytes(16))
            let chosen = snapshot.idsLacking(from: mine)
            #expect(Set(chosen).isSuperset(of: extra), "seed \(seed)")
            #expect(chosen.count <= extra.count * 33, "seed \(seed): \(chosen.count) for \(extra.count)")
            #expect(SummarySnapshot(of: mine, salt: rng.bytes(16)).idsLacking(from: mine).isEmpty)
        }
    }

    @Test("snapshots cut at different depths still compare range by range")
    func differentCuts() {
        var rng = SeededGenerator(seed: 4)
        let ids = (0..<3_000).map { _ in Hash32(bytes: rng.bytes(32)) ?? .zero }
        let extra = Hash32(bytes: rng.bytes(32)) ?? .zero
        let peer = ReconcilableSet(ids)
        let mine = ReconcilableSet(ids + [extra])
        for limit in [1, 5, 32, 100, 5_000] {
            let chosen = SummarySnapshot(of: peer, salt: rng.bytes(16), maxRangeCount: limit).idsLacking(from: mine)
            #expect(chosen.contains(extra), "limit \(limit)")
            #expect(chosen.count <= max(limit, 1) + 1, "limit \(limit)")
        }
    }

    @Test("a snapshot and a peer-summary record round-trip through their encodings")
    func encodingRoundTrip() throws {
        var rng = SeededGenerator(seed: 6)
        for size in [0, 1, 40, 2_000] {
            let set = ReconcilableSet((0..<size).map { _ in Hash32(bytes: rng.bytes(32)) ?? .zero })
            let record = PeerSummaryRecord(peer: Hash32(bytes: rng.bytes(32)) ?? .zero,
                                           asOf: HybridTimestamp(wallMillis: rng.next() >> 20, counter: 1),
                                           snapshot: SummarySnapshot(of: set, salt: rng.bytes(16), maxRangeCount: 8))
            #expect(try PeerSummaryRecord(decoding: record.encoded()) == record, "size \(size)")
            #expect(throws: SyncError.self) { try PeerSummaryRecord(decoding: record.encoded().dropLast()) }
        }
    }
}
