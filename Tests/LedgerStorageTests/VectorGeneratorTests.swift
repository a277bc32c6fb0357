import Foundation
import Testing

/// Every committed vector file is reproduced byte for byte by its generator in Tests/Tools,
/// so no vector is a snapshot of the code it checks and none drifts from its generator.
@Suite("Vector generators reproduce the committed vector files")
struct VectorGeneratorTests {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
    static let python = findExecutable("python3")

    /// Whether python3 can import `module`.
    static func pythonHas(_ module: String) -> Bool {
        guard let python else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = ["-c", "import \(module)"]
        process.standardError = FileHandle.nullDevice
        guard (try? process.run()) != nil else { return false }
        process.waitUntilExit()
        return process.terminationStatus == 0
    }

    /// Runs `Tools/<script> <arguments>` and compares its output with `Vectors/<vector>`.
    static func check(_ script: String, _ arguments: [String], _ vector: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: try #require(python))
        process.arguments = [tests.appendingPathComponent("Tools/" + script).path] + arguments
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let produced = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "\(script) failed")
        var committed = try Data(contentsOf: tests.appendingPathComponent("Vectors/" + vector))
        var fresh = produced
        // Some files end with a newline and some do not; compare the content either way.
        while committed.last == 0x0A { committed.removeLast() }
        while fresh.last == 0x0A { fresh.removeLast() }
        #expect(fresh == committed, "\(script) \(arguments.joined(separator: " ")) does not reproduce \(vector)")
    }

    @Test("the pure-Python generators reproduce the segment, sync and consent vectors",
          .enabled(if: python != nil, "python3 is not installed"))
    func pureGenerators() throws {
        try Self.check("make_segment_vectors.py", [], "segment-format-v1.json")
        try Self.check("make_sync_message_vectors.py", [], "sync-message-vectors.json")
        try Self.check("make_sync_message_vectors.py", ["--hashes"], "sync-hash-vectors.json")
        try Self.check("make_consent_vectors.py", [], "consent-version.json")
        try Self.check("make_consent_vectors.py", ["--decision"], "consent-access-decision.json")
    }

    @Test("the generators that use Python's cryptography reproduce the entry, tree-head, transport and bundle vectors",
          .enabled(if: pythonHas("cryptography"), "python3 with the cryptography package is not installed"))
    func cryptographyGenerators() throws {
        try Self.check("make_entry_vectors.py", [], "entry-encoding.json")
        try Self.check("make_entry_vectors.py", ["--tree-head"], "merkle-signed-tree-head.json")
        try Self.check("make_transport_frame_vectors.py", [], "transport-frames.json")
        try Self.check("make_bundle_vectors.py", [], "bundle-vectors.json")
    }

    /// Whether the `lz4` tool on PATH is 1.9.4, the version whose frames the vector holds.
    static var lz4Is194: Bool {
        guard let tool = findExecutable("lz4") else { return false }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = ["-V"]
        let output = Pipe()
        process.standardOutput = output
        process.standardError = output
        guard (try? process.run()) != nil else { return false }
        let text = String(decoding: output.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        return text.contains("v1.9.4")
    }

    @Test("the LZ4 frame generator reproduces lz4-frames.json with the lz4 tool",
          .enabled(if: python != nil && lz4Is194, "python3 or the lz4 1.9.4 tool is not installed"))
    func lz4Generator() throws {
        try Self.check("make_lz4_frame_vectors.py", [], "lz4-frames.json")
    }
}
