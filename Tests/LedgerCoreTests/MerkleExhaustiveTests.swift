import LedgerCore
import TestSupport
import Testing

/// Every inclusion proof (i < n ≤ 64) and consistency proof (m ≤ n ≤ 64) verifies, and
/// mutated proofs, sizes, indexes and roots do not.
@Suite struct MerkleExhaustiveTests {
    static let maxSize: UInt64 = 64

    static func tree() throws -> (MerkleTree<InMemoryMerkleNodeStore>, [Hash32]) {
        var tree = try MerkleTree(store: InMemoryMerkleNodeStore())
        var roots = [MerkleHash.emptyRoot]
        for i in 0..<maxSize {
            try tree.append(leaf: Array("leaf \(i)".utf8))
            roots.append(try tree.root())
        }
        return (tree, roots)
    }

    /// The root by the RFC's recursive definition, computed from leaf hashes, for cross-checks.
    static func definitionRoot(_ leaves: ArraySlice<Hash32>) -> Hash32 {
        if leaves.isEmpty { return MerkleHash.emptyRoot }
        if leaves.count == 1 { return leaves[leaves.startIndex] }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let mid = leaves.startIndex + k
        return MerkleHash.node(definitionRoot(leaves[..<mid]), definitionRoot(leaves[mid...]))
    }

    @Test func incrementalRootsEqualTheRecursiveDefinitionAtEverySize() throws {
        let (tree, roots) = try Self.tree()
        let leaves = try (0..<Self.maxSize).map { try tree.leafHash(at: $0) }
        for n in 0...Int(Self.maxSize) {
            #expect(roots[n] == Self.definitionRoot(leaves[0..<n]), "size \(n)")
            #expect(try tree.root(atSize: UInt64(n)) == roots[n])
        }
    }

    @Test func everyInclusionProofVerifiesAndEveryMutationFails() throws {
        let (tree, roots) = try Self.tree()
        let stray = Hash32.sha256(Array("stray".utf8))
        var checked = 0
        for n in 1...Self.maxSize {
            for i in 0..<n {
                let proof = try tree.inclusionProof(leafIndex: i, treeSize: n)
                let leaf = try tree.leafHash(at: i)
                #expect(proof.verify(leafHash: leaf, rootHash: roots[Int(n)]), "\(i)/\(n)")
                checked += 1
                // Wrong leaf, wrong root.
                #expect(!proof.verify(leafHash: stray, rootHash: roots[Int(n)]))
                #expect(!proof.verify(leafHash: leaf, rootHash: roots[Int(n) - 1]))
                // Wrong index or size with the same path (n ± 1 can share a path: the size is
                // bound by the signed head, not by the proof).
                for (wi, wn) in [(i + 1, n), (i &- 1, n), (i ^ 2, n), (i, n * 2), (i, n / 2)] where (wi, wn) != (i, n) {
                    let moved = InclusionProof(leafIndex: wi, treeSize: wn, auditPath: proof.auditPath)
                    #expect(!moved.verify(leafHash: leaf, rootHash: roots[Int(n)]), "\(i)/\(n) as \(wi)/\(wn)")
                }
                // Each element flipped, one removed, one added front and back.
                for k in proof.auditPath.indices {
                    var path = proof.auditPath
                    path[k].w3 ^= 1
                    #expect(!InclusionProof(leafIndex: i, treeSize: n, auditPath: path).verify(leafHash: leaf, rootHash: roots[Int(n)]))
                }
                if !proof.auditPath.isEmpty {
                    #expect(!InclusionProof(leafIndex: i, treeSize: n, auditPath: Array(proof.auditPath.dropLast())).verify(leafHash: leaf, rootHash: roots[Int(n)]))
                }
                #expect(!InclusionProof(leafIndex: i, treeSize: n, auditPath: proof.auditPath + [stray]).verify(leafHash: leaf, rootHash: roots[Int(n)]))
                #expect(!InclusionProof(leafIndex: i, treeSize: n, auditPath: [stray] + proof.auditPath).verify(leafHash: leaf, rootHash: roots[Int(n)]))
            }
        }
        #expect(checked == 2_080)
    }

    @Test func everyConsistencyProofVerifiesAndEveryMutationFails() throws {
        let (tree, roots) = try Self.tree()
        let stray = Hash32.sha256(Array("stray".utf8))
        var checked = 0
        for n in 0...Self.maxSize {
            for m in 0...n {
                let proof = try tree.consistencyProof(from: m, to: n)
                let r1 = roots[Int(m)], r2 = roots[Int(n)]
                #expect(proof.verify(firstRoot: r1, secondRoot: r2), "\(m)->\(n)")
                checked += 1
                if m > 0 && m < n {
                    #expect(!proof.path.isEmpty)
                    #expect(!proof.verify(firstRoot: stray, secondRoot: r2))
                    #expect(!proof.verify(firstRoot: r1, secondRoot: stray))
                    #expect(!proof.verify(firstRoot: r2, secondRoot: r1))
                    for k in proof.path.indices {
                        var path = proof.path
                        path[k].w0 ^= 1 << 60
                        #expect(!ConsistencyProof(firstSize: m, secondSize: n, path: path).verify(firstRoot: r1, secondRoot: r2), "\(m)->\(n) flip \(k)")
                    }
                    #expect(!ConsistencyProof(firstSize: m, secondSize: n, path: Array(proof.path.dropLast())).verify(firstRoot: r1, secondRoot: r2))
                    #expect(!ConsistencyProof(firstSize: m, secondSize: n, path: proof.path + [stray]).verify(firstRoot: r1, secondRoot: r2))
                    #expect(!ConsistencyProof(firstSize: m, secondSize: n, path: [stray] + proof.path).verify(firstRoot: r1, secondRoot: r2))
                    #expect(!ConsistencyProof(firstSize: m, secondSize: n, path: []).verify(firstRoot: r1, secondRoot: r2))
                    // Sizes bind only through the roots (a signed head authenticates them), so
                    // second ± 1 can share a proof; these mutations cannot.
                    for (wm, wn) in [(m - 1, n), (m + 1, n), (m ^ 2, n), (m, n * 2), (m, n / 2), (n, m)] where (wm, wn) != (m, n) {
                        let moved = ConsistencyProof(firstSize: wm, secondSize: wn, path: proof.path)
                        #expect(!moved.verify(firstRoot: r1, secondRoot: r2), "\(m)->\(n) as \(wm)->\(wn)")
                    }
                }
            }
        }
        #expect(checked == 2_145)
        // The degenerate sizes: same size needs equal roots, size 0 needs the empty root.
        #expect(!ConsistencyProof(firstSize: 4, secondSize: 4, path: []).verify(firstRoot: roots[4], secondRoot: roots[5]))
        #expect(!ConsistencyProof(firstSize: 4, secondSize: 4, path: [stray]).verify(firstRoot: roots[4], secondRoot: roots[4]))
        #expect(!ConsistencyProof(firstSize: 0, secondSize: 8, path: []).verify(firstRoot: roots[1], secondRoot: roots[8]))
        #expect(!ConsistencyProof(firstSize: 0, secondSize: 8, path: [stray]).verify(firstRoot: roots[0], secondRoot: roots[8]))
    }

    @Test func proofsOutsideTheTreeAreRefused() throws {
        let (tree, _) = try Self.tree()
        #expect(throws: CoreError.self) { try tree.inclusionProof(leafIndex: 64, treeSize: 64) }
        #expect(throws: CoreError.self) { try tree.inclusionProof(leafIndex: 0, treeSize: 65) }
        #expect(throws: CoreError.self) { try tree.inclusionProof(leafIndex: 0, treeSize: 0) }
        #expect(throws: CoreError.self) { try tree.consistencyProof(from: 5, to: 3) }
        #expect(throws: CoreError.self) { try tree.consistencyProof(from: 1, to: 65) }
        #expect(throws: CoreError.self) { try tree.leafHash(at: 64) }
    }
}
