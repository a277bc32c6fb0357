import Foundation
import LedgerCore
import TestSupport
import Testing

/// Proofs made by the Swift code, checked by `Tests/Tools/rfc9162_verify.py`, a verifier
/// written from RFC 9162's algorithm text with no code shared (run when python3 exists).
@Suite struct IndependentVerifierTests {
    static let script = Fixtures.testsFolder.appendingPathComponent("Tools/rfc9162_verify.py").path

    /// The first `python3` on PATH (then the usual places), or nil.
    static var python: String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return folders.map { $0 + "/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Runs the script; returns its exit status and its last output line.
    static func run(_ arguments: [String]) throws -> (Int32, String) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python))
        process.arguments = [script] + arguments
        let out = Pipe()
        process.standardOutput = out
        try process.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        let text = String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return (process.terminationStatus, text.split(separator: "\n").last.map(String.init) ?? "")
    }

    @Test(.enabled(if: python != nil, "python3 is not installed"))
    func thePythonVerifierAcceptsTheReferenceVectors() throws {
        let (status, line) = try Self.run(["--vectors", Fixtures.testsFolder.appendingPathComponent("Vectors/merkle-rfc6962.json").path])
        #expect(status == 0, "\(line)")
        #expect(line.contains(#""ok": true"#))
    }

    @Test(.enabled(if: python != nil, "python3 is not installed"))
    func swiftProofsVerifyWithThePythonVerifierAndMutatedOnesDoNot() throws {
        var rng = SeededGenerator(seed: 0x9162)
        var tree = try MerkleTree(store: InMemoryMerkleNodeStore())
        var roots = [MerkleHash.emptyRoot]
        for _ in 0..<70 {
            try tree.append(leaf: rng.bytes(Int(rng.next() % 40)))
            roots.append(try tree.root())
        }
        var inclusion = [[String: Any]]()
        var consistency = [[String: Any]]()
        for n in UInt64(1)...tree.size {
            for i in 0..<n where n <= 33 || i % 7 == 0 {
                let proof = try tree.inclusionProof(leafIndex: i, treeSize: n)
                let item: [String: Any] = [
                    "leaf_index": i, "tree_size": n, "leaf_hash": try tree.leafHash(at: i).hex,
                    "root_hash": roots[Int(n)].hex, "audit_path": proof.auditPath.map(\.hex), "expect_valid": true,
                ]
                inclusion.append(item)
                if !proof.auditPath.isEmpty {
                    var path = proof.auditPath
                    path[Int(rng.next() % UInt64(path.count))].w1 ^= 0x10
                    var bad = item
                    bad["audit_path"] = path.map(\.hex)
                    bad["expect_valid"] = false
                    inclusion.append(bad)
                }
            }
            for m in 0...n where n <= 33 || m % 5 == 0 {
                let proof = try tree.consistencyProof(from: m, to: n)
                let item: [String: Any] = [
                    "first_size": m, "second_size": n, "first_root": roots[Int(m)].hex,
                    "second_root": roots[Int(n)].hex, "proof": proof.path.map(\.hex), "expect_valid": true,
                ]
                consistency.append(item)
                if !proof.path.isEmpty {
                    var bad = item
                    bad["proof"] = Array(proof.path.dropFirst()).map(\.hex)
                    bad["expect_valid"] = false
                    consistency.append(bad)
                }
            }
        }
        let document: [String: Any] = [
            "leaf_hashes": try (0..<tree.size).map { try tree.leafHash(at: $0).hex },
            "roots": roots.enumerated().map { ["tree_size": $0.offset, "root_hash": $0.element.hex] },
            "inclusion": inclusion, "consistency": consistency,
        ]
        let dir = try TemporaryDirectory()
        defer { dir.remove() }
        let path = dir.path + "/cases.json"
        try JSONSerialization.data(withJSONObject: document).write(to: URL(fileURLWithPath: path))
        let (status, line) = try Self.run([path])
        #expect(status == 0, "python verifier: \(line)")
        #expect(line.contains(#""ok": true"#), "\(line)")
        #expect(inclusion.count > 1_000 && consistency.count > 1_000)
    }
}
