import Foundation

/// Runs the independent RFC 9162 verifier, `Tests/Tools/rfc9162_verify.py`, when python3
/// exists; shared by the site-ledger and CLI tests.
public enum Python {
    /// The repository's `Tests/` folder (this file is `Sources/TestSupport/RFC9162Verifier.swift`).
    public static let testsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Tests")

    /// The interpreter, if one is installed: the `python3` that `PATH` finds first (the one
    /// `.ci/run` installs `fhir.resources`, fhirpy and `cryptography` into, e.g. a pyenv shim),
    /// else the system's.
    public static let interpreter: String? = {
        let searchPath = ProcessInfo.processInfo.environment["PATH"] ?? ""
        let onPath = searchPath.split(separator: ":").map { "\($0)/python3" }
        return (onPath + ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"])
            .first { FileManager.default.isExecutableFile(atPath: $0) }
    }()

    /// Whether the Python checks can run here.
    public static var available: Bool { interpreter != nil }

    /// Writes `cases` as a JSON file in `folder`, runs the verifier on it, returns its exit status and output.
    public static func verify(_ cases: [String: Any], in folder: String) throws -> (status: Int32, output: String) {
        let file = folder + "/rfc9162-cases.json"
        try JSONSerialization.data(withJSONObject: cases).write(to: URL(fileURLWithPath: file))
        guard let result = run([testsFolder.appendingPathComponent("Tools/rfc9162_verify.py").path, file]) else {
            throw CocoaError(.executableNotLoadable)
        }
        return result
    }
}
