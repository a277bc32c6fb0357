import Foundation
import TestSupport
import Testing

/// Runs the built `careledger` binary in a temporary folder, as a script would.
struct CLI {
    /// What one run produced.
    struct Run: CustomStringConvertible {
        var arguments: [String]
        var status: Int32
        var stdout: String
        var stderr: String

        /// stdout parsed as the one JSON object `--json` promises (fails the test otherwise).
        func json(sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
            let lines = stdout.split(separator: "\n", omittingEmptySubsequences: true)
            #expect(lines.count == 1, "--json prints exactly one line: \(self)", sourceLocation: sourceLocation)
            let object = try JSONSerialization.jsonObject(with: Data(stdout.utf8))
            return try #require(object as? [String: Any], "stdout is one JSON object: \(self)", sourceLocation: sourceLocation)
        }

        var description: String {
            "careledger \(arguments.joined(separator: " ")) → \(status)\nstdout: \(stdout.prefix(2000))\nstderr: \(stderr.prefix(2000))"
        }
    }

    /// The binary, found beside the test bundle in the build folder.
    static let binary: String? = CareLedgerBinary.path

    /// The temporary folder commands run in (their working directory).
    let folder: TemporaryDirectory

    /// Creates a fresh working folder.
    init() throws { folder = try TemporaryDirectory(prefix: "careledger-cli") }

    /// A path inside the working folder.
    func path(_ name: String) -> String { folder.path + "/" + name }

    /// Runs `careledger ARGS` and waits for it; stdout and stderr are captured through files
    /// (so neither is a terminal), stdin is `input` or empty.
    @discardableResult
    func run(_ arguments: [String], input: Data? = nil, environment: [String: String] = [:],
             sourceLocation: SourceLocation = #_sourceLocation) throws -> Run {
        let binary = try #require(Self.binary, "the careledger binary was not built beside the tests", sourceLocation: sourceLocation)
        let output = try CareLedgerBinary.run(binary, arguments, in: folder.path, input: input, environment: environment)
        return Run(arguments: arguments, status: output.status, stdout: String(decoding: output.stdout, as: UTF8.self),
                   stderr: String(decoding: output.stderr, as: UTF8.self))
    }

    /// Runs with `--json` appended, expects exit 0 and returns the JSON object.
    func json(_ arguments: [String], input: Data? = nil, environment: [String: String] = [:],
              sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let result = try run(arguments + ["--json"], input: input, environment: environment, sourceLocation: sourceLocation)
        try #require(result.status == 0, "\(result)", sourceLocation: sourceLocation)
        return try result.json(sourceLocation: sourceLocation)
    }

    func remove() { folder.remove() }
}

/// Contract checks shared by the end-to-end tests (shared/CLI.md).
enum Contract {
    /// Expects `object` to carry every one of `keys`.
    static func expectKeys(_ object: [String: Any], _ keys: [String], _ context: String,
                           sourceLocation: SourceLocation = #_sourceLocation) {
        let missing = keys.filter { object[$0] == nil }
        #expect(missing.isEmpty, "\(context): missing \(missing) in \(object.keys.sorted())", sourceLocation: sourceLocation)
    }

    /// Expects `value` to be lowercase hex of `bytes` bytes.
    static func expectHex(_ value: Any?, bytes: Int, _ context: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let text = value as? String ?? ""
        #expect(text.count == bytes * 2 && text.allSatisfy { "0123456789abcdef".contains($0) },
                "\(context): \(String(describing: value)) is not \(bytes) bytes of lowercase hex", sourceLocation: sourceLocation)
    }

    /// Expects a failed run's stderr to be exactly one line.
    static func expectOneErrorLine(_ run: CLI.Run, sourceLocation: SourceLocation = #_sourceLocation) {
        let lines = run.stderr.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "errors are one line on stderr: \(run)", sourceLocation: sourceLocation)
    }
}
