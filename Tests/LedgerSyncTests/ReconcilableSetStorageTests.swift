import LedgerCore
import Testing
import TestSupport
@testable import LedgerSync

/// The set's compact storage (Specs/sync-protocol.md §3.4): leaves in pools by size, nodes in
/// chunks. Whatever order ids arrive in, the set is the same, and it stays small.
@Suite("The reconcilable set's storage")
struct ReconcilableSetStorageTests {
    static func ids(_ count: Int, seed: UInt64) -> [Hash32] {
        var rng = SeededGenerator(seed: seed)
        return (0..<count).map { _ in Hash32(bytes: rng.bytes(32)) ?? .zero }
    }

    @Test("one id at a time, in batches of 16 after a bulk half, and all at once give the same ids, ranks, digests and a sound storage",
          arguments: [1, 33, 600, 5_000])
    func everyWayOfGrowingAgrees(size: Int) {
        for seed in UInt64(1)...4 {
            var rng = SeededGenerator(seed: seed)
            let ids = Self.ids(size, seed: seed)
            var oneByOne = ReconcilableSet()
            for id in ids.shuffled(using: &rng) { oneByOne.insert(id) }
            var batched = ReconcilableSet(ids.prefix(size / 2))
            var next = size / 2
            while next < size {
                batched.insert(contentsOf: ids[next..<min(next + 16, size)] + ids.prefix(1))
                next += 16
            }
            let bulk = ReconcilableSet(ids + ids.prefix(3))
            let sorted = ids.sorted()
            for set in [oneByOne, batched, bulk] {
                #expect(set.storageProblems() == [], "seed \(seed)")
                #expect(set.rootHash == referenceHash(ids, depth: 0), "seed \(seed)")
                #expect(set.sortedIDs == sorted, "seed \(seed)")
                for (rank, id) in sorted.enumerated() where rank % 7 == 0 { #expect(set.rank(of: id) == rank, "seed \(seed)") }
                for id in ids.prefix(8) {
                    for depth in [1, 2, 3, 4] {
                        let prefix = IdPrefix(of: id, depth: depth)
                        #expect(set.digest(of: prefix)?.hash == referenceHash(sorted.filter(prefix.contains), depth: depth), "seed \(seed) \(prefix)")
                    }
                }
            }
        }
    }

    @Test("a copy held elsewhere (a session's snapshot) keeps its ids while the original grows")
    func copiesAreValues() {
        let ids = Self.ids(3_000, seed: 9)
        var grown = ReconcilableSet(ids.prefix(2_000))
        let snapshot = grown
        let root = snapshot.rootHash
        grown.insert(contentsOf: ids.suffix(1_000))
        #expect(snapshot.rootHash == root && snapshot.count == 2_000 && snapshot.storageProblems() == [])
        #expect(snapshot.sortedIDs == ids.prefix(2_000).sorted())
        #expect(grown.count == 3_000 && grown.storageProblems() == [])
    }

    /// 200,000 random ids put about 49 in each depth-3 range, so nearly every one is split into
    /// leaves of about 3 ids: the most nodes per id the shape ever has (at 10^6 ids a leaf holds
    /// about 15, and `careledger-bench set-memory` measures 37–39 bytes an id).
    @Test("the storage holds at most 52 bytes an id, built at once or grown by batches, even where most leaves hold two or three ids",
          arguments: [200_000])
    func storageIsCompact(size: Int) {
        let ids = Self.ids(size, seed: 5)
        var grown = ReconcilableSet(ids.prefix(size / 2))
        var next = size / 2
        while next < size {
            grown.insert(contentsOf: ids[next..<min(next + 16, size)])
            next += 16
        }
        for set in [ReconcilableSet(ids), grown] {
            let perID = Double(set.storageBytes) / Double(set.count)
            #expect(perID <= 52, "\(perID) bytes an id at \(size) ids")
            #expect(perID >= 32, "an id is 32 bytes: the count is wrong")
        }
    }
}
