import Foundation
import TestSupport
import Testing

/// Runs the built `careledger` binary, as a script on a clinic laptop would.
struct Binary {
    /// What one run produced.
    struct Run: CustomStringConvertible {
        var arguments: [String]
        var status: Int32
        var stdout: String
        var stderr: String

        /// stdout parsed as one JSON object, or an empty object when it is not one.
        var json: [String: Any] {
            (try? JSONSerialization.jsonObject(with: Data(stdout.utf8))) as? [String: Any] ?? [:]
        }

        var description: String {
            "careledger \(arguments.joined(separator: " ")) → \(status)\nstdout: \(stdout.prefix(1500))\nstderr: \(stderr.prefix(1500))"
        }
    }

    /// The binary, beside the test bundle or in `.build/debug`.
    static let path: String? = CareLedgerBinary.path

    /// The folder commands run in.
    let folder: String

    /// Runs `careledger ARGS` in `folder` with stdout and stderr captured through files.
    @discardableResult
    func run(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> Run {
        let binary = try #require(Self.path, "the careledger binary was not built beside the tests", sourceLocation: sourceLocation)
        let output = try CareLedgerBinary.run(binary, arguments, in: folder)
        return Run(arguments: arguments, status: output.status, stdout: String(decoding: output.stdout, as: UTF8.self),
                   stderr: String(decoding: output.stderr, as: UTF8.self))
    }

    /// Runs a command that must succeed and returns its `--json` object.
    func json(_ arguments: [String], sourceLocation: SourceLocation = #_sourceLocation) throws -> [String: Any] {
        let run = try run(arguments + ["--json"], sourceLocation: sourceLocation)
        try #require(run.status == 0, "\(run)", sourceLocation: sourceLocation)
        return run.json
    }
}

/// Paths of the repository this test file lives in.
enum Repository {
    /// The package root (this file is `Tests/HardeningTests/Support/Binary.swift`).
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent()
}
