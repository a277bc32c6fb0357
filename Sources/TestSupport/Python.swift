import Foundation

extension Python {
    /// Exit status and combined output of `python3 arguments…`; nil when python3 cannot start.
    /// The one runner for tests that check CareLedger against an independent implementation
    /// (RFC 9162, `fhir.resources`, fhirpy), skippable when Python or a module is missing
    /// (`.ci/run` installs them).
    public static func run(_ arguments: [String]) -> (status: Int32, output: String)? {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: interpreter ?? "/usr/bin/python3")
        process.arguments = arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        do { try process.run() } catch { return nil }
        let output = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: output, as: UTF8.self))
    }

    /// Whether `import MODULES` succeeds (e.g. `"fhirpy, fhir.resources"`).
    public static func canImport(_ modules: String) -> Bool {
        run(["-c", "import \(modules)"])?.status == 0
    }
}
