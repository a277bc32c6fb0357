import Foundation
import TestSupport
import Testing

/// The committed vector file is exactly what its committed generator writes.
@Suite("Canonical JSON vector generator")
struct VectorGeneratorTests {
    /// The first `python3` on PATH (then the usual places), or nil.
    static let python: String? = {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let folders = path.split(separator: ":").map(String.init) + ["/usr/bin", "/usr/local/bin"]
        return folders.map { $0 + "/python3" }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    @Test("Tests/Tools/make_canonical_json_vectors.py regenerates Tests/Vectors/canonical-json.json byte for byte",
          .enabled(if: python != nil, "python3 is not installed"))
    func regenerates() throws {
        let python = try #require(Self.python)
        let temp = try TemporaryDirectory(prefix: "canonical-json-vectors")
        defer { temp.remove() }
        let script = CanonicalVectors.url.deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Tools/make_canonical_json_vectors.py").path
        let output = try CareLedgerBinary.run(python, [script, temp.path + "/out.json"], in: temp.path)
        #expect(output.status == 0, "\(String(decoding: output.stderr, as: UTF8.self))")
        let fresh = try Data(contentsOf: URL(fileURLWithPath: temp.path + "/out.json"))
        let committed = try Data(contentsOf: CanonicalVectors.url)
        #expect(fresh == committed, "re-run the generator and commit its output")
    }
}
