import LedgerCore
import LedgerSync
import TestSupport
import Testing

/// `ReconcilableSet.rank(of:)`: the index a session's sent-id bitmap uses (Specs/sync-protocol.md §5.4).
@Suite("Ranks in the reconcilable set")
struct ReconcilableSetRankTests {
    @Test("every id's rank is its position in ascending order, and an absent id has none", arguments: [0, 1, 31, 33, 5_000])
    func rankIsPosition(count: Int) {
        var rng = SeededGenerator(seed: UInt64(count) + 7)
        let ids = (0..<count).map { _ in Hash32(bytes: rng.bytes(32)) ?? .zero }
        let set = ReconcilableSet(ids)
        let ordered = set.ids(in: .root)
        #expect(ordered == ids.sorted(), "seed \(rng.seed)")
        #expect(ordered.enumerated().allSatisfy { set.rank(of: $0.element) == $0.offset }, "seed \(rng.seed)")
        for _ in 0..<50 {
            let absent = Hash32(bytes: rng.bytes(32)) ?? .zero
            #expect(set.contains(absent) || set.rank(of: absent) == nil)
        }
    }

    @Test("ids sharing long prefixes (deep tries) still rank by position")
    func deepTrieRanks() {
        // 200 ids equal but for their last byte or two force leaves at depth 60+.
        let ids = (0..<200).map { Hash32(w0: 0xAB, w1: 0xCD, w2: 0xEF, w3: UInt64($0) * 0x0101) }
        let set = ReconcilableSet(ids)
        #expect(ids.sorted().enumerated().allSatisfy { set.rank(of: $0.element) == $0.offset })
    }
}
