import LedgerCore
import TestSupport
import Testing

/// Seeded random trees larger than the exhaustive range.
@Suite struct MerklePropertyTests {
    static let seed: UInt64 = 0x5EED_6962

    @Test func randomProofsInLargerTreesVerifyAndForeignRootsFail() throws {
        var rng = SeededGenerator(seed: Self.seed)
        var tree = try MerkleTree(store: InMemoryMerkleNodeStore())
        var roots = [MerkleHash.emptyRoot]
        for _ in 0..<3_000 {
            try tree.append(leaf: rng.bytes(Int(rng.next() % 64)))
            roots.append(try tree.root())
        }
        for _ in 0..<500 {
            let n = 1 + rng.next() % tree.size
            let i = rng.next() % n
            let m = rng.next() % (n + 1)
            let inclusion = try tree.inclusionProof(leafIndex: i, treeSize: n)
            #expect(inclusion.verify(leafHash: try tree.leafHash(at: i), rootHash: roots[Int(n)]), "seed \(Self.seed): \(i)/\(n)")
            #expect(!inclusion.verify(leafHash: try tree.leafHash(at: i), rootHash: roots[Int(n) - 1]), "seed \(Self.seed)")
            #expect(inclusion.auditPath.count <= 64 - n.leadingZeroBitCount + 1)
            let consistency = try tree.consistencyProof(from: m, to: n)
            #expect(consistency.verify(firstRoot: roots[Int(m)], secondRoot: roots[Int(n)]), "seed \(Self.seed): \(m)->\(n)")
            if m > 0 && m < n {
                #expect(!consistency.verify(firstRoot: roots[Int(m) - 1], secondRoot: roots[Int(n)]), "seed \(Self.seed)")
            }
        }
    }
}
