import LedgerCore
import Testing

/// The RFC 9162 construction checked against the standard 8-leaf reference tree.
@Suite struct MerkleVectorTests {
    static func referenceTree() throws -> (MerkleTree<InMemoryMerkleNodeStore>, [String: Any]) {
        let doc = try Fixtures.vector("merkle-rfc6962.json")
        var tree = try MerkleTree(store: InMemoryMerkleNodeStore())
        for hex in try #require(doc["leaves_hex"] as? [String]) {
            try tree.append(leaf: try Fixtures.bytes(hex))
        }
        return (tree, doc)
    }

    @Test func leafAndNodeHashesMatchTheReference() throws {
        let doc = try Fixtures.vector("merkle-rfc6962.json")
        let leaf = try #require(doc["leaf_hash"] as? [String: String])
        #expect(MerkleHash.leaf(try Fixtures.bytes(try #require(leaf["leaf_hex"]))).hex == leaf["hash"])
        let node = try #require(doc["node_hash"] as? [String: String])
        #expect(MerkleHash.node(try Fixtures.hash(try #require(node["left"])), try Fixtures.hash(try #require(node["right"]))).hex == node["hash"])
        #expect(MerkleHash.emptyRoot.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test func rootsAtEverySizeMatchTheReference() throws {
        let (tree, doc) = try Self.referenceTree()
        let roots = try #require(doc["roots"] as? [String])
        #expect(tree.size == 8)
        for (size, root) in roots.enumerated() {
            #expect(try tree.root(atSize: UInt64(size)).hex == root, "size \(size)")
        }
        #expect(throws: CoreError.self) { try tree.root(atSize: 9) }
    }

    @Test func inclusionProofsMatchTheReferenceAndVerify() throws {
        let (tree, doc) = try Self.referenceTree()
        let roots = try #require(doc["roots"] as? [String])
        for v in try #require(doc["inclusion"] as? [[String: Any]]) {
            let index = UInt64(try #require(v["leaf_index"] as? Int))
            let size = UInt64(try #require(v["tree_size"] as? Int))
            let proof = try tree.inclusionProof(leafIndex: index, treeSize: size)
            #expect(proof.auditPath.map(\.hex) == v["audit_path"] as? [String], "\(index)/\(size)")
            let root = try Fixtures.hash(roots[Int(size)])
            #expect(proof.verify(leafHash: try tree.leafHash(at: index), rootHash: root))
        }
    }

    @Test func consistencyProofsMatchTheReferenceAndVerify() throws {
        let (tree, doc) = try Self.referenceTree()
        let roots = try #require(doc["roots"] as? [String])
        for v in try #require(doc["consistency"] as? [[String: Any]]) {
            let first = UInt64(try #require(v["first_size"] as? Int))
            let second = UInt64(try #require(v["second_size"] as? Int))
            let proof = try tree.consistencyProof(from: first, to: second)
            #expect(proof.path.map(\.hex) == v["proof"] as? [String], "\(first)->\(second)")
            #expect(proof.verify(firstRoot: try Fixtures.hash(roots[Int(first)]), secondRoot: try Fixtures.hash(roots[Int(second)])))
        }
    }

    @Test func proofsEncodeToTheCommandLineJSONFieldNames() throws {
        let (tree, _) = try Self.referenceTree()
        let encoder = JSONEncoderFactory.make()
        let inclusion = String(decoding: try encoder.encode(try tree.inclusionProof(leafIndex: 2, treeSize: 3)), as: UTF8.self)
        #expect(inclusion == #"{"audit_path":["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],"leaf_index":2,"tree_size":3}"#)
        let consistency = String(decoding: try encoder.encode(try tree.consistencyProof(from: 8, to: 8)), as: UTF8.self)
        #expect(consistency == #"{"first_size":8,"proof":[],"second_size":8}"#)
    }
}

import Foundation

enum JSONEncoderFactory {
    static func make() -> JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }
}
