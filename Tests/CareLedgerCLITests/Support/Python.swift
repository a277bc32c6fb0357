import Foundation

/// Runs the independent RFC 9162 verifier, `Tests/Tools/rfc9162_verify.py`, when python3 exists.
enum Python {
    /// `Tests/` (this file is `Tests/CareLedgerCLITests/Support/Python.swift`).
    static let testsFolder = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// The interpreter, if one is installed.
    static let interpreter: String? = ["/usr/bin/python3", "/usr/local/bin/python3", "/bin/python3"]
        .first { FileManager.default.isExecutableFile(atPath: $0) }

    /// Whether the Python checks can run here.
    static var available: Bool { interpreter != nil }

    /// Writes `cases` as CASES.json in `folder`, runs the verifier on it, returns its exit status and output.
    static func verify(_ cases: [String: Any], in folder: String) throws -> (status: Int32, output: String) {
        let file = folder + "/rfc9162-cases.json"
        try JSONSerialization.data(withJSONObject: cases).write(to: URL(fileURLWithPath: file))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter ?? "/usr/bin/python3")
        process.arguments = [testsFolder.appendingPathComponent("Tools/rfc9162_verify.py").path, file]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
