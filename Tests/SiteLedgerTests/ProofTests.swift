import Foundation
import LedgerCore
import TestSupport
import Testing

/// RFC 9162 proofs over a site's log: every inclusion and consistency proof of a ~50-entry
/// ledger verifies, wrong ones do not, and the independent Python verifier agrees.
@Suite("Proofs over the site's log", .serialized)
struct ProofTests {
    /// A founder with 50 entries (genesis, then 49 anchors in batches of 1 to 7).
    static func ledger(_ network: TestNetwork) throws -> SiteLedger {
        let founder = try network.founder()
        var remaining = 49, batch = 1
        while remaining > 0 {
            let size = min(batch, remaining)
            try founder.append(kind: "anchor", payloads: Ledgers.payloads(size, tag: "p\(remaining)"))
            remaining -= size
            batch = batch % 7 + 1
        }
        #expect(founder.entryCount == 50)
        return founder
    }

    /// RFC 9162 §2.1.1 MTH computed directly from leaf hashes (the definition, not the store).
    static func mth(_ leaves: ArraySlice<Hash32>) -> Hash32 {
        if leaves.isEmpty { return MerkleHash.emptyRoot }
        if leaves.count == 1 { return leaves[leaves.startIndex] }
        var k = 1
        while k * 2 < leaves.count { k *= 2 }
        let split = leaves.startIndex + k
        return MerkleHash.node(mth(leaves[..<split]), mth(leaves[split...]))
    }

    @Test("every inclusion proof at every tree size verifies, against the root the definition gives")
    func everyInclusionProofVerifies() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let ledger = try Self.ledger(network)
        let encodings = try Ledgers.encodings(ledger)
        let leaves = encodings.map { MerkleHash.leaf($0) }
        let ids = try encodings.map { try Entry.decode($0).id }
        for size in 1...ids.count {
            let root = Self.mth(leaves[0..<size])
            for index in 0..<size {
                let proof = try ledger.inclusionProof(for: ids[index], treeSize: UInt64(size))
                #expect(proof.leafIndex == UInt64(index) && proof.leafHash == leaves[index] && proof.rootHash == root)
                let rfc = InclusionProof(leafIndex: proof.leafIndex, treeSize: proof.treeSize, auditPath: proof.auditPath)
                #expect(rfc.verify(leafHash: leaves[index], rootHash: root), "leaf \(index) of \(size)")
                if index + 1 < size {
                    #expect(!rfc.verify(leafHash: leaves[index + 1], rootHash: root), "another leaf must not verify")
                }
                if !proof.auditPath.isEmpty {
                    var bent = proof.auditPath
                    bent[0] = leaves[(index + 7) % leaves.count]
                    #expect(!InclusionProof(leafIndex: proof.leafIndex, treeSize: proof.treeSize, auditPath: bent)
                        .verify(leafHash: leaves[index], rootHash: root))
                }
            }
        }
        #expect(throws: CoreError.self) { try ledger.inclusionProof(for: ids[30], treeSize: 30) }
        #expect(throws: CoreError.self) { try ledger.inclusionProof(for: ids[3], treeSize: 51) }
        #expect(throws: CoreError.self) { try ledger.inclusionProof(for: Hash32.sha256([1, 2, 3]), treeSize: 50) }
    }

    @Test("every consistency proof between two sizes verifies, and fails against a wrong root")
    func everyConsistencyProofVerifies() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let ledger = try Self.ledger(network)
        let leaves = try Ledgers.encodings(ledger).map { MerkleHash.leaf($0) }
        let roots = (0...leaves.count).map { Self.mth(leaves[0..<$0]) }
        for second in 1...leaves.count {
            for first in 1...second {
                let proof = try ledger.consistencyProof(from: UInt64(first), to: UInt64(second))
                #expect(proof.firstRoot == roots[first] && proof.secondRoot == roots[second])
                let rfc = ConsistencyProof(firstSize: proof.firstSize, secondSize: proof.secondSize, path: proof.path)
                #expect(rfc.verify(firstRoot: roots[first], secondRoot: roots[second]), "\(first) -> \(second)")
                if first < second {
                    #expect(!rfc.verify(firstRoot: roots[first - 1], secondRoot: roots[second]), "wrong first root \(first) -> \(second)")
                }
            }
        }
        #expect(throws: CoreError.self) { try ledger.consistencyProof(from: 0, to: 10) }
        #expect(throws: CoreError.self) { try ledger.consistencyProof(from: 11, to: 10) }
        #expect(throws: CoreError.self) { try ledger.consistencyProof(from: 10, to: 51) }
    }

    @Test("the signed tree heads of the log match the roots at their sizes and carry valid signatures")
    func signedHeadsMatchTheLog() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let ledger = try Self.ledger(network)
        let leaves = try Ledgers.encodings(ledger).map { MerkleHash.leaf($0) }
        #expect(ledger.treeHeads.count >= 10)
        for head in ledger.treeHeads {
            #expect(head.isSignatureValid() && head.signer == ledger.siteKey && head.networkID == ledger.networkID)
            #expect(head.rootHash == Self.mth(leaves[0..<Int(head.treeSize)]))
        }
        #expect(ledger.treeHeads.last?.treeSize == 50)
    }

    @Test("the library's proofs verify with the independent Python RFC 9162 verifier", .enabled(if: Python.available))
    func pythonVerifierAgrees() throws {
        let network = try TestNetwork()
        defer { network.remove() }
        let ledger = try Self.ledger(network)
        let encodings = try Ledgers.encodings(ledger)
        let ids = try encodings.map { try Entry.decode($0).id }
        var inclusion: [[String: Any]] = []
        var consistency: [[String: Any]] = []
        for size in [1, 2, 3, 7, 8, 13, 32, 50] {
            for index in 0..<size {
                let p = try ledger.inclusionProof(for: ids[index], treeSize: UInt64(size))
                inclusion.append(["leaf_index": Int(p.leafIndex), "tree_size": Int(p.treeSize), "leaf_hash": p.leafHash.hex,
                                  "root_hash": p.rootHash.hex, "audit_path": p.auditPath.map(\.hex)])
            }
        }
        for second in 1...50 {
            for first in stride(from: 1, through: second, by: 3) {
                let p = try ledger.consistencyProof(from: UInt64(first), to: UInt64(second))
                consistency.append(["first_size": Int(p.firstSize), "second_size": Int(p.secondSize), "first_root": p.firstRoot.hex,
                                    "second_root": p.secondRoot.hex, "proof": p.path.map(\.hex)])
            }
        }
        // A wrong proof the verifier must reject, so the check can fail.
        var wrong = inclusion[20]
        wrong["leaf_index"] = (wrong["leaf_index"] as? Int ?? 0) ^ 1
        wrong["expect_valid"] = false
        let cases: [String: Any] = [
            "leaf_hashes": encodings.map { MerkleHash.leaf($0).hex },
            "roots": try (1...50).map { ["tree_size": $0, "root_hash": try ledger.consistencyProof(from: 1, to: UInt64($0)).secondRoot.hex] },
            "inclusion": inclusion + [wrong], "consistency": consistency,
        ]
        let result = try Python.verify(cases, in: network.root.path)
        #expect(result.status == 0, "\(result.output)")
        #expect(result.output.contains("\"ok\": true"), "\(result.output)")
    }
}
