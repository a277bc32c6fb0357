import LedgerCore
import LedgerSite
import TestSupport
import Testing

@Suite("audit analysis building blocks")
struct AuditBuildingBlockTests {
    static func id(_ n: UInt64) -> Hash32 { Hash32(w0: n, w1: 0, w2: 0, w3: 0) }
    static func node(_ consent: String, _ n: UInt64, at millis: UInt64, supersedes: [UInt64] = []) -> VersionNode {
        VersionNode(consent: consent, id: id(n), time: HybridTimestamp(wallMillis: millis, counter: 0), supersedes: supersedes.map(id))
    }

    @Test("a conflict opens with concurrent heads and is resolved by a version superseding them")
    func conflictOpensAndResolves() {
        let versions = [Self.node("p/c1", 1, at: 1000), Self.node("p/c1", 2, at: 2000, supersedes: [1]), Self.node("p/c1", 3, at: 2500, supersedes: [1]),
                        Self.node("p/c1", 4, at: 4000, supersedes: [2, 3])]
        let episodes = ConflictTimeline.episodes(versions)
        #expect(episodes.count == 1)
        #expect(episodes.first?.heads == 2)
        #expect(episodes.first?.openMs == 1500)
        #expect(episodes.first?.resolvedBy == Self.id(4).hex)
    }

    @Test("the time line is the same whatever order the versions arrive in")
    func timelineIgnoresArrivalOrder() {
        var versions = [Self.node("p/c1", 1, at: 1000), Self.node("p/c1", 2, at: 2000, supersedes: [1]), Self.node("p/c1", 3, at: 2500, supersedes: [1]),
                        Self.node("p/c1", 5, at: 2600), Self.node("p/c1", 4, at: 4000, supersedes: [2, 3]), Self.node("p/c2", 7, at: 100), Self.node("p/c2", 8, at: 100)]
        let expected = ConflictTimeline.episodes(versions)
        var generator = SeededGenerator(seed: 7)
        for _ in 0..<50 {
            versions.shuffle(using: &generator)
            #expect(ConflictTimeline.episodes(versions) == expected, "seed 7")
        }
        // c1: heads 2→3 (version 5 is concurrent), then 4 leaves {4, 5}: still open; c2 opens at once.
        #expect(expected.map(\.consent) == ["p/c2", "p/c1"])
        #expect(expected.allSatisfy { $0.resolvedAt == nil })
        #expect(expected.last?.heads == 3)
    }

    @Test("a single line of versions never opens a conflict")
    func linearHistoryHasNoConflict() {
        let versions: [VersionNode] = (1...5).map { (n: UInt64) -> VersionNode in
            Self.node("p/c", n, at: n * 1000, supersedes: n > 1 ? [n - 1] : [])
        }
        #expect(ConflictTimeline.episodes(versions).isEmpty)
    }

    @Test("nearest-rank percentiles return actual samples")
    func percentilesAreNearestRank() {
        #expect(Percentile.nearestRank(50, of: []) == nil)
        #expect(Percentile.nearestRank(50, of: [10, 20]) == 10)
        #expect(Percentile.nearestRank(95, of: Array(1...20)) == 19)
        #expect(Percentile.nearestRank(95, of: Array(1...100)) == 95)
        #expect(Percentile.nearestRank(50, of: [7]) == 7)
    }
}
