import LedgerCore
import Testing
import TestSupport
@testable import LedgerSync

@Suite("The reconcilable set")
struct ReconcilableSetTests {
    @Test("the root depends only on the set, not on insertion order or batching")
    func rootIsCanonical() {
        for seed in UInt64(1)...20 {
            var rng = SeededGenerator(seed: seed)
            let ids = (0..<Int(rng.next() % 600)).map { _ in Hash32(bytes: rng.bytes(32)) ?? .zero }
            var oneByOne = ReconcilableSet()
            for id in ids.shuffled(using: &rng) { oneByOne.insert(id) }
            let bulk = ReconcilableSet(ids + ids.prefix(10))
            #expect(oneByOne.rootHash == bulk.rootHash, "seed \(seed)")
            #expect(oneByOne.count == Set(ids).count, "seed \(seed)")
            #expect(oneByOne.sortedIDs == Set(ids).sorted(), "seed \(seed)")
        }
    }

    @Test("one more id changes the root, and every range digest equals the spec's recursive definition")
    func rangeDigestsMatchFreshSets() {
        var rng = SeededGenerator(seed: 42)
        let ids = (0..<2_000).map { _ in Hash32(bytes: rng.bytes(32)) ?? .zero }
        var set = ReconcilableSet(ids)
        let before = set.rootHash
        set.insert(Hash32(bytes: rng.bytes(32)) ?? .zero)
        #expect(set.rootHash != before)
        for prefix in [IdPrefix.root, IdPrefix(of: ids[0], depth: 1), IdPrefix(of: ids[1], depth: 2), IdPrefix(of: ids[2], depth: 3)] {
            let inRange = set.ids(in: prefix)
            #expect(inRange.allSatisfy(prefix.contains))
            #expect(set.digest(of: prefix)?.hash == referenceHash(inRange, depth: prefix.depth), "prefix \(prefix)")
            #expect(set.count(in: prefix) == inRange.count)
        }
    }

    @Test("contains finds every inserted id and no other")
    func containsIsExact() {
        var rng = SeededGenerator(seed: 7)
        let ids = (0..<1_000).map { _ in Hash32(bytes: rng.bytes(32)) ?? .zero }
        let set = ReconcilableSet(ids.prefix(500))
        #expect(ids.prefix(500).allSatisfy(set.contains))
        #expect(!ids.suffix(500).contains(where: set.contains))
    }

    @Test("the empty set and small sets hash as the spec's vectors say")
    func hashVectors() throws {
        let vectors = try VectorFile.load("sync-hash-vectors.json")
        for vector in vectors.array("cases") {
            let ids = vector.strings("ids").compactMap(Hash32.init(hex:))
            #expect(ReconcilableSet(ids).rootHash.hex == vector.string("root"), "\(vector.string("name"))")
        }
    }

    @Test("prefixes round-trip through their wire form and reject non-zero padding")
    func prefixWireForm() throws {
        let id = Hash32(hex: String(repeating: "ab", count: 32)) ?? .zero
        for depth in 0...64 {
            var writer = ByteWriter(.bigEndian)
            IdPrefix(of: id, depth: depth).encode(into: &writer)
            var reader = ByteReader(writer.bytes)
            #expect(try IdPrefix.decode(from: &reader) == IdPrefix(of: id, depth: depth))
        }
        var bad = ByteReader([0x01, 0xa1])
        #expect(throws: SyncError.self) { try IdPrefix.decode(from: &bad) }
        var deep = ByteReader([65] + [UInt8](repeating: 0, count: 33))
        #expect(throws: SyncError.self) { try IdPrefix.decode(from: &deep) }
    }
}

/// The node hash of Specs/sync-protocol.md §3.2 computed by plain recursion, independent
/// of the incremental trie.
func referenceHash(_ ids: [Hash32], depth: Int) -> Hash32 {
    let sorted = ids.sorted()
    if sorted.count <= ReconcilableSet.leafCapacity || depth == 64 { return SyncHashing.leaf(sorted) }
    var bitmap: UInt16 = 0
    var children: [Hash32] = []
    for nibble in 0..<16 {
        let group = sorted.filter { IdPrefix.nibble(of: $0, at: depth) == nibble }
        if group.isEmpty { continue }
        bitmap |= 1 << UInt16(15 - nibble)
        children.append(referenceHash(group, depth: depth + 1))
    }
    return SyncHashing.inner(bitmap: bitmap, childHashes: children)
}
